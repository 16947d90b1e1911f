"""Benchmark `compare`: each AWS managed policy (every `--step`-th, default every 3rd, in name
order) against mutants of itself, generated deterministically on the JSON (the mutations and
their expected directions: `tests/mutants.py`).

Reports per-comparison and per-solver-query latency and verdict counts; any verdict against the
expected direction is listed (it would be a bug).

    python perf/compare_mutants.py [--step 3] [--output perf/results/compare_mutants.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _stats import machine, percentiles

from policyreason.analysis import compare as compare_module
from policyreason.analysis import search
from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.parse.policy import parse_policy_text
from policyreason.smt import session as smt_session
from tests.mutants import mutants

ROOT = Path(__file__).resolve().parents[1]
Json = dict[str, Any]


class QueryTimer:
    """Times every solver check (Session.check) while installed, and describes each one slower
    than `slow_s`: the comparison and direction it served (`label`, set by the caller), the
    solver options, pinned or open, its verdict, and the size of the encoding."""

    def __init__(self, slow_s: float = float("inf")) -> None:
        self.samples: list[float] = []
        self.slow: list[Json] = []
        self.label: Json = {}
        self._slow_s = slow_s
        self._original = smt_session.Session.check
        self._find = search.find_requests
        self._ask = search.Searcher.find

    def __enter__(self) -> QueryTimer:
        original, find, ask = self._original, self._find, self._ask
        timer = self

        def timed(session: smt_session.Session, *assumptions: Any) -> smt_session.CheckResult:
            start, cpu = time.perf_counter(), time.process_time()
            result = None
            try:
                result = original(session, *assumptions)
                return result
            finally:
                elapsed = time.perf_counter() - start
                timer.samples.append(elapsed)
                if elapsed > timer._slow_s:
                    timer.slow.append(
                        {
                            **timer.label,
                            "ms": round(elapsed * 1000, 1),
                            "cpu_ms": round((time.process_time() - cpu) * 1000, 1),
                            "fmf": session.solver.getOption("strings-fmf") == "true",
                            "asked": _asked(assumptions),
                            "verdict": result.verdict.value if result else "error",
                        }
                    )

        def described(
            session: smt_session.Session, enc: Any, question: Any, *args: Any, **kwargs: Any
        ) -> Any:
            timer.label["cells"] = len(enc.space.cells)
            timer.label["resource_patterns"] = len(enc._patterns)
            return find(session, enc, question, *args, **kwargs)

        def asked(searcher: search.Searcher, *args: Any, **kwargs: Any) -> Any:
            # compare asks for the gained access first, then for the lost.
            timer.label["direction"] = "lost" if "direction" in timer.label else "gained"
            return ask(searcher, *args, **kwargs)

        smt_session.Session.check = timed  # type: ignore[method-assign]
        search.find_requests = described
        search.Searcher.find = asked  # type: ignore[method-assign]
        return self

    def __exit__(self, *_exc: object) -> None:
        smt_session.Session.check = self._original  # type: ignore[method-assign]
        search.find_requests = self._find
        search.Searcher.find = self._ask  # type: ignore[method-assign]


def _asked(assumptions: tuple[Any, ...]) -> str:
    """What a check was asked: a guess pinned, one cell, or the open question."""
    if not assumptions or str(assumptions[0]) == "true":
        return "open"
    return "cell" if str(assumptions[0]).startswith("(= cell ") else "guess"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--step", type=int, default=3, help="take every STEP-th policy (1: all)")
    ap.add_argument("--output", default=str(ROOT / "perf/results/compare_mutants.json"))
    ap.add_argument("--open", action="store_true", help="ask each direction as one open question")
    ap.add_argument(
        "--slow-ms", type=float, default=160.0, help="describe every query slower than this"
    )
    args = ap.parse_args()
    if args.open:
        open_searcher = search.Searcher

        def opened(*a: Any, **k: Any) -> search.Searcher:
            return open_searcher(*a, **{**k, "split": False})

        compare_module.Searcher = opened  # type: ignore[misc,assignment]
    files = sorted(Path(args.corpus).glob("*.json"))[:: args.step]
    load_before = os.getloadavg()
    times: list[float] = []
    by_mutation: dict[str, list[float]] = {}
    verdicts: Counter[str] = Counter()
    per_mutation: dict[str, Counter[str]] = {}
    wrong: list[str] = []
    unknown: list[str] = []
    start_all = time.perf_counter()
    with QueryTimer(args.slow_ms / 1000) as queries:
        for file in files:
            text = file.read_text(encoding="utf-8")
            old = parse_policy_text(text, str(file)).policy
            if old is None:
                continue
            for mutation, expected, doc in mutants(json.loads(text)):
                new = parse_policy_text(json.dumps(doc, indent=2), str(file)).policy
                if new is None:
                    continue
                queries.label = {"policy": file.name, "mutation": mutation}
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
        "split": not args.open,
        "comparisons": len(times),
        "total_s": round(time.perf_counter() - start_all, 2),
        "per_comparison": percentiles(times),
        "per_query": percentiles(queries.samples),
        "query_total_s": round(sum(queries.samples), 2),
        "per_mutation": {m: percentiles(t) for m, t in sorted(by_mutation.items())},
        "verdicts": dict(verdicts),
        "verdicts_by_mutation": {m: dict(c) for m, c in sorted(per_mutation.items())},
        "against_expected_direction": wrong,
        "unknown": unknown,
        "slow_queries": queries.slow,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    shown = ("per_mutation", "slow_queries")
    print(json.dumps({k: v for k, v in report.items() if k not in shown}, indent=2))


if __name__ == "__main__":
    main()
