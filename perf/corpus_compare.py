"""Benchmark: parse every AWS managed policy, then compare each with itself (two unsat queries:
no new access, no lost access). Reports parse time and per-comparison latency percentiles.

    python perf/corpus_compare.py [--corpus DIR] [--output perf/results/corpus_compare.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine, percentiles

from policyreason.analysis.compare import compare
from policyreason.parse.policy import parse_policy_text

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--output", default=str(ROOT / "perf/results/corpus_compare.json"))
    args = ap.parse_args()
    files = sorted(Path(args.corpus).glob("*.json"))
    parse_times: list[float] = []
    policies = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        start = time.perf_counter()
        parsed = parse_policy_text(text, str(f))
        parse_times.append(time.perf_counter() - start)
        if parsed.policy is not None:
            policies.append((f.name, parsed.policy))
    compare_times: list[float] = []
    verdicts: Counter[str] = Counter()
    unknown: list[str] = []
    for name, policy in policies:
        start = time.perf_counter()
        result = compare(policy, policy)
        compare_times.append(time.perf_counter() - start)
        verdicts[result.verdict.value] += 1
        if result.verdict.value == "unknown":
            unknown.append(f"{name}: {result.reason}")
    report = {
        "benchmark": "corpus_compare",
        "machine": machine(),
        "policies": len(files),
        "parsed": len(policies),
        "parse_total_s": round(sum(parse_times), 2),
        "parse": percentiles(parse_times),
        "self_compare_total_s": round(sum(compare_times), 2),
        "self_compare": percentiles(compare_times),
        "verdicts": dict(verdicts),
        "unknown": unknown,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
