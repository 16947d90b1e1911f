"""Checks on Resource/NotResource: ARN shape against the service reference's ARN formats, and
whether resources fit the actions and the resource the policy is attached to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import NamedTuple

from policyreason.analysis.findings import Finding
from policyreason.checks import (
    CheckContext,
    action_text,
    actions_of,
    check,
    element_span,
    is_allow,
    is_star,
    span_of,
)
from policyreason.data import reference as ref
from policyreason.ir.pattern import AnyChar, Part, Pattern, Text
from policyreason.ir.policy import Policy, PolicyKind, Statement
from policyreason.ir.resource_type import resource_type
from policyreason.ir.severity import Severity
from policyreason.memo import keep_last

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_ACCOUNT = re.compile(r"\d{12}|aws")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# Resources AWS publishes for every account, whose ARNs have an empty account segment
# (arn:aws:ssm:us-east-1::document/AWS-RunShellScript); the reference lists only the
# account-owned format.
_AWS_OWNED = frozenset(
    {("ssm", "document"), ("ssm", "automation-definition"), ("ssm", "parameter")}
)
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
# Placeholders that never contain "/": without this, a bucket ARN format would also match
# object ARNs. Every other placeholder may (role paths, log group names, object keys...).
_NO_SLASH = frozenset({"BucketName", "Partition", "Region", "Account", "AccountId"})


# -- ARN segments of a resource pattern --------------------------------------------------------


class Token(NamedTuple):
    """One step of a wildcard pattern: a character class, repeated (`star`) or once. A tuple,
    so that segments hash cheaply as keys of `tokens_overlap`'s cache."""

    kind: str  # "char" (exactly `char`), "any", or "not" (any character except `char`)
    char: str = ""
    star: bool = False


_ANY_STAR = Token("any", star=True)
# The tokens of one ARN segment, and the six segments of an ARN.
Segment = tuple[Token, ...]
Segments = tuple[Segment, ...]


class _CharTokens(dict[str, Token]):
    """One token per character, made once: a pattern or format is read a token per character
    (looked up by the dict's own `[]`, no Python call for a character met before)."""

    def __missing__(self, ch: str) -> Token:
        token = self[ch] = Token("char", ch)
        return token


_char = _CharTokens().__getitem__


def _pattern_tokens(parts: tuple[Part, ...]) -> list[Token]:
    tokens: list[Token] = []
    for part in parts:
        if isinstance(part, Text):
            tokens.extend(map(_char, part.text))
        elif isinstance(part, AnyChar):
            tokens.append(Token("any"))
        else:
            # `*`, and a policy variable: its value is unknown, so it may be anything.
            tokens.append(_ANY_STAR)
    return tokens


def _segments(tokens: list[Token]) -> Segments | None:
    """Split at the first five literal colons: ARNs match segment by segment."""
    out: list[list[Token]] = [[]]
    for token in tokens:
        if len(out) < 6 and token.kind == "char" and token.char == ":":
            out.append([])
        else:
            out[-1].append(token)
    return tuple(tuple(segment) for segment in out) if len(out) == 6 else None


@cache
def _format_segments(arn_format: str) -> Segments | None:
    tokens: list[Token] = []
    position = 0
    for match in _PLACEHOLDER.finditer(arn_format):
        tokens.extend(map(_char, arn_format[position : match.start()]))
        if match.group(1) in _NO_SLASH:
            tokens += [Token("not", "/"), Token("not", "/", star=True)]
        else:
            tokens += [Token("any"), _ANY_STAR]
        position = match.end()
    tokens.extend(_ANY_STAR if ch == "*" else _char(ch) for ch in arn_format[position:])
    return _segments(tokens)


def _compatible(a: Token, b: Token) -> bool:
    if a.kind == "any" or b.kind == "any":
        return True
    if a.kind == "char" and b.kind == "char":
        return a.char == b.char
    if a.kind == "char":
        return a.char != b.char
    if b.kind == "char":
        return b.char != a.char
    return True


