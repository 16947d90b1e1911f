"""Benchmark start-up: `policyreason --help` and a one-file `check` (no cache), each from a
new process, median of `--runs` runs: wall time, and the process's CPU time (user + system),
which a busy machine inflates less.

    python perf/startup.py [--runs 7] [--output perf/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine

ROOT = Path(__file__).resolve().parents[1]
ONE_FILE = ROOT / "examples/policies/s3-read-widened.json"


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "policyreason", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--output", default=str(ROOT / "perf/results/startup.json"))
    args = ap.parse_args()
    cases = {
        "--help": ["--help"],
        "check one file (--no-cache)": ["check", str(ONE_FILE), "--no-cache"],
    }
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = {}
    for label, argv in cases.items():
        timed(argv)  # the first run warms the file-system cache
        samples = [timed(argv) for _ in range(args.runs)]
        walls = [w for w, _ in samples]
        rows[label] = {
            "median_s": round(statistics.median(walls), 3),
            "min_s": round(min(walls), 3),
            "median_cpu_s": round(statistics.median(c for _, c in samples), 3),
            "runs_s": [round(w, 3) for w in walls],
        }
    report = {
        "benchmark": "startup",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cases": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
