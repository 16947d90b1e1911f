"""Hypothesis strategies: small IAM policies and requests over shared vocabularies, so that
generated requests often hit generated statements (random strings almost never would).

`BASE` is the vocabulary of the solver-versus-evaluator tests; `WIDE` adds what the referee
tests also need (constructs the referee reads differently, epoch dates, roles with paths, four
values for a multivalued key). `policy_sets` draws a whole policy set around one real request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from policyreason.ir.policy import Policy, PolicyKind, PolicySet, PrincipalType
from policyreason.ir.request import Request
from policyreason.ir.values import parse_date
from policyreason.parse.policy import parse_policy_text

ACCOUNT_A, ACCOUNT_B = "111122223333", "444455556666"

ACTION_PATTERNS = [
    "s3:GetObject", "s3:Get*", "s3:*", "*", "ec2:Describe?nstances", "iam:PassRole",
    "s3:put*", "S3:LISTBUCKET", "sqs:SendMessage", "ec2:*Instances",
]  # fmt: skip

RESOURCE_PATTERNS = [
    "*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::*",
    "arn:aws:ec2:*:111122223333:instance/*", "arn:aws:s3:::b/a?c", "arn:aws:*:us-east-1:*:*",
    "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*", "arn:aws:iam::*:role/app",
    "arn:aws:sqs:*:111122223333:orders-*",
]  # fmt: skip
# Real (action, resource) pairs: each resource has a format of a resource type the action takes.
CALLS = [
    ("s3:GetObject", "arn:aws:s3:::b/alice/x"), ("s3:GetObject", "arn:aws:s3:::b/abc"),
    ("s3:GetObject", "arn:aws:s3:::b/none/k"), ("s3:PutObject", "arn:aws:s3:::b/ops/a:b"),
    ("s3:PutObject", "arn:aws:s3:::b/alice/x"), ("s3:ListBucket", "arn:aws:s3:::b"),
    ("s3:ListBucket", "arn:aws:s3:::c"), ("ec2:DescribeInstances", "*"),
    ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1"),
    ("ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:444455556666:instance/i-2"),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/app"),
    ("iam:PassRole", "arn:aws:iam::111122223333:role/ops/app"),
    ("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:orders-dlq"),
]  # fmt: skip

# key -> (type, condition values, request values). Keys AWS derives from the principal
# (aws:username, aws:PrincipalAccount) appear in conditions only: the request's principal
# decides their values.
KEYS: dict[str, tuple[str, list[str], list[str]]] = {
    "aws:username": ("string", ["alice", "a*", "al?ce", "bob"], []),
    "aws:PrincipalTag/team": ("string", ["ops", "dev", "o*"], ["ops", "dev"]),
    "aws:TagKeys": ("string", ["env", "cost*", "owner"], ["env", "costcenter", "owner", "x"]),
    "aws:SourceIp": (
        "ip",
        ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "0.0.0.0/0", "10.1.2.3"],
        ["10.1.2.3", "192.168.0.1", "2001:db8::1", "8.8.8.8"],
    ),
    "aws:CurrentTime": (
        "date",
        ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "2024-01-01T00:00:00.500Z"],
        [
            "2025-06-01T00:00:00Z",
            "2019-01-01T00:00:00Z",
            "2031-02-03T04:05:06Z",
            "2024-01-01T00:00:00.250Z",
            "2024-01-01T00:00:00.750Z",
        ],
    ),
    "aws:MultiFactorAuthAge": ("numeric", ["0", "3600", "100"], ["50", "4000", "100"]),
    "aws:SecureTransport": ("bool", ["true", "false"], ["true", "false"]),
    "aws:SourceArn": (
        "arn",
        ["arn:aws:s3:::b", "arn:aws:sns:*:111122223333:*", "arn:aws:s3:::${aws:username}"],
        ["arn:aws:s3:::b", "arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:s3:::alice"],
    ),
    "aws:PrincipalAccount": ("string", [ACCOUNT_A, ACCOUNT_B], []),
    "aws:PrincipalArn": (
        "arn",
        [f"arn:aws:iam::{ACCOUNT_A}:role/app", f"arn:aws:iam::{ACCOUNT_A}:role/*"],
        [],
    ),
}
MULTIVALUED = {"aws:TagKeys"}
# Principal-describing keys an anonymous or service caller never sends.
PRINCIPAL_ONLY = {"aws:PrincipalTag/team", "aws:MultiFactorAuthAge"}

PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": ACCOUNT_A},
    {"AWS": f"arn:aws:iam::{ACCOUNT_B}:root"},
    {"AWS": [f"arn:aws:iam::{ACCOUNT_A}:role/app", ACCOUNT_B]},
    {"AWS": f"arn:aws:iam::{ACCOUNT_A}:user/alice"},
    {"AWS": f"arn:aws:sts::{ACCOUNT_A}:assumed-role/app/s1"},
    {"Service": "lambda.amazonaws.com"},
]

OPERATORS = {
    "string": ["StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
               "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"],
    "ip": ["IpAddress", "NotIpAddress"],
    "date": ["DateEquals", "DateNotEquals", "DateLessThan", "DateGreaterThanEquals"],
    "numeric": ["NumericEquals", "NumericNotEquals", "NumericLessThan",
                "NumericGreaterThanEquals"],
    "bool": ["Bool"],
    "arn": ["ArnLike", "ArnNotLike", "ArnEquals"],
}  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    """What generated policies and requests are made of."""

    actions: list[str]
    resources: list[str]
    keys: dict[str, tuple[str, list[str], list[str]]]
    principals: list[Any]
    calls: list[tuple[str, str]]
    callers: list[tuple[str | None, str | None, PrincipalType | None, str | None, str | None]]
    multivalued_max: int = 3
    multivalued: set[str] = field(default_factory=lambda: set(MULTIVALUED))


@st.composite
def conditions(draw: st.DrawFn, vocab: Vocabulary | None = None) -> dict[str, Any]:
    keys = (vocab or BASE).keys
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(sorted(keys)))
        kind, values, _ = keys[key]
        if draw(st.integers(0, 9)) == 0:
            op = "Null"
            vals: list[str] = [draw(st.sampled_from(["true", "false"]))]
        else:
            op = draw(st.sampled_from(OPERATORS[kind]))
            if draw(st.booleans()) and op != "Bool":
                op += "IfExists"
            vals = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
            qualifier = draw(st.sampled_from(["", "", "ForAllValues:", "ForAnyValue:"]))
            op = qualifier + op
        block.setdefault(op, {})[key] = vals
    return block


@st.composite
def principals(draw: st.DrawFn, vocab: Vocabulary | None = None) -> Any:
    return draw(st.sampled_from((vocab or BASE).principals))


@st.composite
def statements(
    draw: st.DrawFn, with_principal: bool, vocab: Vocabulary | None = None, effect: str = ""
) -> dict[str, Any]:
    vocab = vocab or BASE
    stmt: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    }
    actions = draw(st.lists(st.sampled_from(vocab.actions), min_size=1, max_size=2))
    stmt["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(vocab.resources), min_size=1, max_size=2))
    stmt["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = resources
    if with_principal:
        stmt["NotPrincipal" if draw(st.integers(0, 6)) == 0 else "Principal"] = draw(
            principals(vocab)
        )
    cond = draw(conditions(vocab))
    if cond:
        stmt["Condition"] = cond
    return stmt


@st.composite
def policy_documents(
    draw: st.DrawFn, kind: PolicyKind = PolicyKind.IDENTITY, vocab: Vocabulary | None = None
) -> dict[str, Any]:
    with_principal = kind.has_principal
    stmts = draw(st.lists(statements(with_principal, vocab), min_size=1, max_size=3))
    return {"Version": "2012-10-17", "Statement": stmts}


def to_policy(doc: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    parsed = parse_policy_text(json.dumps(doc), "generated.json", kind)
    assert parsed.policy is not None, [str(d) for d in parsed.diagnostics]
    return parsed.policy


# Callers: (principal, principal_arn, type, account, aws:userid). Role sessions, users with
# and without a path, the account root, a service, and anonymous.
CALLERS: list[tuple[str | None, str | None, PrincipalType | None, str | None, str | None]] = [
    (None, None, None, None, None),
    (
        f"arn:aws:sts::{ACCOUNT_A}:assumed-role/app/s1",
        f"arn:aws:iam::{ACCOUNT_A}:role/app",
        PrincipalType.AWS,
        ACCOUNT_A,
        "AROAEXAMPLEROLEID0001:s1",
    ),
    (
        f"arn:aws:sts::{ACCOUNT_B}:assumed-role/app/s2",
        f"arn:aws:iam::{ACCOUNT_B}:role/ops/app",
        PrincipalType.AWS,
        ACCOUNT_B,
        "AROAEXAMPLEROLEID0002:s2",
    ),
    (
        f"arn:aws:iam::{ACCOUNT_A}:user/alice",
        None,
        PrincipalType.AWS,
        ACCOUNT_A,
        "AIDAEXAMPLEID0000001",
    ),
    (f"arn:aws:iam::{ACCOUNT_B}:user/dev/bob", None, PrincipalType.AWS, ACCOUNT_B, None),
    (f"arn:aws:iam::{ACCOUNT_B}:root", None, PrincipalType.AWS, ACCOUNT_B, ACCOUNT_B),
    ("lambda.amazonaws.com", None, PrincipalType.SERVICE, None, None),
]  # fmt: skip


@st.composite
def requests(draw: st.DrawFn, vocab: Vocabulary | None = None) -> Request:
    """Requests AWS could receive: a real action on a resource it takes, a consistent caller,
    context keys the call can carry (multivalued ones with up to `multivalued_max` values), and
    the keys AWS always sends."""
    vocab = vocab or BASE
    principal, principal_arn, ptype, account, userid = draw(st.sampled_from(vocab.callers))
    action, resource = draw(st.sampled_from(vocab.calls))
    context: dict[str, tuple[str, ...]] = {}
    for key, (_kind, _values, request_values) in vocab.keys.items():
        if not request_values or draw(st.booleans()):
            continue
        if key in PRINCIPAL_ONLY and ptype is not PrincipalType.AWS:
            continue
        size = vocab.multivalued_max if key in vocab.multivalued else 1
        context[key] = tuple(
            draw(st.lists(st.sampled_from(request_values), min_size=1, max_size=size, unique=True))
        )
    context.setdefault("aws:CurrentTime", ("2025-06-01T00:00:00Z",))
    context.setdefault("aws:SecureTransport", ("true",))
    moment = parse_date(context["aws:CurrentTime"][0])
    assert moment is not None
    context["aws:EpochTime"] = (str(moment // 1000),)
    if userid is not None:
        context["aws:userid"] = (userid,)
    parts = resource.split(":")
    owner = (
        parts[4] if len(parts) > 4 and parts[4] else draw(st.sampled_from([ACCOUNT_A, ACCOUNT_B]))
    )
    return Request(
        principal=principal,
        principal_type=ptype,
        principal_account=account,
        principal_arn=principal_arn,
        action=action,
        resource=resource,
        resource_account=owner,
        context=context,
    )


BASE = Vocabulary(ACTION_PATTERNS, RESOURCE_PATTERNS, KEYS, PRINCIPALS, CALLS, CALLERS)

# Roles with a path, the other account as a principal, epoch dates, four values for a
# multivalued key, and patterns the referee reads differently (a wildcard in the first token
# of a resource id, a variable in the account segment, an upper-case service).
WIDE = Vocabulary(
    actions=[*ACTION_PATTERNS, "iam:*", "sqs:*", "s3:List*"],
    resources=[
        *RESOURCE_PATTERNS,
        "arn:aws:iam::*:*/app",
        f"arn:aws:iam::{ACCOUNT_B}:role/ops/*",
        "arn:aws:sqs:*:${aws:PrincipalAccount}:orders-*",
        "arn:aws:S3:::b/*",
    ],
    keys={
        **KEYS,
        "aws:EpochTime": ("date", ["1748736000", "1893456000", "2024-01-01T00:00:00Z"], []),
        "aws:PrincipalArn": (
            "arn",
            [
                f"arn:aws:iam::{ACCOUNT_A}:role/app",
                f"arn:aws:iam::{ACCOUNT_A}:role/*",
                f"arn:aws:iam::{ACCOUNT_B}:role/ops/app",
                f"arn:aws:iam::{ACCOUNT_B}:user/dev/*",
            ],
            [],
        ),
    },
    principals=[
        *PRINCIPALS,
        {"AWS": ACCOUNT_B},
        {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"},
        {"AWS": f"arn:aws:iam::{ACCOUNT_B}:role/ops/app"},
        {"AWS": f"arn:aws:iam::{ACCOUNT_B}:user/dev/bob"},
    ],
    calls=CALLS,
    callers=CALLERS,
    multivalued_max=4,
)

FULL_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class GeneratedCase:
    """A policy set around one request, with the documents as generated (by `id()` of each
    parsed policy) and its shape: identity / resource / identity+resource, same-account or
    cross-account."""

    policies: PolicySet
    request: Request
    documents: dict[int, Any]
    shape: str


@st.composite
def policy_sets(draw: st.DrawFn, vocab: Vocabulary | None = None) -> GeneratedCase:
    """A real request and the policies AWS would evaluate for it: identity policies and/or a
    resource policy, and for IAM callers sometimes a permissions boundary, a session policy (role
    sessions only), SCP levels; sometimes RCP levels (each with RCPFullAWSAccess, which AWS
    attaches to every level, beside a policy of Denies)."""
    vocab = vocab or WIDE
    req = draw(requests(vocab))
    documents: dict[int, Any] = {}

    def make(kind: PolicyKind, doc: dict[str, Any]) -> Policy:
        policy = to_policy(doc, kind)
        documents[id(policy)] = doc
        return policy

    def drawn(kind: PolicyKind) -> Policy:
        return make(kind, draw(policy_documents(kind, vocab)))

    iam = req.principal_type is PrincipalType.AWS
    shape = (
        draw(st.sampled_from(["identity", "resource", "identity+resource"])) if iam else "resource"
    )
    identity: tuple[Policy, ...] = ()
    if "identity" in shape:
        identity = tuple(drawn(PolicyKind.IDENTITY) for _ in range(draw(st.integers(1, 2))))
    resource = drawn(PolicyKind.RESOURCE) if "resource" in shape else None
    boundary, session = None, ()
    scps: tuple[tuple[Policy, ...], ...] = ()
    if iam:
        if draw(st.integers(0, 3)) == 0:
            boundary = drawn(PolicyKind.BOUNDARY)
        if (req.principal or "").startswith("arn:aws:sts:") and draw(st.integers(0, 3)) == 0:
            session = (drawn(PolicyKind.SESSION),)
        scps = tuple(
            tuple(drawn(PolicyKind.SCP) for _ in range(draw(st.integers(1, 2))))
            for _ in range(draw(st.integers(0, 2)))
        )
    rcps: tuple[tuple[Policy, ...], ...] = ()
    if draw(st.integers(0, 4)) == 0:
        # RCPs deny, to everyone, actions of the services they support.
        def as_rcp(stmts: list[dict[str, Any]]) -> list[dict[str, Any]]:
            kept = [s for s in stmts if "NotPrincipal" not in s and "NotAction" not in s]
            fallback = {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}
            return [
                {**s, "Principal": "*", "Action": ["s3:*", "sqs:SendMessage"]}
                for s in kept or [fallback]
            ]

        denies = draw(
            st.lists(statements(True, vocab, effect="Deny"), min_size=1, max_size=2).map(as_rcp)
        )
        rcps = (
            (
                make(PolicyKind.RCP, FULL_ACCESS),
                make(PolicyKind.RCP, {"Version": "2012-10-17", "Statement": denies}),
            ),
        )
    if req.resource_account and req.principal_account:
        shape += (
            " same-account" if req.resource_account == req.principal_account else " cross-account"
        )
    policies = PolicySet(
        identity=identity,
        resource=resource,
        boundary=boundary,
        session=session,
        scps=scps,
        rcps=rcps,
    )
    return GeneratedCase(policies, req, documents, shape)