# Segments recur across patterns and formats (`arn`, `aws`, `*`, an account): over the
# managed policies most questions have been asked before.
@lru_cache(maxsize=1 << 16)
def tokens_overlap(a: Segment, b: Segment) -> bool:
    """True when some string matches both token sequences (a product-automaton search).

    Most pairs settle before the search: a sequence matches some string, so overlaps itself,
    and a character both sequences take one of at either end must fit both tokens there
    (those tokens are then dropped)."""
    if a == b:
        return True
    start, a_end, b_end = 0, len(a), len(b)
    while start < a_end and start < b_end and not a[start].star and not b[start].star:
        if not _compatible(a[start], b[start]):
            return False
        start += 1
    while a_end > start and b_end > start and not a[a_end - 1].star and not b[b_end - 1].star:
        if not _compatible(a[a_end - 1], b[b_end - 1]):
            return False
        a_end, b_end = a_end - 1, b_end - 1
    return _search(a[start:a_end], b[start:b_end])


def _search(a: Segment, b: Segment) -> bool:
    """The product-automaton search of `tokens_overlap`. A state (i, j) is the number
    `i * width + j`: a step in `a` adds `width`, a step in `b` adds 1 (the search runs once for
    each of thousands of new pairs of segments over a corpus, and ints hash fastest)."""
    a_len, b_len = len(a), len(b)
    width = b_len + 1
    goal = a_len * width + b_len
    stack = [0]
    seen: set[int] = set()
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        if state == goal:
            return True
        i, j = divmod(state, width)
        mine = a[i] if i < a_len else None
        theirs = b[j] if j < b_len else None
        if mine is not None and mine.star:
            stack.append(state + width)
        if theirs is not None and theirs.star:
            stack.append(state + 1)
        if mine is not None and theirs is not None and _compatible(mine, theirs):
            step = (0 if mine.star else width) + (0 if theirs.star else 1)
            if step:
                stack.append(state + step)
    return False


def arn_segments(pattern: Pattern) -> Segments | None:
    """The six ARN segments of a resource pattern, or None if it is not ARN-shaped."""
    return _parts_segments(pattern.parts)


@cache
def _parts_segments(parts: tuple[Part, ...]) -> Segments | None:
    return _segments(_pattern_tokens(parts))


def _parts_overlap_format(parts: tuple[Part, ...], arn_format: str) -> bool:
    mine, theirs = _parts_segments(parts), _format_segments(arn_format)
    if mine is None or theirs is None:
        return True  # cannot tell: never report a mismatch we are unsure of
    # The service segment first: PR407 and PR408 try the formats of every service of a
    # statement's actions, and most are of another service than the resource.
    return tokens_overlap(mine[2], theirs[2]) and _segments_overlap(mine, theirs)


def _segments_overlap(mine: Segments, theirs: Segments) -> bool:
    # The resource segment first: it is the one in which formats of a service differ.
    return all(tokens_overlap(mine[i], theirs[i]) for i in (5, 2, 3, 4, 1, 0))


# Prefixes shared by two service pages (API Gateway and API Gateway V2, ELB and ELBv2, ...):
# the reference keeps one resource list per action name, so an action of the other page may act
# on any resource type of the prefix.
_MERGED_PREFIXES = frozenset(
    {"apigateway", "elasticloadbalancing", "kinesisanalytics", "lex", "ses", "aws-marketplace"}
)


def _action_formats(action: ref.Action) -> list[str] | None:
    """The ARN formats of the resource types the action acts on: a resource pattern may name a
    resource of one of them when it overlaps one of the formats. None when the action names a
    type its service does not list, whose resources may have any shape."""
    svc = ref.service(action.service)
    assert svc is not None
    if action.service in _MERGED_PREFIXES:
        return [f for t in svc.resource_types.values() for f in t.arn_formats]
    formats: list[str] = []
    for rt in action.resource_types:
        rtype = svc.resource_types.get(rt.name)
        if rtype is None:
            return None
        formats.extend(rtype.arn_formats)
    return formats


