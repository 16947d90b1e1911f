"""Lint checks over one policy (IAM Access Analyzer ValidatePolicy style).

A check is a plain function `(policy, ctx) -> Iterable[Finding]` registered with `@check`; its
docstring is its documentation. Findings are built with `ctx.report(span, message)`, which fills
in the check's id, severity, title and fix hint. The `iam_*` checks only read the IR and the
packaged service reference; `semantic` wraps questions the solver decides, which live in
`analysis/`.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from policyreason.analysis.findings import Finding, Severity
from policyreason.data import reference as ref
from policyreason.ir.pattern import Part, Pattern, Star, Text
from policyreason.ir.policy import Effect, Policy, PolicyKind, Statement
from policyreason.ir.scope import Zone
from policyreason.ir.span import Span
from policyreason.ir.template import show

CheckFunction = Callable[[Policy, "CheckContext"], Iterable[Finding]]

# Services whose actions together control identities or the organization (`iam:*` is a
# security warning where `s3:*` is a plain warning).
SENSITIVE_SERVICES = frozenset({"iam", "sts", "organizations"})

_MODULES = (
    "iam_syntax",
    "iam_actions",
    "iam_resources",
    "iam_conditions",
    "iam_security",
    "semantic",
)


@dataclass(frozen=True)
class CheckInfo:
    """A registered check and the metadata reporters (SARIF rules, docs) show."""

    id: str
    severity: Severity
    title: str
    fix: str
    kinds: frozenset[PolicyKind] | None
    function: CheckFunction

    @property
    def help(self) -> str:
        """The check's documentation: its function's docstring."""
        return inspect.getdoc(self.function) or self.title

    def applies_to(self, kind: PolicyKind) -> bool:
        """True when the check runs on policies of this kind."""
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the policy.

    `source` is the document text as written (for size quotas); `attachment` says where an
    identity policy lives (managed, user, role, group), which sets its size quota; `zone` is
    the zone of trust external access is judged against; `resource_type` the resource a
    resource policy is attached to (None: inferred from its Resource ARNs).
    """

    source: str | None = None
    attachment: str = "managed"
    zone: Zone | None = None
    resource_type: str | None = None
    current: CheckInfo | None = field(default=None, compare=False)

    def report(self, span: Span, message: str, fix: str | None = None, **details: Any) -> Finding:
        """A finding of the running check at `span`."""
        info = self.current
        if info is None:
            raise RuntimeError("report() is only available while a check runs")
        return Finding(
            rule_id=info.id,
            severity=info.severity,
            title=info.title,
            # Template values as the user spells them (`${AWS::Region}`).
            message=show(message),
            span=span,
            fix=fix or info.fix,
            details=details,
        )


_REGISTRY: dict[str, CheckInfo] = {}


def check(
    *,
    id: str,
    severity: Severity,
    title: str,
    fix: str,
    kinds: Iterable[PolicyKind] | None = None,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under a unique id (PRnnn)."""

    def register(function: CheckFunction) -> CheckFunction:
        if id in _REGISTRY:
            raise ValueError(f"check id {id} is registered twice")
        _REGISTRY[id] = CheckInfo(
            id=id,
            severity=severity,
            title=title,
            fix=fix,
            kinds=frozenset(kinds) if kinds is not None else None,
            function=function,
        )
        return function

    return register


def _load() -> None:
    # The check modules import this one for `@check`, so they are loaded on first use.
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")


def all_checks() -> list[CheckInfo]:
    """Every registered check, ordered by id."""
    _load()
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def run_checks(
    policy: Policy,
    enabled: Iterable[str] | None = None,
    disabled: Iterable[str] | None = None,
    context: CheckContext | None = None,
) -> list[Finding]:
    """Run the checks that apply to the policy's kind; `enabled`/`disabled` select by id."""
    wanted = set(enabled) if enabled is not None else None
    unwanted = set(disabled or ())
    base = context or CheckContext()
    findings: list[Finding] = []
    for info in all_checks():
        if wanted is not None and info.id not in wanted:
            continue
        if info.id in unwanted or not info.applies_to(policy.kind):
            continue
        findings.extend(info.function(policy, replace(base, current=info)))
    findings.sort(key=lambda f: (f.span.line, f.span.column, f.rule_id))
    return findings


# -- helpers shared by the check modules ------------------------------------------------------


def span_of(pattern: Pattern, statement: Statement) -> Span:
    """The pattern's own span, else the statement's."""
    return pattern.span if pattern.span is not None else statement.span


def element_span(statement: Statement, *names: str) -> Span:
    """The span of the first element key present (e.g. "Action"), else the statement's."""
    for name in names:
        if name in statement.keys:
            return statement.keys[name]
    return statement.span


def is_star(pattern: Pattern) -> bool:
    """`*` (or `**`...): matches everything."""
    return pattern.is_match_all


def resources_are_star(statement: Statement) -> bool:
    """True when the statement applies to every resource (`Resource: "*"`)."""
    return (
        statement.resources is not None
        and not statement.not_resource
        and any(is_star(r) for r in statement.resources)
    )


def is_allow(statement: Statement) -> bool:
    """True for Allow statements."""
    return statement.effect is Effect.ALLOW


def split_action(pattern: Pattern) -> tuple[str, str] | None:
    """(service part, name part) of an action pattern as written; None for `*`."""
    service, sep, name = pattern.text.partition(":")
    return (service, name) if sep else None


def actions_of(pattern: Pattern) -> tuple[ref.Action, ...]:
    """Every known action an action pattern matches."""
    return ref.actions_matching(pattern.text)


def known_actions(statement: Statement) -> list[ref.Action] | None:
    """Every known action the statement's Action patterns match; None when the statement uses
    NotAction or `*`, or names an action the reference does not know (nothing can be said)."""
    if statement.not_action:
        return None
    out: list[ref.Action] = []
    for pattern in statement.actions:
        matched = actions_of(pattern)
        if is_star(pattern) or not matched:
            return None
        out.extend(matched)
    return out


def literal_or_none(pattern: Pattern) -> str | None:
    """The pattern's text when it is a plain literal (no wildcard, no variable)."""
    return pattern.literal_text() if pattern.is_literal else None


def wildcard_covers(general: Pattern, text: str, ignore_case: bool = False) -> bool:
    """True when the IAM pattern `general` matches the literal `text`."""
    if general.has_variable:
        return False  # a variable stands for an unknown value: it cannot prove coverage
    if "${" in general.text:
        # `${*}`-style escapes: the parts, not the text, say what is literal.
        regex = re.compile(_parts_regex(general.parts), re.DOTALL)
        return regex.fullmatch(text.lower() if ignore_case else text) is not None
    return _text_regex(general.text, ignore_case).fullmatch(text) is not None


@cache
def _text_regex(text: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _parts_regex(parts: tuple[Part, ...]) -> str:
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, Text):
            pieces.append(re.escape(part.text))
        elif isinstance(part, Star):
            pieces.append(".*")
        else:
            pieces.append(".")
    return "".join(pieces)
