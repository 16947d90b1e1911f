"""Where `check` spends its CPU over the managed policies: per rule, per escalation path
(PR604), per policy. A sample across sizes (every `--step`-th policy, ordered by file size),
one process, serial, CPU seconds (`time.process_time`) around each rule's function and each
path's question.

`--findings FILE` also writes every finding of the sample (rule, status, place, message,
details), and `--against FILE` compares them with such a file from another revision: the
findings that differ, and the count of those that do not (written to the JSON too).

    python perf/lint_rules.py [--step 15] [--findings /tmp/after.json]
                              [--against /tmp/before.json]
                              [--output perf/results/lint_rules.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine, percentiles

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--step", type=int, default=15)
    ap.add_argument("--findings", default=None)
    ap.add_argument("--against", default=None)
    ap.add_argument("--output", default=str(ROOT / "perf/results/lint_rules.json"))
    args = ap.parse_args()

    import policyreason.analysis.escalation.paths as paths
    from policyreason.analysis.findings import Status
    from policyreason.checks import all_checks
    from policyreason.run.options import RunOptions
    from policyreason.run.tasks import check_file

    files = sorted(Path(args.corpus).glob("*.json"), key=lambda p: (p.stat().st_size, p.name))
    sample = files[:: args.step]
    rule_cpu: collections.Counter[str] = collections.Counter()
    policy_rules: dict[str, collections.Counter[str]] = {}
    path_cpu: collections.Counter[str] = collections.Counter()
    path_status: collections.Counter[str] = collections.Counter()
    current = [""]

    for info in all_checks():
        if info.function is None:
            continue

        def timed(policy: Any, ctx: Any, fn: Any = info.function, rule: str = info.id) -> Any:
            start = time.process_time()
            found = list(fn(policy, ctx))
            spent = time.process_time() - start
            rule_cpu[rule] += spent
            policy_rules.setdefault(current[0], collections.Counter())[rule] += spent
            return iter(found)

        object.__setattr__(info, "function", timed)

    asked = paths.path_answer

    def timed_path(*a: Any, **k: Any) -> Any:
        start = time.process_time()
        answer = asked(*a, **k)
        path_cpu[a[1].id] += time.process_time() - start
        path_status["no question" if answer is None else answer.status.value] += 1
        return answer

    paths.path_answer = timed_path  # type: ignore[assignment]

    check_file(sample[0], RunOptions())  # imports and first-use tables, not any policy's cost
    rule_cpu.clear()
    path_cpu.clear()
    path_status.clear()
    policy_rules.clear()
    load_before = [round(x, 2) for x in os.getloadavg()]
    per_policy: dict[str, float] = {}
    findings: dict[str, Any] = {}
    unknown = 0
    for path in sample:
        current[0] = path.name
        start = time.process_time()
        result = check_file(path, RunOptions())
        per_policy[path.name] = time.process_time() - start
        unknown += sum(1 for f in result.found if f.finding.status is Status.UNKNOWN)
        findings[path.name] = {
            "findings": [f.finding.model_dump(mode="json") for f in result.found],
            "errors": [e.model_dump(mode="json") for e in result.errors],
        }
    total = sum(per_policy.values())
    report: dict[str, Any] = {
        "benchmark": "lint_rules",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "files": len(sample),
        "every": args.step,
        "cpu_s": round(total, 2),
        "per_policy": percentiles(list(per_policy.values())),
        "unknown_findings": unknown,
        "per_rule_cpu_s": {r: round(c, 3) for r, c in rule_cpu.most_common()},
        "pr604_paths_cpu_s": {p: round(c, 3) for p, c in path_cpu.most_common(15)},
        "pr604_answers": dict(path_status),
        "slowest_policies": [
            {
                "policy": name,
                "cpu_s": round(cpu, 3),
                "rules": {r: round(c, 3) for r, c in policy_rules[name].most_common(3)},
            }
            for name, cpu in _slowest(per_policy, 10)
        ],
    }
    if args.against:
        report["against"] = compare(json.loads(Path(args.against).read_text()), findings)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.findings:
        Path(args.findings).write_text(json.dumps(findings, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The findings (by policy, rule and place) that differ between two runs, with their
    status and message on each side, and how many are the same."""

    def keyed(run: dict[str, Any], name: str) -> dict[str, Any]:
        found = run.get(name, {}).get("findings", [])
        return {f"{f['rule_id']} {f['span']['line']}:{f['span']['column']}": f for f in found}

    same, changed = 0, []
    for name in sorted(set(before) | set(after)):
        old, new = keyed(before, name), keyed(after, name)
        for key in sorted(set(old) | set(new)):
            if old.get(key) == new.get(key):
                same += 1
                continue
            changed.append(
                {
                    "policy": name,
                    "finding": key,
                    "before": _brief(old.get(key)),
                    "after": _brief(new.get(key)),
                }
            )
        if before.get(name, {}).get("errors") != after.get(name, {}).get("errors"):
            changed.append({"policy": name, "finding": "errors"})
    return {"same": same, "changed": changed}


def _brief(finding: dict[str, Any] | None) -> str | None:
    return None if finding is None else f"{finding['status']}: {finding['message']}"


def _slowest(per_policy: dict[str, float], n: int) -> Iterator[tuple[str, float]]:
    yield from sorted(per_policy.items(), key=lambda kv: -kv[1])[:n]


if __name__ == "__main__":
    main()
