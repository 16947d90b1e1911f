"""iam:PassRole and iam:CreateServiceLinkedRole granted on every role: Access Analyzer's two
families of six checks, one per way of writing the grant (the action named or matched by a
wildcard or a NotAction; every role through `*` or through NotResource).

Each check is the same function over a different (action form, resource form) pair, so the
twelve are built by `_register` from one table; each keeps its own documentation and examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policyreason.analysis.findings import Finding
from policyreason.checks import CheckContext, action_text, check, element_span, is_allow, span_of
from policyreason.checks import wildcard_covers as covers
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy, PolicyKind, Statement
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span

# A role no policy author names: a grant that reaches it reaches every role.
_ANY_ROLE = "arn:aws:iam::111122223333:role/policyreason-probe-7f3a"
_KINDS = (PolicyKind.IDENTITY, PolicyKind.SESSION)


@dataclass(frozen=True)
class _Target:
    action: str
    exempt_key: str  # a condition on it answers the concern for `*` resources


_PASS_ROLE = _Target("iam:PassRole", "iam:passedtoservice")
_CREATE_SLR = _Target("iam:CreateServiceLinkedRole", "iam:awsservicename")


def _action_form(stmt: Statement, target: _Target) -> tuple[str, Span] | None:
    """ "named", "star" (a wildcard matches the action) or "not" (NotAction leaves it in)."""
    if stmt.not_action:
        if any(covers(p, target.action, ignore_case=True) for p in stmt.actions):
            return None
        return "not", element_span(stmt, "NotAction")
    named: Pattern | None = None
    star: Pattern | None = None
    wanted = target.action.lower()
    for pattern in stmt.actions:
        if pattern.text.lower() == wanted:
            named = named or pattern
        elif (
            action_text(pattern.text).wildcard  # the text has the wildcards the parts have
            and pattern.has_wildcard
            and covers(pattern, target.action, ignore_case=True)
        ):
            star = star or pattern
    if named is not None:
        return "named", span_of(named, stmt)
    if star is not None:
        return "star", span_of(star, stmt)
    return None


def _resource_form(stmt: Statement) -> str | None:
    """ "star" (a Resource pattern matches every role) or "not" (NotResource leaves one in)."""
    if stmt.resources is None:
        return None
    reaches = any(covers(p, _ANY_ROLE) for p in stmt.resources)
    if stmt.not_resource:
        return None if reaches else "not"
    return "star" if reaches else None


def _findings(
    policy: Policy, ctx: CheckContext, target: _Target, action_form: str, resource_form: str
) -> Iterator[Finding]:
    for stmt, found, resources in _grants(policy, target):
        if found[0] != action_form or resources != resource_form:
            continue
        if resource_form == "star" and target.exempt_key in {c.key for c in stmt.conditions}:
            continue
        where = "every role" if resource_form == "star" else "every role but those excluded"
        yield ctx.report(found[1], f"{stmt.label} allows {target.action} on {where}")


# The six checks of a target ask about the same policy one after the other: the last policy's
# grants are kept, with the policy (so compared by identity, which a kept object cannot lose).
_last: dict[_Target, tuple[Policy, list[tuple[Statement, tuple[str, Span], str | None]]]] = {}


def _grants(
    policy: Policy, target: _Target
) -> list[tuple[Statement, tuple[str, Span], str | None]]:
    """The Allow statements granting the target's action: each with its action form and span
    and its resource form."""
    last = _last.get(target)
    if last is not None and last[0] is policy:
        return last[1]
    grants = []
    for stmt in policy.statements:
        if not is_allow(stmt):
            continue
        found = _action_form(stmt, target)
        if found is not None:
            grants.append((stmt, found, _resource_form(stmt)))
    _last[target] = (policy, grants)
    return grants


def _register(
    id: str,
    aa_code: str,
    target: _Target,
    action_form: str,
    resource_form: str,
    title: str,
    doc: str,
) -> None:
    severity = Severity.SECURITY_WARNING if target is _PASS_ROLE else Severity.WARNING
    fix = (
        "List the role ARNs that may be passed, and add an iam:PassedToService condition."
        if target is _PASS_ROLE
        else "List the service-linked role ARNs, or add an iam:AWSServiceName condition."
    )

    def run(policy: Policy, ctx: CheckContext) -> Iterator[Finding]:
        yield from _findings(policy, ctx, target, action_form, resource_form)

    run.__doc__ = doc
    run.__name__ = run.__qualname__ = f"{aa_code.lower()}"
    check(id=id, severity=severity, title=title, fix=fix, kinds=_KINDS, aa_code=aa_code)(run)


_PASS = (
    "iam:PassRole lets the principal hand a role to a service (an EC2 instance, a Lambda "
    "function) that then acts with the role's permissions: passing any role, administrator "
    "roles included, is a privilege-escalation path."
)
_SLR = (
    "iam:CreateServiceLinkedRole creates the roles AWS services use on your behalf; on every "
    "role it lets the principal create service-linked roles for services it was not meant to "
    "set up."
)


def _doc(lead: str, how: str, fails: str, passes: str) -> str:
    return (
        f"{lead} {how}\n\n"
        f"Fails:\n\n"
        f'    {{"Version": "2012-10-17", "Statement": [\n      {fails}]}}\n\n'
        f"Passes:\n\n"
        f'    {{"Version": "2012-10-17", "Statement": [\n      {passes}]}}\n'
    )


_ROLE = '"arn:aws:iam::111122223333:role/app"'
_SLR_ROLE = '"arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/*"'
_FAMILY = (
    (
        "PR503",
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        _PASS_ROLE,
        "named",
        "star",
        "iam:PassRole on every role",
        _doc(
            _PASS,
            'Here it is granted on `"Resource": "*"` without an iam:PassedToService condition.',
            '{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}',
            f'{{"Effect": "Allow", "Action": "iam:PassRole", "Resource": {_ROLE}}}',
        ),
    ),
    (
        "PR527",
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        _PASS_ROLE,
        "star",
        "star",
        "iam:PassRole through a wildcard action on every role",
        _doc(
            _PASS,
            "Here a wildcard action (`*`, `iam:*`, `iam:Pass*`) includes it, on every role.",
            '{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}',
            f'{{"Effect": "Allow", "Action": "iam:*", "Resource": {_ROLE}}}',
        ),
    ),
    (
        "PR528",
        "PASS_ROLE_WITH_NOT_RESOURCE",
        _PASS_ROLE,
        "named",
        "not",
        "iam:PassRole with NotResource",
        _doc(
            _PASS,
            "Here it is granted on every role but those NotResource lists, roles created later "
            "included.",
            '{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": ' + _ROLE + "}",
            f'{{"Effect": "Allow", "Action": "iam:PassRole", "Resource": {_ROLE}}}',
        ),
    ),
    (
        "PR529",
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        _PASS_ROLE,
        "star",
        "not",
        "iam:PassRole through a wildcard action with NotResource",
        _doc(
            _PASS,
            "Here a wildcard action includes it, on every role but those NotResource lists.",
            '{"Effect": "Allow", "Action": "iam:Pass*", "NotResource": ' + _ROLE + "}",
            f'{{"Effect": "Allow", "Action": "iam:Pass*", "Resource": {_ROLE}}}',
        ),
    ),
    (
        "PR530",
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        _PASS_ROLE,
        "not",
        "not",
        "iam:PassRole through NotAction with NotResource",
        _doc(
            _PASS,
            "Here NotAction leaves it in, on every role but those NotResource lists.",
            '{"Effect": "Allow", "NotAction": "s3:*", "NotResource": ' + _ROLE + "}",
            '{"Effect": "Allow", "NotAction": ["s3:*", "iam:PassRole"], "NotResource": '
            + _ROLE
            + "}",
        ),
    ),
    (
        "PR531",
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        _PASS_ROLE,
        "not",
        "star",
        "iam:PassRole through NotAction on every role",
        _doc(
            _PASS,
            'Here NotAction leaves it in, on `"Resource": "*"`.',
            '{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}',
            '{"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}',
        ),
    ),
    (
        "PR532",
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        _CREATE_SLR,
        "named",
        "star",
        "iam:CreateServiceLinkedRole on every role",
        _doc(
            _SLR,
            'Here it is granted on `"Resource": "*"` without an iam:AWSServiceName condition.',
            '{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}',
            '{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",\n'
            '       "Condition": {"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}}}',
        ),
    ),
    (
        "PR533",
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        _CREATE_SLR,
        "star",
        "star",
        "iam:CreateServiceLinkedRole through a wildcard action on every role",
        _doc(
            _SLR,
            "Here a wildcard action (`*`, `iam:*`, `iam:Create*`) includes it, on every role.",
            '{"Effect": "Allow", "Action": "iam:Create*", "Resource": "*"}',
            f'{{"Effect": "Allow", "Action": "iam:Create*", "Resource": {_SLR_ROLE}}}',
        ),
    ),
    (
        "PR534",
        "CREATE_SLR_WITH_NOT_RESOURCE",
        _CREATE_SLR,
        "named",
        "not",
        "iam:CreateServiceLinkedRole with NotResource",
        _doc(
            _SLR,
            "Here it is granted on every role but those NotResource lists.",
            '{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "NotResource": '
            + _ROLE
            + "}",
            '{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": '
            + _SLR_ROLE
            + "}",
        ),
    ),
    (
        "PR535",
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        _CREATE_SLR,
        "star",
        "not",
        "iam:CreateServiceLinkedRole through a wildcard action with NotResource",
        _doc(
            _SLR,
            "Here a wildcard action includes it, on every role but those NotResource lists.",
            '{"Effect": "Allow", "Action": "iam:Create*", "NotResource": ' + _ROLE + "}",
            '{"Effect": "Allow", "Action": "iam:Create*", "Resource": ' + _SLR_ROLE + "}",
        ),
    ),
    (
        "PR536",
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        _CREATE_SLR,
        "not",
        "not",
        "iam:CreateServiceLinkedRole through NotAction with NotResource",
        _doc(
            _SLR,
            "Here NotAction leaves it in, on every role but those NotResource lists.",
            '{"Effect": "Allow", "NotAction": "s3:*", "NotResource": ' + _ROLE + "}",
            '{"Effect": "Allow", "NotAction": ["s3:*", "iam:CreateServiceLinkedRole"],\n'
            '       "NotResource": ' + _ROLE + "}",
        ),
    ),
    (
        "PR537",
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        _CREATE_SLR,
        "not",
        "star",
        "iam:CreateServiceLinkedRole through NotAction on every role",
        _doc(
            _SLR,
            'Here NotAction leaves it in, on `"Resource": "*"`.',
            '{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}',
            '{"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}',
        ),
    ),
)

for _entry in _FAMILY:
    _register(*_entry)
