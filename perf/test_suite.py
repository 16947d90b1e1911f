"""Benchmark the test suite itself: the fast loop (`-m "not slow"`) and the whole suite, each on
two worker processes as the README runs them, one after the other in the same run.

For each: wall seconds, the CPU seconds of the whole run (pytest, its workers and everything they
waited for), the counts pytest reports, and the tests that took the most CPU (from the
recorder in tests/conftest.py). On a machine shared with other work the CPU seconds are the
fair measure; the load average before and after each run is recorded beside the wall time.

    python perf/test_suite.py [--workers 2] [--only fast|whole] [--output ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine

ROOT = Path(__file__).resolve().parents[1]
_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?)")
SHOWN = 15


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _revision() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


def run(extra: list[str], workers: int) -> dict[str, object]:
    """One pytest run with the per-test CPU recorder on."""
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", str(workers)]
    argv += extra
    # The one-minute load average every few seconds: other work on a shared machine shows in
    # the wall time, and the load before and after can miss it.
    samples: list[float] = []
    finished = threading.Event()

    def sample() -> None:
        while not finished.wait(5.0):
            samples.append(round(os.getloadavg()[0], 2))

    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "cpu.jsonl"
        env = {**os.environ, "POLICYREASON_TEST_CPU": str(record)}
        load_before = _load()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu_before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        cpu = _children_cpu() - cpu_before
        finished.set()
        sampler.join()
        load_after = _load()
        lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
    per_test = sorted((json.loads(line) for line in lines), key=lambda r: -float(r["cpu_s"]))
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {
        "revision": _revision(),
        "argv": argv[3:],
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "tests_cpu_s": round(sum(float(r["cpu_s"]) for r in per_test), 1),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "load_average_during": {
            "min": min(samples, default=None),
            "median": sorted(samples)[len(samples) // 2] if samples else None,
            "max": max(samples, default=None),
        },
        "exit_code": done.returncode,
        "counts": {kind: int(n) for n, kind in _SUMMARY.findall(tail)},
        "tests_recorded": len(per_test),
        "most_cpu": per_test[:SHOWN],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=["fast", "whole"], help="run one of the two")
    ap.add_argument("--output", default=str(ROOT / "perf/results/test_suite.json"))
    args = ap.parse_args()
    out = Path(args.output)
    report: dict[str, object] = {"benchmark": "test_suite", "machine": machine()}
    if args.only and out.exists():
        # One loop re-measured: the other's last result stays, with its own load noted.
        kept = json.loads(out.read_text(encoding="utf-8"))
        report |= {k: v for k, v in kept.items() if k in ("fast loop", "whole suite")}
    if args.only != "whole":
        report["fast loop"] = run(["-m", "not slow"], args.workers)
    if args.only != "fast":
        report["whole suite"] = run([], args.workers)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
