"""Benchmark `compare`: each AWS managed policy (every `--step`-th, default every 3rd, in name
order) against mutants of itself, generated deterministically on the JSON:

- drop-action: remove one action of an Allow statement that lists several      (expect <=)
- widen-action: replace an Allow action by its service's `service:*`            (expect >=)
- narrow-resource: an Allow statement's `*` resource becomes one bucket ARN      (expect <=)
- widen-resource: an Allow statement's resources become `*`                       (expect >=)
- drop-condition: remove the Condition block of an Allow statement               (expect >=)
- add-condition: add `aws:SourceIp` 192.0.2.0/24 to an Allow statement           (expect <=)

Only Allow statements are mutated and each policy is Allow-minus-Deny on its own, so the
direction is determined: `<=` means equivalent or less permissive, `>=` equivalent or more.
Reports per-comparison and per-solver-query latency and verdict counts; any verdict against the
expected direction is listed (it would be a bug).

    python perf/compare_mutants.py [--step 3] [--output perf/results/compare_mutants.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine, percentiles

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.parse.policy import parse_policy_text
from policyreason.smt import session as smt_session

ROOT = Path(__file__).resolve().parents[1]
LESS = {CompareVerdict.EQUIVALENT, CompareVerdict.LESS_PERMISSIVE}
MORE = {CompareVerdict.EQUIVALENT, CompareVerdict.MORE_PERMISSIVE}
Json = dict[str, Any]


def _statements(doc: Json) -> list[Json]:
    body = doc.get("Statement")
    items = body if isinstance(body, list) else [body]
    return [s for s in items if isinstance(s, dict)]


def _allows(doc: Json) -> Iterator[tuple[int, Json]]:
    for index, statement in enumerate(_statements(doc)):
        if statement.get("Effect") == "Allow" and "Action" in statement:
            yield index, statement


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _mutated(doc: Json, index: int, change: Callable[[Json], None]) -> Json:
    out = copy.deepcopy(doc)
    body = out["Statement"]
    if isinstance(body, list):
        change([s for s in body if isinstance(s, dict)][index])
    else:
        change(body)
    return out


def _setter(key: str, value: object) -> Callable[[Json], None]:
    return lambda statement: statement.update({key: value})


def mutants(doc: Json) -> Iterator[tuple[str, set[CompareVerdict], Json]]:
    """(mutation, allowed verdicts, mutated document) for the first place each one fits."""
    allows = list(_allows(doc))
    for index, st in allows:
        actions = _as_list(st["Action"])
        if len(actions) > 1:
            yield "drop-action", LESS, _mutated(doc, index, _setter("Action", actions[1:]))
            break
    for index, st in allows:
        actions = _as_list(st["Action"])
        named = [a for a in actions if isinstance(a, str) and ":" in a and a.split(":")[1] != "*"]
        if named:
            wide = named[0].split(":")[0] + ":*"
            rest = [a for a in actions if a != named[0]]
            yield "widen-action", MORE, _mutated(doc, index, _setter("Action", [wide, *rest]))
            break
    for index, st in allows:
        if st.get("Resource") in ("*", ["*"]):
            yield (
                "narrow-resource",
                LESS,
                _mutated(doc, index, _setter("Resource", "arn:aws:s3:::bench-bucket/*")),
            )
            break
    for index, st in allows:
        if "Resource" in st and st.get("Resource") not in ("*", ["*"]):
            yield "widen-resource", MORE, _mutated(doc, index, _setter("Resource", "*"))
            break
    for index, st in allows:
        if "Condition" in st:
            yield "drop-condition", MORE, _mutated(doc, index, lambda s: s.pop("Condition"))
            break
    for index, _st in allows:

        def add(s: Json) -> None:
            cond = s.setdefault("Condition", {})
            cond.setdefault("IpAddress", {})["aws:SourceIp"] = "192.0.2.0/24"

        yield "add-condition", LESS, _mutated(doc, index, add)
        break


class QueryTimer:
    """Times every solver check (Session.check) while installed."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._original = smt_session.Session.check

    def __enter__(self) -> QueryTimer:
        original = self._original
        samples = self.samples

        def timed(session: smt_session.Session, *assumptions: Any) -> smt_session.CheckResult:
            start = time.perf_counter()
            try:
                return original(session, *assumptions)
            finally:
                samples.append(time.perf_counter() - start)

        smt_session.Session.check = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        smt_session.Session.check = self._original  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--step", type=int, default=3, help="take every STEP-th policy (1: all)")
    ap.add_argument("--output", default=str(ROOT / "perf/results/compare_mutants.json"))
    args = ap.parse_args()
    files = sorted(Path(args.corpus).glob("*.json"))[:: args.step]
    load_before = os.getloadavg()
    times: list[float] = []
    by_mutation: dict[str, list[float]] = {}
    verdicts: Counter[str] = Counter()
    per_mutation: dict[str, Counter[str]] = {}
    wrong: list[str] = []
    unknown: list[str] = []
    start_all = time.perf_counter()
    with QueryTimer() as queries:
        for file in files:
            text = file.read_text(encoding="utf-8")
            old = parse_policy_text(text, str(file)).policy
            if old is None:
                continue
            for mutation, expected, doc in mutants(json.loads(text)):
                new = parse_policy_text(json.dumps(doc, indent=2), str(file)).policy
                if new is None:
                    continue
                start = time.perf_counter()
                result = compare(old, new)
                elapsed = time.perf_counter() - start
                times.append(elapsed)
                by_mutation.setdefault(mutation, []).append(elapsed)
                verdicts[result.verdict.value] += 1
                per_mutation.setdefault(mutation, Counter())[result.verdict.value] += 1
                if result.verdict is CompareVerdict.UNKNOWN:
                    unknown.append(f"{file.name} {mutation}: {result.reason}")
                elif result.verdict not in expected:
                    wrong.append(f"{file.name} {mutation}: {result.verdict.value}")
    report = {
        "benchmark": "compare_mutants",
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "policies": len(files),
        "step": args.step,
        "comparisons": len(times),
        "total_s": round(time.perf_counter() - start_all, 2),
        "per_comparison": percentiles(times),
        "per_query": percentiles(queries.samples),
        "per_mutation": {m: percentiles(t) for m, t in sorted(by_mutation.items())},
        "verdicts": dict(verdicts),
        "verdicts_by_mutation": {m: dict(c) for m, c in sorted(per_mutation.items())},
        "against_expected_direction": wrong,
        "unknown": unknown,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "per_mutation"}, indent=2))


if __name__ == "__main__":
    main()
