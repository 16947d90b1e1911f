"""Benchmark the test suite itself: the whole suite and the fast loop (`-m "not slow"`), each on
two worker processes as the README runs them, one after the other in the same run. Wall
seconds, the counts pytest reports, and the slowest tests of the whole run.

    python perf/test_suite.py [--workers 2] [--only fast|whole] [--output ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine

ROOT = Path(__file__).resolve().parents[1]
_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?)")
_DURATION = re.compile(r"^([\d.]+)s (call|setup|teardown)\s+(\S+)", re.MULTILINE)


def run(extra: list[str], workers: int) -> dict[str, object]:
    argv = [sys.executable, "-m", "pytest", "-n", str(workers), "--durations=15", *extra]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in _SUMMARY.findall(tail)}
    slowest = [
        {"seconds": float(s), "phase": phase, "test": test}
        for s, phase, test in _DURATION.findall(done.stdout)
    ]
    return {
        "argv": argv[3:],
        "wall_s": round(wall, 1),
        "exit_code": done.returncode,
        "counts": counts,
        "slowest": slowest,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=["fast", "whole"], help="run one of the two")
    ap.add_argument("--output", default=str(ROOT / "perf/results/test_suite.json"))
    args = ap.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    report: dict[str, object] = {"benchmark": "test_suite", "machine": machine()}
    if args.only != "whole":
        report["fast loop"] = run(["-m", "not slow"], args.workers)
    if args.only != "fast":
        report["whole suite"] = run([], args.workers)
    report["load_average_before"] = load_before
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