# PR407 and PR408 asked whether each resource fits each action, one action at a time; the
# actions of a statement mostly share a few resource types, so their formats are gathered
# first, once per action pattern's text (its actions are the same in every policy).
@lru_cache(maxsize=1 << 14)
def _pattern_formats(text: str) -> tuple[str, ...] | None:
    """The ARN formats (each once) of the resource types of every action an action pattern
    matches; None when one of its actions may act on resources of any shape."""
    formats: dict[str, None] = {}
    for action in ref.actions_matching(text):
        found = _action_formats(action)
        if found is None:
            return None
        formats.update(dict.fromkeys(found))
    return tuple(formats)


def _fits_formats(pattern: Pattern, formats: tuple[str, ...]) -> bool:
    """True when the resource pattern may name a resource of one of the ARN formats."""
    parts = pattern.parts
    known = _format_answers(parts)
    for arn_format in formats:
        fits = known.get(arn_format)
        if fits is None:
            fits = known[arn_format] = _parts_overlap_format(parts, arn_format)
        if fits:
            return True
    return False


# The answers of `_parts_overlap_format` for a pattern's parts, by format, filled in as they are
# found: a statement's resources each meet several formats, and a cache keyed by (parts, format)
# hashed the parts again for each format.
@lru_cache(maxsize=1 << 14)
def _format_answers(parts: tuple[Part, ...]) -> dict[str, bool]:
    return {}


def _literal_segment(pattern: Pattern, index: int) -> str | None:
    """Segment `index` of the ARN when that segment has no wildcard or variable."""
    return _literal_of(arn_segments(pattern), index)


def _literal_of(segments: Segments | None, index: int) -> str | None:
    if segments is None:
        return None
    tokens = segments[index]
    if any(t.kind != "char" for t in tokens):
        return None
    return "".join(t.char for t in tokens)


def _specific(stmt: Statement) -> list[Pattern]:
    """The statement's Resource patterns other than `*` (none for NotResource)."""
    if stmt.resources is None or stmt.not_resource:
        return []
    return [r for r in stmt.resources if not is_star(r)]


# PR407 to PR410 each ask it of every statement.
@keep_last
def _specific_of(policy: Policy) -> dict[int, list[Pattern]]:
    """`_specific` of each statement, by the statement's id() (the kept policy keeps them)."""
    return {id(stmt): _specific(stmt) for stmt in policy.statements}


def _shape_problem(pattern: Pattern) -> tuple[str, str] | None:
    """Why an ARN can never match any resource, if it is malformed in a way IAM accepts:
    (kind, message), the kind naming the check that reports it."""
    return _shape_problem_of(pattern.text, pattern.parts)


@cache
def _shape_problem_of(text: str, parts: tuple[Part, ...]) -> tuple[str, str] | None:
    if any(ch.isspace() for ch in text):
        return "whitespace", "contains whitespace"
    segments = _parts_segments(parts)
    partition = _literal_of(segments, 1)
    if partition is not None and partition not in PARTITIONS:
        return "partition", f"partition {partition!r} is not an AWS partition"
    service = _literal_of(segments, 2)
    known = _arn_formats()
    if service is not None and service not in known and service.lower() in known:
        return "service-case", f"the service {service!r} in an ARN is written in lower case"
    # A service prefix is accepted even when the reference lists no resource types for it.
    if service is not None and service not in known and ref.service(service) is None:
        return "service", f"no resource type has the ARN service {service!r}"
    region = _literal_of(segments, 3)
    if region and not _REGION.fullmatch(region):
        return "region", f"region {region!r} is not a region code"
    account = _literal_of(segments, 4)
    if account and not _ACCOUNT.fullmatch(account):
        return "account", f"account {account!r} is not a 12-digit account id"
    if service not in known or segments is None:
        return None
    formats = known[service]
    if _fits(segments, formats):
        return None
    # The ARN fits no format; say which segment would make it fit, if one would.
    if region and _fits(_with(segments, 3, ()), formats):
        return "region-not-allowed", f"this {service} ARN has an empty region segment"
    if account and _fits(_with(segments, 4, ()), formats):
        return "account-not-allowed", f"this {service} ARN has an empty account segment"
    if region == "" and _fits(_with(segments, 3, (_ANY_STAR,)), formats):
        return "missing-region", f"this {service} ARN names a region"
    if account == "" and _fits(_with(segments, 4, (_ANY_STAR,)), formats):
        if (service, text.split(":", 5)[5].split("/", 1)[0]) in _AWS_OWNED:
            return None
        return "missing-account", f"this {service} ARN names an account"
    return "resource", f"fits no ARN format of {service}"


