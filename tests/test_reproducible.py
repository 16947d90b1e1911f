"""The same input gives the same answer under any load: the solver is bounded by resources,
not by the clock. The answers are computed once as they come, then again while other processes
keep every core busy, and must be identical — including the ones that run out of resources."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pytest

from policyreason.analysis.compare import compare
from policyreason.analysis.public import public_access
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.parse.policy import parse_policy_text
from tests.corpus import CORPUS

PAIRS = [
    ("AmazonS3ReadOnlyAccess", "AmazonS3FullAccess"),
    # Two long read-only policies that differ both ways, at a sixth of the cost of
    # ReadOnlyAccess against ViewOnlyAccess.
    ("SecurityAudit", "ViewOnlyAccess"),
    ("AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess"),
    ("AmazonEC2FullAccess", "PowerUserAccess"),
]
BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site/*",
            "Condition": {"StringLike": {"aws:Referer": "https://example.com/*"}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::site/private/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
    ],
}


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy_cores() -> Iterator[None]:
    """Every core kept busy by another process for the duration."""
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_spin, daemon=True) for _ in range(os.cpu_count() or 2)]
    for w in workers:
        w.start()
    try:
        yield
    finally:
        for w in workers:
            w.terminate()
            w.join()


@cache
def _policy(name: str) -> Policy:
    # Read once: the answers under test are the solver's, and reading is not bounded by it.
    policy = parse_policy_text((CORPUS / f"{name}.json").read_text(), name).policy
    assert policy is not None
    return policy


def answers(rlimit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for old_name, new_name in PAIRS:
        result = compare(_policy(old_name), _policy(new_name), witnesses=2, rlimit=rlimit)
        out.append(
            {
                "verdict": result.verdict.value,
                "reason": result.reason,
                "new": [w.to_json() for w in result.new_access.witnesses],
                "lost": [w.to_json() for w in result.lost_access.witnesses],
            }
        )
    bucket = parse_policy_text(json.dumps(BUCKET), "b.json", PolicyKind.RESOURCE).policy
    assert bucket is not None
    public = public_access(bucket, rlimit=rlimit)
    out.append(public.to_json())
    return out


@pytest.mark.slow
def test_answers_do_not_depend_on_load() -> None:
    # A normal limit, and one so small that some questions run out of resources: both kinds
    # of answer must come out the same on a busy machine.
    limits = (2_000_000, 20_000)
    calm = {rlimit: answers(rlimit) for rlimit in limits}
    with busy_cores():
        loaded = {rlimit: answers(rlimit) for rlimit in limits}
    assert loaded == calm
    assert any("resource limit" in (a.get("reason") or "") for a in calm[20_000])
