"""Benchmark `policyreason check` over the 1,523 AWS managed policies beside parliament, in the
same run, on the machine as it is ("idle") and with one extra process spinning on a core
("loaded", as when other work holds a core). Each tool runs as a user runs it, in a new process,
on the whole folder, JSON output: policyreason with its default processes and with `--jobs 1`,
each with an empty cache, then (idle) a re-run on the warm cache; parliament (`--directory`, one
process).
Wall seconds and CPU seconds (user + system of the process and its workers); the median of
`--runs` runs.

`--in-process` adds the wall and CPU seconds of one serial run in this process, the per-policy
p50/p95/p99/max of the per-file work (read, parse, checks), and the count of unknown findings.

parliament comes with the `perf` extra (`pip install '.[perf]'`); it is never a dependency of
the package.

`--before REV` also runs policyreason as it was at git revision REV, in turns with the rest.

    python perf/corpus_lint.py [--corpus DIR] [--runs 1] [--in-process] [--modes idle loaded]
                               [--before REV] [--output perf/results/corpus_lint.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import export_revision, installed_env, machine, percentiles

ROOT = Path(__file__).resolve().parents[1]
# A core's worth of other work: one process that never sleeps.
SPIN = "while True: pass"


def in_process(corpus: Path) -> dict[str, object]:
    from policyreason.analysis.findings import Status
    from policyreason.gate import assemble
    from policyreason.inputs import discover
    from policyreason.run.options import RunOptions
    from policyreason.run.schedule import Execution, execute
    from policyreason.run.tasks import FileResult, check_file

    times: list[float] = []

    def timed(path: Path, options: RunOptions) -> FileResult:
        start = time.perf_counter()
        result = check_file(path, options)
        times.append(time.perf_counter() - start)
        return result

    start, cpu = time.perf_counter(), time.process_time()
    files, _missing = discover([str(corpus)])
    results = execute(files, RunOptions(), Execution(jobs=1), work=timed)
    report = assemble(results, RunOptions())
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    unknown = sum(1 for r in results for f in r.found if f.finding.status is Status.UNKNOWN)
    return {
        "files": len(files),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "per_policy": percentiles(times),
        "findings": len(report.findings),
        "unknown_findings": unknown,
        "input_errors": len(report.errors),
        "exit_code": report.gate.exit_code,
    }


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float | int]:
    """Wall and CPU seconds (with every child process) and the exit code of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env or installed_env(),
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "exit_code": done.returncode}


@contextmanager
def spinning(on: bool) -> Iterator[None]:
    """One busy process for the duration, when `on`."""
    if not on:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def median_wall(samples: list[dict[str, float | int]]) -> float:
    return statistics.median(float(s["wall_s"]) for s in samples)


def median_row(samples: list[dict[str, float | int]]) -> dict[str, object]:
    return {
        "median_wall_s": round(statistics.median(float(s["wall_s"]) for s in samples), 2),
        "median_cpu_s": round(statistics.median(float(s["cpu_s"]) for s in samples), 2),
        "runs_wall_s": [round(float(s["wall_s"]), 2) for s in samples],
        "exit_codes": sorted({int(s["exit_code"]) for s in samples}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--in-process", action="store_true")
    ap.add_argument(
        "--modes",
        nargs="+",
        choices=["idle", "loaded"],
        default=["idle", "loaded"],
        help="which machine states to measure (loaded: one extra spinning process)",
    )
    ap.add_argument(
        "--before",
        default=None,
        help="also run policyreason as it was at this git revision, in turns with the others",
    )
    ap.add_argument("--output", default=str(ROOT / "perf/results/corpus_lint.json"))
    args = ap.parse_args()
    corpus = Path(args.corpus).resolve()
    parliament = shutil.which("parliament")
    if parliament is None:
        raise SystemExit("parliament is not installed: pip install '.[perf]'")
    ours = [sys.executable, "-m", "policyreason", "check", str(corpus), "--format", "json"]
    theirs = [parliament, "--directory", str(corpus), "--json"]
    work = Path(tempfile.mkdtemp(prefix="policyreason-bench-"))
    envs: dict[str, dict[str, str]] = {"": installed_env()}
    if args.before:
        envs[f"@{args.before}"] = {
            **installed_env(),
            "PYTHONPATH": str(export_revision(args.before, work / "before")),
        }
    load_before = [round(x, 2) for x in os.getloadavg()]
    modes: dict[str, dict[str, object]] = {}
    try:
        # A first run of each tool over a few policies compiles their byte code into the
        # private cache (`installed_env`), as an installed package has it.
        few = work / "warm-up"
        few.mkdir()
        for policy in sorted(corpus.glob("*.json"))[:20]:
            shutil.copy(policy, few)
        for argv, env in [(ours, e) for e in envs.values()] + [(theirs, None)]:
            run([str(few) if arg == str(corpus) else arg for arg in argv], work, env)
        states = {"idle": ("idle", False), "loaded": ("one core loaded", True)}
        wanted = [states[m] for m in ("idle", "loaded") if m in args.modes]
        for mode, loaded in wanted:
            cache = work / mode
            cases: dict[str, tuple[list[str], dict[str, str] | None]] = {}
            for rev, env in envs.items():
                cases[f"policyreason{rev}, default processes, empty cache"] = (
                    [*ours, "--cache-dir", str(cache / (rev or "now"))],
                    env,
                )
                cases[f"policyreason{rev} --jobs 1, no cache"] = (
                    [*ours, "--jobs", "1", "--no-cache"],
                    env,
                )
            cases["parliament"] = (theirs, None)
            rows: dict[str, object] = {}
            with spinning(loaded):
                # Interleaved, so that both tools see the same machine.
                samples: dict[str, list[dict[str, float | int]]] = {k: [] for k in cases}
                for _ in range(args.runs):
                    shutil.rmtree(cache, ignore_errors=True)
                    for label, (argv, env) in cases.items():
                        samples[label].append(run(argv, work, env))
                for label in cases:
                    rows[label] = median_row(samples[label])
            theirs_runs = samples["parliament"]
            for rev in envs:
                own = samples[f"policyreason{rev}, default processes, empty cache"]
                name = f"policyreason{rev} default / parliament (wall)"
                rows[name] = round(median_wall(own) / median_wall(theirs_runs), 2)
                # Each round runs the tools back to back: its own ratio shows the spread that
                # the machine's changing load leaves in a median.
                rows[f"{name}, each round"] = [
                    round(float(a["wall_s"]) / float(b["wall_s"]), 2)
                    for a, b in zip(own, theirs_runs, strict=True)
                ]
            modes[mode] = rows
        if "idle" in modes:
            # The idle mode's last default run left its cache full.
            warm = [
                run([*ours, "--cache-dir", str(work / "idle" / "now")], work)
                for _ in range(args.runs)
            ]
            modes["idle"]["policyreason, default processes, warm cache"] = median_row(warm)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report: dict[str, object] = {
        "benchmark": "corpus_lint",
        "machine": machine(),
        "files": len(list(corpus.glob("*.json"))),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "before": args.before,
        "modes": modes,
    }
    if args.in_process:
        report["in_process"] = in_process(corpus)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