def _with(segments: Segments, index: int, tokens: Segment) -> Segments:
    return tuple(tokens if i == index else segment for i, segment in enumerate(segments))


def _fits(segments: Segments, formats: tuple[str, ...]) -> bool:
    """True when some resource of one of the ARN formats can match the segments."""
    head = _head(segments[5])
    for arn_format in formats:
        theirs = _format_segments(arn_format)
        if theirs is None:
            return True
        # A resource of both starts with both literal heads (`role/`, `instance/`), so one
        # starts the other: most formats of a service are of other resource types.
        their_head = _format_head(arn_format)
        if not (head.startswith(their_head) or their_head.startswith(head)):
            continue
        if _segments_overlap(segments, theirs):
            return True
    return False


def _head(segment: Segment) -> str:
    """The literal characters a segment starts with, up to its first wildcard or
    placeholder."""
    head: list[str] = []
    for token in segment:
        if token.kind != "char" or token.star:
            break
        head.append(token.char)
    return "".join(head)


@cache
def _format_head(arn_format: str) -> str:
    theirs = _format_segments(arn_format)
    return _head(theirs[5]) if theirs is not None else ""


@cache
def _arn_formats() -> dict[str, tuple[str, ...]]:
    """ARN service segment -> every ARN format of the resource types using it."""
    out: dict[str, list[str]] = {}
    for arn_format in ref.every_arn_format():
        parts = arn_format.split(":", 5)
        if len(parts) == 6:
            out.setdefault(parts[2], []).append(arn_format)
    return {service: tuple(formats) for service, formats in out.items()}


class _Shapes(NamedTuple):
    """The shape problems of a policy's resource patterns."""

    # kind -> (statement, pattern, message) of each pattern with a problem of that kind
    by_kind: dict[str, list[tuple[Statement, Pattern, str]]]
    # id() of each pattern with a problem (the kept policy keeps the patterns alive)
    flawed: frozenset[int]


# Eleven rules each report one kind of problem, and PR407 and PR408 skip every flawed pattern:
# each pattern's problem is found once per policy, not once per rule.
@keep_last
def _shapes(policy: Policy) -> _Shapes:
    by_kind: dict[str, list[tuple[Statement, Pattern, str]]] = {}
    flawed: set[int] = set()
    for stmt in policy.statements:
        for pattern in stmt.resources or ():
            problem = _shape_problem(pattern)
            if problem is not None:
                by_kind.setdefault(problem[0], []).append((stmt, pattern, problem[1]))
                flawed.add(id(pattern))
    return _Shapes(by_kind, frozenset(flawed))


def _shape_check(policy: Policy, ctx: CheckContext, kind: str) -> Iterator[Finding]:
    for stmt, pattern, message in _shapes(policy).by_kind.get(kind, ()):
        yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r}: {message}")


