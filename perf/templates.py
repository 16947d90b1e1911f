"""Benchmark template values: `public` on every policy of examples/cloudformation/
template-values.yaml with its template values symbolic, and with every value given (the same
policies, concrete); and the request space of a policy whose Deny names a whole ARN from a
parameter, with that pattern scoped to its statement's actions (as the encoder registers it)
and unscoped.

    python perf/templates.py [--runs 3] [--output perf/results/templates.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine

from policyreason.analysis.public import public_access
from policyreason.inputs import LoadOptions, load_file
from policyreason.ir.policy import Policy
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.request_space import RequestSpace

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "cloudformation" / "template-values.yaml"
# One deployment's values, for the concrete twin of each policy.
GIVEN = {
    "RestrictedPrefixArn": "arn:aws:s3:::site/private/*",
    "Environment": "dev",
    "AdminRoleName": "KeyAdmin",
    "AWS::AccountId": "111122223333",
    "AWS::Region": "eu-west-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "SiteBucket.Arn": "arn:aws:s3:::site",
    "LogsBucket.Arn": "arn:aws:s3:::logs",
    "BuildRole.Arn": "arn:aws:iam::111122223333:role/build",
    "WebsiteIdentity.S3CanonicalUserId": "79a59df900b949e55d96a1e698fbaced" * 2,
}


def _policies(options: LoadOptions | None = None) -> dict[str, Policy]:
    out: dict[str, Policy] = {}
    for doc in load_file(TEMPLATE, options).documents:
        assert doc.parsed.policy is not None
        out[doc.name] = doc.parsed.policy
    return out


def _public(policy: Policy, runs: int) -> dict[str, Any]:
    times: list[float] = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = public_access(policy)
        times.append(time.perf_counter() - start)
    assert result is not None
    return {
        "public": result.public,
        "queries": result.queries,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "template_values": sorted(result.witness.bindings) if result.witness else [],
    }


def _space(scoped: bool) -> dict[str, Any]:
    action = (parse_pattern("s3:getobject", variables=False, lower=True),)
    bucket = parse_pattern("arn:aws:s3:::site/*")
    whole = parse_pattern("${RestrictedPrefixArn}")
    start = time.perf_counter()
    if scoped:
        space = RequestSpace([action], [bucket], [], [(whole, action, False)])
    else:
        space = RequestSpace([action], [bucket, whole], [])
    return {"cells": len(space.cells), "ms": round((time.perf_counter() - start) * 1000, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--output", default=str(ROOT / "perf/results/templates.json"))
    args = ap.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    _public(next(iter(_policies().values())), 1)  # loads the service reference once
    symbolic = _policies()
    concrete = _policies(LoadOptions(parameters=GIVEN))
    rows: dict[str, Any] = {}
    for name, policy in symbolic.items():
        rows[name] = {
            "symbolic": _public(policy, args.runs),
            "concrete": _public(concrete[name], args.runs),
        }
        print(name, rows[name], flush=True)
    space = {"scoped": _space(True), "unscoped": _space(False)}
    print("request space", space, flush=True)
    result = {
        "benchmark": "templates",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": args.runs,
        "public": rows,
        "request_space": space,
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
