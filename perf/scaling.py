"""Benchmark how comparison time grows with policy size: synthetic identity policies of 5, 20,
100, 500 and 1,000 statements (Allow and some Deny; literal, prefix and `?` action patterns;
bucket, table and role ARNs with wildcards), each compared with itself (two unsat queries) and
with a mutant missing one action (one sat query), through policyreason (cvc5) and, side by
side, the compact and naive z3 encodings of perf/peers.py. Median of `--runs` runs.

    python perf/scaling.py [--sizes 5 20 100 500 1000] [--runs 3] [--output FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine
from peers import ENGINES, Answer, run_engines

from policyreason.ir.policy import Policy
from policyreason.parse.policy import parse_policy_text

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {
    "s3": ["GetObject", "PutObject", "ListBucket", "Get*", "List*", "DeleteObject?ersion"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan", "Describe*", "BatchGet*"],
    "ec2": ["Describe*", "StartInstances", "StopInstances", "CreateTags"],
    "iam": ["PassRole", "GetRole", "List*"],
    "sqs": ["SendMessage", "ReceiveMessage", "Get*"],
}


def _resource(service: str, rng: random.Random, i: int) -> str:
    if service == "s3":
        return rng.choice([f"arn:aws:s3:::bucket-{i}/*", f"arn:aws:s3:::bucket-{i}", "*"])
    if service == "dynamodb":
        return f"arn:aws:dynamodb:us-east-1:123456789012:table/t{i}*"
    if service == "iam":
        return f"arn:aws:iam::123456789012:role/app-{i}-*"
    if service == "sqs":
        return f"arn:aws:sqs:*:123456789012:queue-{i}"
    return "*"


def synthetic(statements: int, seed: int = 11) -> dict[str, Any]:
    """A deterministic policy of `statements` statements, one Deny in ten."""
    rng = random.Random(seed)
    body = []
    for i in range(statements):
        service = rng.choice(sorted(SERVICES))
        actions = sorted({f"{service}:{a}" for a in rng.sample(SERVICES[service], 2)})
        body.append(
            {
                "Sid": f"S{i}",
                "Effect": "Deny" if i % 10 == 9 else "Allow",
                "Action": actions,
                "Resource": _resource(service, rng, i),
            }
        )
    return {"Version": "2012-10-17", "Statement": body}


def without_one_action(doc: dict[str, Any]) -> dict[str, Any]:
    """The policy with the first action of its middle Allow statement removed."""
    out = json.loads(json.dumps(doc))
    allows = [s for s in out["Statement"] if s["Effect"] == "Allow"]
    middle = allows[len(allows) // 2]
    middle["Action"] = middle["Action"][1:]
    return out


def _parse(doc: dict[str, Any], name: str) -> Policy:
    policy = parse_policy_text(json.dumps(doc, indent=2), name).policy
    assert policy is not None, name
    return policy


def measure(size: int, runs: int) -> dict[str, Any]:
    doc = synthetic(size)
    old = _parse(doc, f"synthetic-{size}.json")
    new = _parse(without_one_action(doc), f"synthetic-{size}-mutant.json")
    row: dict[str, Any] = {"statements": size}
    for label, other in (("self", old), ("drop-one-action", new)):
        samples: list[dict[str, Answer]] = [run_engines(old, other) for _ in range(runs)]
        row[label] = {
            engine: {
                "median_ms": round(statistics.median(s[engine].seconds for s in samples) * 1000, 1),
                "verdict": samples[0][engine].verdict,
            }
            for engine in ENGINES
        }
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[5, 20, 100, 500, 1000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--output", default=str(ROOT / "perf/results/scaling.json"))
    args = ap.parse_args()
    load_before = os.getloadavg()
    rows = []
    for size in args.sizes:
        rows.append(measure(size, args.runs))
        print(json.dumps(rows[-1]), flush=True)
    report = {
        "benchmark": "scaling",
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": args.runs,
        "sizes": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
