"""Benchmark start-up: `policyreason --help` and a one-file `check` (no cache), each from a
new process, median of `--runs` runs.

    python perf/startup.py [--runs 7] [--output perf/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine

ROOT = Path(__file__).resolve().parents[1]
ONE_FILE = ROOT / "examples/policies/s3-read-widened.json"


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "policyreason", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--output", default=str(ROOT / "perf/results/startup.json"))
    args = ap.parse_args()
    cases = {
        "--help": ["--help"],
        "check one file (--no-cache)": ["check", str(ONE_FILE), "--no-cache"],
    }
    rows = {}
    for label, argv in cases.items():
        timed(argv)  # the first run warms the file-system cache
        samples = [timed(argv) for _ in range(args.runs)]
        rows[label] = {
            "median_s": round(statistics.median(samples), 3),
            "min_s": round(min(samples), 3),
            "runs_s": [round(s, 3) for s in samples],
        }
    report = {
        "benchmark": "startup",
        "machine": machine(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cases": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
