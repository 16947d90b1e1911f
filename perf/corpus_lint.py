"""Benchmark `policyreason check` over the 1,523 AWS managed policies.

In process (gate.run, serial, no cache): wall time, per-policy p50/p95/p99/max of the per-file
work (read, parse, checks) and the count of unknown findings. As a user runs it (a new process
each time, `python -m policyreason check`): serial, `--jobs 2`, and a cold then warm result
cache; each the median of `--runs` runs.

    python perf/corpus_lint.py [--corpus DIR] [--runs 3] [--output perf/results/corpus_lint.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine, percentiles

from policyreason.analysis.findings import Status
from policyreason.batch import Execution, FileResult, check_file, execute
from policyreason.gate import RunOptions, assemble
from policyreason.inputs import discover

ROOT = Path(__file__).resolve().parents[1]


def in_process(corpus: Path) -> dict[str, object]:
    times: list[float] = []

    def timed(path: Path, options: RunOptions) -> FileResult:
        start = time.perf_counter()
        result = check_file(path, options)
        times.append(time.perf_counter() - start)
        return result

    start = time.perf_counter()
    files, _missing = discover([str(corpus)])
    results = execute(files, RunOptions(), Execution(jobs=1), work=timed)
    report = assemble(results, RunOptions())
    wall = time.perf_counter() - start
    unknown = sum(1 for r in results for f in r.found if f.finding.status is Status.UNKNOWN)
    return {
        "files": len(files),
        "wall_s": round(wall, 2),
        "per_policy": percentiles(times),
        "findings": len(report.findings),
        "unknown_findings": unknown,
        "input_errors": len(report.errors),
        "exit_code": report.gate.exit_code,
    }


def cli(corpus: Path, extra: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "policyreason", "check", str(corpus), "--format", "json", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    return time.perf_counter() - start, done.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--output", default=str(ROOT / "perf/results/corpus_lint.json"))
    args = ap.parse_args()
    corpus = Path(args.corpus)
    load_before = os.getloadavg()
    inproc = in_process(corpus)
    env = dict(os.environ)
    cache_root = Path(tempfile.mkdtemp(prefix="policyreason-bench-"))
    cli_rows: dict[str, dict[str, object]] = {}
    try:
        modes = {
            "serial, no cache (--jobs 1 --no-cache)": ["--jobs", "1", "--no-cache"],
            "2 processes, no cache (--jobs 2 --no-cache)": ["--jobs", "2", "--no-cache"],
        }
        for label, extra in modes.items():
            runs = [cli(corpus, extra, env) for _ in range(args.runs)]
            cli_rows[label] = _row(runs)
        cold: list[tuple[float, int]] = []
        warm: list[tuple[float, int]] = []
        for n in range(args.runs):
            folder = cache_root / f"run{n}"
            cold.append(cli(corpus, ["--cache-dir", str(folder)], env))
            warm.append(cli(corpus, ["--cache-dir", str(folder)], env))
        cli_rows["default (2 processes), cold cache"] = _row(cold)
        cli_rows["default, warm cache"] = _row(warm)
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)
    cold_s = float(str(cli_rows["default (2 processes), cold cache"]["median_s"]))
    warm_s = float(str(cli_rows["default, warm cache"]["median_s"]))
    report = {
        "benchmark": "corpus_lint",
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "in_process": inproc,
        "cli": cli_rows,
        "warm_cache_speedup": round(cold_s / warm_s, 1) if warm_s else None,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


def _row(runs: list[tuple[float, int]]) -> dict[str, object]:
    return {
        "median_s": round(statistics.median(t for t, _ in runs), 2),
        "runs_s": [round(t, 2) for t, _ in runs],
        "exit_codes": sorted({code for _, code in runs}),
    }


if __name__ == "__main__":
    main()
