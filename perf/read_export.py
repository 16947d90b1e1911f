"""Benchmark reading: a 15 MB describe-* export (replicated Batfish snapshot) and a CloudFormation
YAML template, each beside its peers measured in the same run.

JSON: our reader (parse/json_spans.py) to the positioned tree, then the whole snapshot read into
the network IR (read_snapshot), beside Python's json.loads (no positions, the floor) and Lark's
LALR parser over grammars/json.lark with positions (the reader before; timed on a 1 MB slice of
the same export and scaled, a full run takes about a minute). YAML: parse_yaml beside the pure-
Python PyYAML loader it used before, on the example stack replicated to about 1 MB.

CPU seconds (process time), best of `--runs`.

    python perf/read_export.py [--mb 15] [--runs 3] [--output perf/results/read_export.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import yaml
from _export import DEFAULT_SNAPSHOT, copies_for_bytes, interfaces, write_export
from _stats import machine
from lark import Lark
from yaml.constructor import SafeConstructor

from policyreason.collector import paused
from policyreason.inputs import cfn_yaml
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.parse.json_spans import JArray, JNode, JObject, parse_json
from policyreason.resources import grammar_text

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples/cloudformation/app-stack.yaml"
LARK_ROW = "Lark LALR with positions, parse only, collector paused (1 MB slice, scaled)"


def best(fn: Callable[[], Any], runs: int) -> float:
    """The least CPU time of `runs` calls."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def big_template(copies: int) -> str:
    """The example stack with its resources repeated under new logical ids."""
    text = TEMPLATE.read_text(encoding="utf-8")
    head, _, resources = text.partition("Resources:\n")
    body, _, _outputs = resources.partition("\nOutputs:")
    lines = [line for line in body.split("\n") if line.strip()]
    renamed = (
        re.sub(r"^  (\w+):", rf"  \g<1>Copy{k}:", line) for k in range(copies) for line in lines
    )
    return head + "Resources:\n" + "\n".join(renamed) + "\n"


def _touch(node: JNode) -> None:
    """Make every span of a tree, as the reader before did while reading."""
    _ = node.span
    if isinstance(node, JArray):
        for item in node.items:
            _touch(item)
    elif isinstance(node, JObject):
        for key, value in node.pairs:
            _ = key.span
            _touch(value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--output", default=str(ROOT / "perf/results/read_export.json"))
    args = ap.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.json"
        copies = copies_for_bytes(int(args.mb * 1_000_000))
        size = write_export(export, copies)
        text = export.read_text(encoding="utf-8")
        lark = Lark(
            grammar_text("json.lark"),
            parser="lalr",
            propagate_positions=True,
            maybe_placeholders=True,
        )
        # A 1 MB slice that is itself a document: the first copies of the snapshot.
        slice_copies = max(1, round(copies * 1_000_000 / size))
        slice_path = Path(tmp) / "slice.json"
        slice_size = write_export(slice_path, slice_copies)
        slice_text = slice_path.read_text(encoding="utf-8")

        def lark_tree() -> None:
            with paused():
                lark.parse(slice_text)

        lark_slice = best(lark_tree, 1)
        json_rows = {
            "ours: text to positioned tree (parse_json)": best(lambda: parse_json(text), args.runs),
            "ours: file to network IR (read_snapshot)": best(
                lambda: read_snapshot(export), args.runs
            ),
            "json.loads (C, no positions)": best(lambda: json.loads(text), args.runs),
            LARK_ROW: lark_slice * size / slice_size,
        }
    template = big_template(300)

    def reader_before() -> None:
        # As parse_yaml read before: the pure-Python loader, every span made, collector on.
        node = yaml.compose(template, Loader=yaml.SafeLoader)
        _touch(cfn_yaml._convert(node, cfn_yaml._Marks("t.yaml"), SafeConstructor(), 0))

    yaml_rows = {
        "ours: parse_yaml (libyaml, spans on demand)": best(
            lambda: cfn_yaml.parse_yaml(template, "t.yaml"), args.runs
        ),
        "pure-Python loader, every span made (the reader before)": best(reader_before, 1),
    }
    report = {
        "benchmark": "read_export",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "export": {
            "snapshot": DEFAULT_SNAPSHOT.name,
            "copies": copies,
            "interfaces": copies * interfaces(DEFAULT_SNAPSHOT),
            "bytes": size,
            "cpu_s": {k: round(v, 3) for k, v in json_rows.items()},
            "mb_per_cpu_s": {k: round(size / 1e6 / v, 2) for k, v in json_rows.items()},
        },
        "template": {
            "bytes": len(template.encode("utf-8")),
            "cpu_s": {k: round(v, 3) for k, v in yaml_rows.items()},
        },
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
