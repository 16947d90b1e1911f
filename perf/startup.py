"""Benchmark start-up: `policyreason --help` and one-file `check`s (no cache), each from a new
process, median of `--runs` runs: wall time, and the process's CPU time (user + system), which a
busy machine inflates less (and its minimum, the least disturbed run). One checked file reaches
the solver (its solver queries are counted in this process first), the other is decided without
it; each is checked with the text report and with `--format json` (CI, no terminal drawing).

Byte code is compiled once into a private cache folder first, as an installed package has it
(a wheel install compiles it), even where PYTHONDONTWRITEBYTECODE is set.

The same commands run on the package at `--before` (default: the revision this work started
from) in the same run, for comparison.

    python perf/startup.py [--runs 7] [--before REV] [--output perf/results/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import export_revision, installed_env, machine

ROOT = Path(__file__).resolve().parents[1]
SOLVER_FILE = ROOT / "examples/policies/bucket-public-website.json"
SYNTAX_FILE = ROOT / "examples/policies/s3-read-widened.json"


# Where a one-file check's CPU goes, stage by stage in one new process (each stage's imports
# and tables are paid when the stage is reached; "the check" is what the run itself adds,
# the solver's own time counted apart). Prints a JSON object of milliseconds.
STAGES_PROBE = """
import contextlib, io, json, sys, time
stages, last = {}, time.process_time()
def stage(name):
    global last
    now = time.process_time()
    stages[name] = round((now - last) * 1000, 1)
    last = now
import policyreason.cli; stage("cli and argparse (after the interpreter)")
import pydantic; stage("pydantic")
class _First(pydantic.BaseModel):
    x: int
stage("pydantic's internals (loaded with the first model)")
import policyreason.ir.policy, policyreason.ir.scope, policyreason.ir.request
stage("IR models (pydantic builds them)")
import policyreason.gate; stage("gate: config, readers, report, run")
import policyreason.checks; policyreason.checks.all_checks(); stage("rule modules and analyses")
policyreason.gate.rule_catalogue(); stage("rule catalogue (every rule's documentation)")
import cvc5; stage("cvc5")
import policyreason.analysis.public; stage("SMT encoders")
from policyreason.data import requests; requests.typing_table(); stage("typing table")
from policyreason.smt import request_space; request_space._profiles(); stage("typing profiles")
from policyreason.smt import session
solver = [0.0]
def timed(method):
    def run(self, *args):
        start = time.process_time()
        try:
            return method(self, *args)
        finally:
            solver[0] += time.process_time() - start
    return run
session.Session.check = timed(session.Session.check)
with contextlib.redirect_stdout(io.StringIO()):
    try:
        policyreason.cli.main(["check", "--no-cache", "--format", "json", sys.argv[1]])
    except SystemExit:
        pass
stage("the check, request space, report")
stages["the check, request space, report"] -= round(solver[0] * 1000, 1)
stages["solver queries"] = round(solver[0] * 1000, 1)
print(json.dumps(stages))
"""


def stages(path: Path, envs: dict[str, dict[str, str]], runs: int) -> dict[str, dict[str, float]]:
    """Per version, each stage's least CPU milliseconds over `runs` runs (taking turns)."""
    seen: dict[str, list[dict[str, float]]] = {version: [] for version in envs}
    for _ in range(runs):
        for version, env in envs.items():
            out = subprocess.run(
                [sys.executable, "-c", STAGES_PROBE, str(path)],
                capture_output=True,
                text=True,
                env=env,
                cwd=tempfile.gettempdir(),
                check=True,
            ).stdout
            seen[version].append(json.loads(out.splitlines()[-1]))
    return {
        version: {name: min(run[name] for run in found) for name in found[0]}
        for version, found in seen.items()
    }


def solver_queries(path: Path) -> int:
    """How many solver queries checking `path` asks (in this process)."""
    from policyreason.run.options import RunOptions
    from policyreason.run.tasks import check_file
    from policyreason.smt import session

    asked = 0
    check = session.Session.check

    def counted(self: session.Session, *assumptions: object) -> object:
        nonlocal asked
        asked += 1
        return check(self, *assumptions)  # type: ignore[arg-type]

    session.Session.check = counted  # type: ignore[assignment,method-assign]
    try:
        check_file(path, RunOptions())
    finally:
        session.Session.check = check  # type: ignore[method-assign]
    return asked


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "policyreason", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        # Not the repository root: `-m` would find ./policyreason before PYTHONPATH.
        cwd=tempfile.gettempdir(),
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--before", default="a490881", help="git revision to measure beside")
    ap.add_argument("--output", default=str(ROOT / "perf/results/startup.json"))
    args = ap.parse_args()
    queries = solver_queries(SOLVER_FILE)
    assert queries > 0, f"{SOLVER_FILE.name} no longer reaches the solver"
    cases = {
        "--help": ["--help"],
        f"check one file reaching the solver ({queries} queries), --no-cache": [
            "check",
            str(SOLVER_FILE),
            "--no-cache",
        ],
        f"check one file reaching the solver ({queries} queries), --no-cache, --format json": [
            "check",
            str(SOLVER_FILE),
            "--no-cache",
            "--format",
            "json",
        ],
        "check one file decided without the solver, --no-cache": [
            "check",
            str(SYNTAX_FILE),
            "--no-cache",
        ],
        "check one file decided without the solver, --no-cache, --format json": [
            "check",
            str(SYNTAX_FILE),
            "--no-cache",
            "--format",
            "json",
        ],
    }
    env = installed_env()
    before_env = dict(env)
    before_env["PYTHONPATH"] = str(export_revision(args.before, Path(tempfile.mkdtemp())))
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows: dict[str, dict[str, object]] = {}
    versions = (("now", env), (f"at {args.before}", before_env))
    for label, argv in cases.items():
        for _version, version_env in versions:
            timed(argv, version_env)  # compiles byte code, warms the file-system cache
        # The two versions take turns, so a change in the machine's load falls on both alike.
        samples: dict[str, list[tuple[float, float]]] = {version: [] for version, _ in versions}
        for _ in range(args.runs):
            for version, version_env in versions:
                samples[version].append(timed(argv, version_env))
        for version, runs in samples.items():
            walls = [w for w, _ in runs]
            rows.setdefault(label, {})[version] = {
                "median_s": round(statistics.median(walls), 3),
                "min_s": round(min(walls), 3),
                "median_cpu_s": round(statistics.median(c for _, c in runs), 3),
                "min_cpu_s": round(min(c for _, c in runs), 3),
                "runs_s": [round(w, 3) for w in walls],
            }
    breakdown = stages(SOLVER_FILE, dict(versions), args.runs)
    report = {
        "benchmark": "startup",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cases": rows,
        f"stages of the JSON check reaching the solver, least CPU ms of {args.runs}": breakdown,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