@check(
    id="PR401",
    severity=Severity.ERROR,
    title="Invalid partition in ARN",
    fix="Use aws, aws-cn or aws-us-gov (or another AWS partition) as the second ARN segment.",
    aa_code="INVALID_PARTITION",
)
def invalid_partition(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The second segment of an ARN is the partition (aws, aws-cn, aws-us-gov, aws-iso...);
    an ARN with any other partition matches no resource.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws-eu:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    yield from _shape_check(policy, ctx, "partition")


@check(
    id="PR402",
    severity=Severity.WARNING,
    title="Unknown service in ARN",
    fix="Check the service segment of the ARN against the resource types of the service.",
)
def unknown_arn_service(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """No resource type in the reference has this ARN service segment (e.g. `arn:aws:s4:::b`).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s4:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    yield from _shape_check(policy, ctx, "service")


@check(
    id="PR403",
    severity=Severity.ERROR,
    title="Invalid region in ARN",
    fix="Use a region code such as us-east-1, a wildcard, or leave the segment empty.",
    aa_code="INVALID_ARN_REGION",
)
def invalid_region(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The fourth segment of an ARN is a region code (us-east-1, eu-west-3, cn-north-1...).
    Checked: that the segment is shaped like a region code. Not checked: whether the service
    runs in that region, which the service reference does not record.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda:ireland:111122223333:function:report"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda:eu-west-1:111122223333:function:report"}]}
    """
    yield from _shape_check(policy, ctx, "region")


@check(
    id="PR404",
    severity=Severity.ERROR,
    title="Invalid account in ARN",
    fix="Use the 12-digit account id (or a wildcard) as the fifth ARN segment.",
    aa_code="INVALID_ARN_ACCOUNT",
)
def invalid_account(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The fifth segment of an ARN is a 12-digit account id (or `aws` for AWS managed
    policies); anything else matches no resource.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda:eu-west-1:1234:function:report"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda:eu-west-1:111122223333:function:report"}]}
    """
    yield from _shape_check(policy, ctx, "account")


@check(
    id="PR405",
    severity=Severity.ERROR,
    title="Region in an ARN that has none",
    fix="Leave the region segment empty, e.g. arn:aws:iam::111122223333:role/x.",
    aa_code="ARN_REGION_NOT_ALLOWED",
)
def region_not_allowed(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Some services leave the region segment empty in every ARN (IAM is global; S3 bucket
    names are global too); an ARN with a region there matches nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PassRole",
           "Resource": "arn:aws:iam:us-east-1:111122223333:role/app"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iam:PassRole",
           "Resource": "arn:aws:iam::111122223333:role/app"}]}
    """
    yield from _shape_check(policy, ctx, "region-not-allowed")


