"""Concrete guesses at witnesses, read off the policies' own Allow statements.

Most requests a question is after are spelled out in a statement: one of its actions on a
resource its Resource pattern names, with the values its conditions test. Such a guess costs
the concrete evaluator a few microseconds and, once it passes the question's concrete twin, the
solver a fraction of a second to confirm pinned to it; finding the same request in the whole
request space can cost the solver seconds, or its whole resource limit on patterns with several
wildcards. A guess is only a guess: it is shown only when the solver confirms it.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence

from policyreason.analysis.evaluate import arn_match
from policyreason.analysis.real_request import fits, is_real
from policyreason.analysis.witness import (
    EXAMPLE_ACCOUNT,
    example_resource,
    guessed_request,
    iam_caller,
)
from policyreason.data import reference
from policyreason.data.requests import (
    DERIVED_PRINCIPAL_KEYS,
    RESOURCE_ACCOUNT,
    Typing,
    typings,
)
from policyreason.ir.pattern import arn_segments, ascii_lower
from policyreason.ir.policy import Effect, Policy, Statement
from policyreason.ir.request import Request

# Enough to find what a statement grants in its first actions, few enough that the guesses of a
# policy of a hundred statements cost less than one solver query.
MAX_ACTIONS = 3
MAX_SAMPLES = 64

# An account the policies do not name (AWS documentation's second example account).
OTHER_ACCOUNT = "444455556666"
_DERIVED = frozenset((*DERIVED_PRINCIPAL_KEYS, RESOURCE_ACCOUNT))

_EXAMPLE_HEAD = "arn:aws:"
_OTHER_PARTITION = "aws-cn"

# What a segment of wildcards becomes in a guessed ARN: partition, service, region, account.
_FILL = ("arn", "aws", "example", "us-east-1", EXAMPLE_ACCOUNT)


def samples(policies: Sequence[Policy]) -> Iterator[tuple[Request, Typing]]:
    """Real requests the policies' Allow statements spell out, each with its typing, at most
    MAX_SAMPLES, in statement order."""
    count = 0
    seen: set[str] = set()
    anyone = any(p.kind.has_principal for p in policies)
    for policy in policies:
        for stmt in policy.statements:
            if stmt.effect is not Effect.ALLOW or stmt.not_action:
                continue
            for guess, typing in statement_samples(stmt):
                for req in _callers(guess) if anyone else (guess,):
                    key = req.model_dump_json()
                    if key in seen or not is_real(req):
                        continue
                    seen.add(key)
                    yield req, typing
                    count += 1
                    if count >= MAX_SAMPLES:
                        return


def _callers(req: Request) -> tuple[Request, ...]:
    """Where a policy names its principals, the guess made by an anonymous caller, by a role of
    another account, and by the example account's role: the first a question accepts is the
    telling one (anyone at all, before someone outside)."""
    anonymous = req.model_copy(
        update={
            "principal": None,
            "principal_type": None,
            "principal_account": None,
            "principal_arn": None,
        }
    )
    outside = iam_caller("aws", OTHER_ACCOUNT, "AssumedRole", "ExampleRole", "example-session", req)
    return anonymous, outside, req


def statement_samples(
    stmt: Statement, max_actions: int = MAX_ACTIONS, among: Container[str] | None = None
) -> Iterator[tuple[Request, Typing]]:
    """The requests one statement spells out: its first `max_actions` actions (of those
    `among` names, lower-cased, if given), each on the statement's Resource patterns with
    their wildcards filled in, with the values its conditions test."""
    for action in statement_actions(stmt, max_actions, among):
        for typing in typings(action):
            for resource in _resources(stmt, typing):
                if fits(typing, resource):
                    guess = _sent(guessed_request(action, resource, EXAMPLE_ACCOUNT, stmt))
                    yield guess, typing
                    if resource.startswith(_EXAMPLE_HEAD) and _any_partition(stmt):
                        yield _in_partition(guess, _OTHER_PARTITION), typing


def _any_partition(stmt: Statement) -> bool:
    """The statement's resources are in every partition (`*`, a wildcard partition, or
    NotResource): a widened Resource often gains just the other partitions."""
    if stmt.resources is None or stmt.not_resource:
        return True
    return any(p.text.split(":", 2)[1:2] in ([], ["*"]) for p in stmt.resources)


def _in_partition(req: Request, partition: str) -> Request:
    """The guess with its resource and caller in another partition."""
    moved = req.model_copy(
        update={"resource": f"arn:{partition}:" + req.resource.removeprefix(_EXAMPLE_HEAD)}
    )
    return iam_caller(
        partition, EXAMPLE_ACCOUNT, "AssumedRole", "ExampleRole", "example-session", moved
    )


def _sent(req: Request) -> Request:
    """The guess as AWS would send it: keys AWS derives from the request left out of its
    context, the resource's account where its ARN names one."""
    context = {k: v for k, v in req.context.items() if k.lower() not in _DERIVED}
    account = req.resource.split(":", 5)[4] if req.resource.count(":") >= 5 else ""
    return req.model_copy(update={"context": context, "resource_account": account or None})


def statement_actions(stmt: Statement, most: int, among: Container[str] | None = None) -> list[str]:
    """The statement's first actions (of those `among` names, lower-cased, if given); none for
    `*`, whose first actions in the reference's order would make odd witnesses (the solver
    picks among the actions the policies name)."""
    names: list[str] = []
    for pattern in stmt.actions:
        if pattern.text == "*":
            continue
        for action in reference.actions_matching(pattern.text):
            if among is not None and ascii_lower(action.full_name) not in among:
                continue
            if action.full_name not in names:
                names.append(action.full_name)
            if len(names) >= most:
                return names
    return names


def _resources(stmt: Statement, typing: Typing) -> list[str]:
    """The statement's Resource patterns with their wildcards filled in, and the typing's own
    example resource where a pattern matches it or the statement names every resource (`*`,
    or NotResource)."""
    example = _example(typing)
    out: list[str] = []
    for pattern in stmt.resources or ():
        if pattern.has_variable:
            continue
        if pattern.text == "*" or arn_match(pattern, example, {}):
            out.append(example)
            continue
        segments = pattern.text.split(":", 5)
        if len(segments) < 6 or len(arn_segments(pattern)) < 6:
            continue
        out.append(
            ":".join(
                _filled(text, _FILL[i] if i < len(_FILL) else "example")
                for i, text in enumerate(segments)
            )
        )
    if stmt.resources is None or stmt.not_resource:
        out.append(example)
    return out


# A folder's statements take the same few hundred resource formats, a typing's guesses each
# asking for its example, which is made from the format's text each time: kept by that text.
_EXAMPLES: dict[str, str] = {}


def _example(typing: Typing) -> str:
    """`example_resource` of the typing, made once a format."""
    text = typing.format.text
    found = _EXAMPLES.get(text)
    if found is None:
        found = _EXAMPLES[text] = example_resource(typing)
    return found


def _filled(segment: str, fill: str) -> str:
    """A segment's wildcards replaced: a segment that is all wildcard by the segment's usual
    value, a `*` inside one by `example`, a `?` by `x`."""
    if segment and set(segment) <= {"*"}:
        return fill
    return segment.replace("*", "example").replace("?", "x")