@check(
    id="PR415",
    severity=Severity.ERROR,
    title="Account in an ARN that has none",
    fix="Leave the account segment empty, e.g. arn:aws:s3:::bucket.",
    aa_code="ARN_ACCOUNT_NOT_ALLOWED",
)
def account_not_allowed(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Some services leave the account segment empty in every ARN: an S3 bucket's name is
    unique across all accounts, so `arn:aws:s3:::bucket` has no account and an ARN with one
    matches nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3::111122223333:reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    yield from _shape_check(policy, ctx, "account-not-allowed")


@check(
    id="PR406",
    severity=Severity.WARNING,
    title="Whitespace in a resource ARN",
    fix="Remove the spaces from the ARN.",
)
def resource_whitespace(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """An ARN with a space (often a trailing one) matches no resource.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/* "}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    yield from _shape_check(policy, ctx, "whitespace")


@check(
    id="PR407",
    severity=Severity.WARNING,
    title="Resource matches none of the statement's actions",
    fix="Use an ARN of a resource type the actions act on (see the Service Authorization "
    "Reference), or move the resource to a statement with matching actions.",
)
def resource_fits_no_action(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """No action of the statement acts on resources of this ARN's shape, so the resource adds
    nothing (e.g. a DynamoDB table ARN in a statement of S3 actions).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": ["arn:aws:s3:::reports/*",
                        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": ["arn:aws:s3:::reports/*", "arn:aws:s3:::logs/*"]}]}
    """
    flawed = _shapes(policy).flawed
    specific_of = _specific_of(policy)
    for stmt in policy.statements:
        specific = specific_of[id(stmt)]
        formats = _statement_formats(stmt) if specific else None
        if formats is None:
            continue
        for pattern in specific:
            if id(pattern) in flawed:
                continue
            if not _fits_formats(pattern, formats):
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} is not a resource of any action in {stmt.label}",
                )


def _statement_formats(stmt: Statement) -> tuple[str, ...] | None:
    """The ARN formats of the resource types of every action of the statement; None when
    nothing can be said (as `known_actions`: NotAction, `*`, an action pattern matching no
    known action, no action at all) or when an action may act on resources of any shape."""
    if stmt.not_action or not stmt.actions:
        return None
    formats: dict[str, None] = {}
    for pattern in stmt.actions:
        if is_star(pattern) or not actions_of(pattern):
            return None
        found = _pattern_formats(pattern.text)
        if found is None:
            return None
        formats.update(dict.fromkeys(found))
    return tuple(formats)


def _s3_part(pattern: Pattern) -> str | None:
    parts = pattern.text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "s3" or parts[3] or parts[4]:
        return None
    return parts[5]


def s3_level_mismatch(action: ref.Action, resources: list[Pattern]) -> str | None:
    """Whether an S3 action acts only on objects ("object") or only on buckets ("bucket") while
    every resource is of the other kind; None otherwise."""
    if action.service != "s3":
        return None
    names = {rt.name for rt in action.resource_types}
    paths = [_s3_part(r) for r in resources]
    if not names or not paths or any(p is None for p in paths):
        return None
    # A "/" makes an object ARN (bucket names have none); a bucket ARN is a bare name, since
    # a wildcard in it could also reach into objects.
    on_objects = all(p is not None and "/" in p for p in paths)
    on_buckets = all(p is not None and not any(c in p for c in "/*?$") for p in paths)
    if names <= {"object", "accesspointobject"} and on_buckets:
        return "object"
    if names <= {"bucket", "accesspoint"} and on_objects:
        return "bucket"
    return None


def _literal_actions(stmt: Statement) -> Iterator[tuple[Pattern, ref.Action]]:
    if stmt.not_action:
        return
    for pattern in stmt.actions:
        # A text that names an action has no wildcard (no action's name has one), so its
        # parts have none either.
        found = action_text(pattern.text).action
        if found is not None:
            yield pattern, found


@check(
    id="PR408",
    severity=Severity.WARNING,
    title="Action matches none of the statement's resources",
    fix="Add an ARN of a resource type the action acts on, or move the action to another "
    "statement.",
)
def action_fits_no_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The action acts on resource types none of the statement's resources can be, so the
    statement never applies to it.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["dynamodb:GetItem", "lambda:InvokeFunction"],
           "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["dynamodb:GetItem", "lambda:InvokeFunction"],
           "Resource": ["arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
                        "arn:aws:lambda:eu-west-1:111122223333:function:report"]}]}
    """
    flawed = _shapes(policy).flawed
    specific_of = _specific_of(policy)
    for stmt in policy.statements:
        specific = specific_of[id(stmt)]
        if not specific or len(specific) != len(stmt.resources or ()):
            continue
        if any(id(p) in flawed or arn_segments(p) is None for p in specific):
            continue
        # Actions of a service mostly act on the same few types: one answer per set of formats.
        fitting: dict[tuple[str, ...], bool] = {}
        for pattern, action in _literal_actions(stmt):
            if not action.resource_types or s3_level_mismatch(action, specific):
                continue
            formats = _pattern_formats(pattern.text)  # the action's: the pattern is literal
            if formats is None:
                continue
            fits = fitting.get(formats)
            if fits is None:
                fits = fitting[formats] = any(_fits_formats(r, formats) for r in specific)
            if not fits:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{action.full_name} acts on "
                    f"{', '.join(rt.name for rt in action.resource_types)}, "
                    f"which none of the resources of {stmt.label} is",
                )


@check(
    id="PR409",
    severity=Severity.WARNING,
    title='Action supports only Resource "*"',
    fix='Move the action to a statement with "Resource": "*".',
)
def action_needs_star(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Actions without resource-level permissions (e.g. s3:ListAllMyBuckets) are granted only
    by `"Resource": "*"`; with specific ARNs the statement never applies to them.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::reports"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
    """
    specific_of = _specific_of(policy)
    for stmt in policy.statements:
        specific = specific_of[id(stmt)]
        if not specific or len(specific) != len(stmt.resources or ()):
            continue
        for pattern, action in _literal_actions(stmt):
            if not action.resource_types:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f'{action.full_name} supports only "Resource": "*"',
                )


@check(
    id="PR410",
    severity=Severity.WARNING,
    title="S3 object action on a bucket ARN (or bucket action on an object ARN)",
    fix="Object actions need arn:aws:s3:::bucket/* ; bucket actions need arn:aws:s3:::bucket.",
)
def s3_bucket_object_mismatch(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """S3 object actions (GetObject, PutObject...) apply to `arn:aws:s3:::bucket/key` ARNs and
    bucket actions (ListBucket...) to `arn:aws:s3:::bucket`; mixing them up grants nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    specific_of = _specific_of(policy)
    for stmt in policy.statements:
        specific = specific_of[id(stmt)]
        if not specific or len(specific) != len(stmt.resources or ()):
            continue
        for pattern, action in _literal_actions(stmt):
            level = s3_level_mismatch(action, specific)
            if level == "object":
                message = f"{action.full_name} acts on objects, but every resource is a bucket"
                yield ctx.report(span_of(pattern, stmt), message)
            elif level == "bucket":
                message = f"{action.full_name} acts on buckets, but every resource is an object"
                yield ctx.report(span_of(pattern, stmt), message)


@check(
    id="PR411",
    severity=Severity.SUGGESTION,
    title="Duplicate resource",
    fix="Delete the repeated resource.",
    aa_code="REDUNDANT_RESOURCE",
)
def duplicate_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The same ARN appears twice in one statement.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": ["arn:aws:s3:::reports/*", "arn:aws:s3:::reports/*"]}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": ["arn:aws:s3:::reports/*", "arn:aws:s3:::logs/*"]}]}
    """
    for stmt in policy.statements:
        seen: set[str] = set()
        for pattern in stmt.resources or ():
            if pattern.text in seen:
                yield ctx.report(span_of(pattern, stmt), f"{pattern.text!r} is listed twice")
            seen.add(pattern.text)


@check(
    id="PR413",
    severity=Severity.SECURITY_WARNING,
    title="Allow with NotResource",
    fix="List the allowed resources in Resource instead of excluding some with NotResource.",
)
def allow_not_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Allow with NotResource grants the actions on every resource except those listed,
    including resources in other accounts and resources created later.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}]}
    """
    for stmt in policy.statements:
        if is_allow(stmt) and stmt.not_resource:
            yield ctx.report(
                element_span(stmt, "NotResource"),
                f"{stmt.label} allows every resource except {len(stmt.resources or ())} listed",
            )


@check(
    id="PR414",
    severity=Severity.WARNING,
    title="Invalid S3 bucket name in ARN",
    fix="Bucket names are 3-63 lower-case letters, digits, dots and hyphens.",
)
def invalid_bucket_name(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """S3 bucket names are lower case; an ARN naming `My_Bucket` matches no bucket.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::Team_Reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team-reports/*"}]}
    """
    for stmt in policy.statements:
        for pattern in stmt.resources or ():
            # A literal service segment `s3` is `:s3:` in the text: most ARNs are of others.
            if ":s3:" not in pattern.text:
                continue
            if _literal_segment(pattern, 2) != "s3" or _literal_segment(pattern, 4) != "":
                continue
            segments = arn_segments(pattern)
            assert segments is not None
            bucket: list[str] = []
            for token in segments[5]:
                if token.kind != "char" or token.char == "/":
                    break
                bucket.append(token.char)
            name = "".join(bucket)
            complete = len(bucket) == len(segments[5]) or segments[5][len(bucket)].char == "/"
            if name and complete and not _BUCKET.fullmatch(name):
                yield ctx.report(span_of(pattern, stmt), f"{name!r} is not a valid S3 bucket name")


@check(
    id="PR416",
    severity=Severity.ERROR,
    title="ARN matches no resource type of its service",
    fix="Write the ARN in one of the service's formats (see the Service Authorization "
    "Reference), e.g. arn:aws:dynamodb:REGION:ACCOUNT:table/NAME.",
    aa_code="INVALID_ARN_RESOURCE",
)
def invalid_arn_resource(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """The resource part of the ARN fits none of the ARN formats the service defines (a
    DynamoDB ARN must name `table/...`, a Lambda ARN `function:...`), so it names nothing.
    Wildcards are honoured: the ARN is reported only when no resource of any type can match.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "dynamodb:GetItem",
           "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:orders"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "dynamodb:GetItem",
           "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"}]}
    """
    yield from _shape_check(policy, ctx, "resource")


@check(
    id="PR417",
    severity=Severity.ERROR,
    title="Upper case in an ARN's service",
    fix="Write the service in lower case (arn:aws:s3:::..., not arn:aws:S3:::...).",
    aa_code="INVALID_ARN_SERVICE_CASE",
)
def arn_service_case(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """ARNs compare case-sensitively and every service writes its ARN prefix in lower case, so
    `arn:aws:S3:::reports` names nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:S3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """
    yield from _shape_check(policy, ctx, "service-case")


@check(
    id="PR418",
    severity=Severity.ERROR,
    title="Missing region in an ARN",
    fix="Name the region (or `*`), e.g. arn:aws:lambda:eu-west-1:111122223333:function:f.",
    aa_code="MISSING_ARN_REGION",
)
def missing_arn_region(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Most services' ARNs name a region; with the region segment left empty the ARN matches
    none of their resources.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda::111122223333:function:report"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda:*:111122223333:function:report"}]}
    """
    yield from _shape_check(policy, ctx, "missing-region")


@check(
    id="PR420",
    severity=Severity.ERROR,
    title="Missing account in an ARN",
    fix="Name the account (or `*`), e.g. arn:aws:sqs:eu-west-1:111122223333:queue.",
    aa_code="MISSING_ARN_ACCOUNT",
)
def missing_arn_account(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """Most services' ARNs name the owning account; with the account segment left empty the
    ARN matches none of their resources.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sqs:SendMessage",
           "Resource": "arn:aws:sqs:eu-west-1::orders"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sqs:SendMessage",
           "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders"}]}
    """
    yield from _shape_check(policy, ctx, "missing-account")


@check(
    id="PR419",
    severity=Severity.ERROR,
    title="Resource of another service in a resource policy",
    fix="Keep only ARNs of the resource the policy is attached to (and its sub-resources, such "
    "as a bucket's objects).",
    kinds=(PolicyKind.RESOURCE,),
    aa_code="UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
)
def unsupported_resource_arn(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
    """A resource policy is about the resource it is attached to: a bucket policy can name the
    bucket and its objects, not a DynamoDB table. Checked when the resource type is known
    (`--resource-type` or `resource-type` in the configuration), as in ValidatePolicy's
    resource-specific modes.

    Fails (kind: resource, resource-type: AWS::S3::Bucket):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders"}]}

    Passes (kind: resource, resource-type: AWS::S3::Bucket):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
    if not ctx.resource_type:
        return
    target = resource_type(ctx.resource_type)
    for stmt in policy.statements:
        for pattern in _specific(stmt):
            service = _literal_segment(pattern, 2)
            if service is not None and service != target.arn_service:
                yield ctx.report(
                    span_of(pattern, stmt),
                    f"{pattern.text!r} is not a resource of {target.name}",
                )
