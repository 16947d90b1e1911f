"""Lint checks over one policy (IAM Access Analyzer ValidatePolicy style).

A check is a plain function `(policy, ctx) -> Iterable[Finding]` registered with `@check`; its
docstring is its documentation, with a failing and a passing example (see `rule_docs.py`).
Findings are built with `ctx.report(span, message)`, which fills in the check's id, IAM Access
Analyzer code, severity, title and fix hint. The `iam_*` checks only read the IR, the JSON the
policy was read from and the packaged service reference; `semantic` wraps questions the solver
decides, which live in `analysis/`. Problems the policy reader itself rejects (a missing Effect,
an unknown operator) are documented as `@grammar` rules: they have no function, and the reader's
diagnostics name them.

The registry is the catalogue of every kind of finding: the rules of `diff` (the access a change
grants or takes away, `checks/change.py`) and of `reach` (`checks/network.py`) are declared here
too, with `@rule`, so every finding any verb reports has one id, severity, title, page and
kind of evidence.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, NamedTuple, TypeVar, cast

from policyreason.analysis.findings import Finding
from policyreason.data import reference as ref
from policyreason.ir.pattern import Part, Pattern, Star, Text, pieces_match
from policyreason.ir.policy import (
    Comparison,
    Condition,
    ConditionValue,
    Effect,
    Policy,
    PolicyKind,
    Statement,
)
from policyreason.ir.scope import Zone
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.ir.template import show
from policyreason.memo import keep_last
from policyreason.parse.json_spans import JArray, JNode, JObject

CheckFunction = Callable[[Policy, "CheckContext"], Iterable[Finding]]
# Rules their analysis or the policy reader reports: the function only carries the docs.
DocFunction = Callable[[], None]
F = TypeVar("F", bound=Callable[..., Any])

# What ValidatePolicy calls an identity policy: policies attached to a principal or a session.
IDENTITY_KINDS = (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION)

# Services whose actions together control identities or the organization (`iam:*` is a
# security warning where `s3:*` is a plain warning).
SENSITIVE_SERVICES = frozenset({"iam", "sts", "organizations"})

_MODULES = (
    "iam_grammar",
    "iam_syntax",
    "iam_actions",
    "iam_resources",
    "iam_conditions",
    "iam_condition_values",
    "iam_tag_conditions",
    "iam_security",
    "iam_role_grants",
    "semantic",
    "change",
    "network",
)


class Evidence(StrEnum):
    """What backs a rule's findings."""

    PARSER = "parser"  # the policy reader rejects the document: a located input error
    SYNTACTIC = "syntactic"  # read off the policy text and the service reference
    WITNESS = "witness"  # a request the solver found, re-checked by the concrete evaluator
    PROOF = "proof"  # the solver proved it: no request behaves otherwise
    PACKET = "packet"  # a packet and its path the solver found, re-traced hop by hop
    UNKNOWN = "unknown"  # the reason the question could not be decided


class Family(StrEnum):
    """Which verb reports a rule's findings."""

    LINT = "lint"  # `check`: one policy (or one principal's policies) at a time
    CHANGE = "change"  # `diff`: the access a change grants or takes away
    NETWORK = "network"  # `reach`: packets between endpoints and from the internet


@dataclass(frozen=True)
class CheckInfo:
    """A registered rule and everything reporters, `explain` and the docs show about it.

    `aa_code` is IAM Access Analyzer's issue code for the same problem (None for rules of our
    own); `diagnostics` are the policy reader's codes the rule stands for (grammar rules, whose
    `function` is None); `doc` is the function's docstring; `family` the verb that reports it
    (rules of `diff` and `reach` have no function either: their analyses produce the findings).
    """

    id: str
    severity: Severity
    title: str
    fix: str
    kinds: frozenset[PolicyKind] | None
    function: CheckFunction | None
    doc: str
    aa_code: str | None = None
    evidence: Evidence = Evidence.SYNTACTIC
    diagnostics: tuple[str, ...] = ()
    family: Family = Family.LINT

    @property
    def help(self) -> str:
        """The rule's documentation: its function's docstring."""
        return self.doc or self.title

    def applies_to(self, kind: PolicyKind) -> bool:
        """True when the check runs on policies of this kind."""
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the policy.

    `source` is the document text as written (for size quotas); `root` the JSON it was read
    from (for what the IR does not keep: an empty array, a value's JSON type); `attachment`
    says where an identity policy lives (managed, user, role, group), which sets its size
    quota; `zone` is the zone of trust external access is judged against; `resource_type` the
    resource a resource policy is attached to (None: inferred from its Resource ARNs).
    """

    source: str | None = None
    root: JNode | None = field(default=None, compare=False)
    attachment: str = "managed"
    zone: Zone | None = None
    resource_type: str | None = None
    current: CheckInfo | None = field(default=None, compare=False)

    def running(self, info: CheckInfo | None) -> CheckContext:
        """This context for the run of `info`'s check (None: of no check yet). A copy of the
        fields made directly: `dataclasses.replace` costs more than most checks."""
        context = _new(CheckContext)
        context.__dict__.update(self.__dict__, current=info)
        return context

    def report(self, span: Span, message: str, fix: str | None = None, **details: Any) -> Finding:
        """A finding of the running check at `span`."""
        info = self.current
        if info is None:
            raise RuntimeError("report() is only available while a check runs")
        return Finding(
            rule_id=info.id,
            aa_code=info.aa_code,
            severity=info.severity,
            title=info.title,
            # Template values as the user spells them (`${AWS::Region}`).
            message=show(message),
            span=span,
            fix=fix or info.fix,
            details=details,
        )

    def statement_node(self, statement: Statement) -> JObject | None:
        """The JSON object a statement was read from, when the root is known."""
        items = _statement_items(self.root)
        if statement.index >= len(items):
            return None
        found = items[statement.index]
        return found if isinstance(found, JObject) else None


# Several rules ask for the node of each statement of a document, one rule after the other.
@keep_last
def _statement_items(root: JNode | None) -> tuple[JNode | None, ...]:
    """The items of the root's Statement (the value itself when it is not an array)."""
    if not isinstance(root, JObject):
        return ()
    node = root.get("Statement")
    return tuple(node.items) if isinstance(node, JArray) else (node,)


_REGISTRY: dict[str, CheckInfo] = {}
_new = object.__new__
_setattr = object.__setattr__


def check(
    *,
    id: str,
    severity: Severity,
    title: str,
    fix: str,
    kinds: Iterable[PolicyKind] | None = None,
    aa_code: str | None = None,
    evidence: Evidence = Evidence.SYNTACTIC,
    diagnostics: tuple[str, ...] = (),
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under a unique id (PRnnn); `diagnostics` are reader codes
    that are instances of the same problem (see `grammar`)."""
    return _declare(
        id=id,
        severity=severity,
        title=title,
        fix=fix,
        kinds=kinds,
        aa_code=aa_code,
        evidence=evidence,
        diagnostics=diagnostics,
        runs=True,
    )


def grammar(
    *,
    id: str,
    severity: Severity,
    title: str,
    fix: str,
    diagnostics: tuple[str, ...],
    kinds: Iterable[PolicyKind] | None = None,
    aa_code: str | None = None,
) -> Callable[[DocFunction], DocFunction]:
    """Register a rule the policy reader enforces: its diagnostics with these codes (on
    policies of these kinds) are findings of the rule. The function only carries the docs."""
    return _declare(
        id=id,
        severity=severity,
        title=title,
        fix=fix,
        kinds=kinds,
        aa_code=aa_code,
        evidence=Evidence.PARSER,
        diagnostics=diagnostics,
    )


def rule(
    *,
    id: str,
    family: Family,
    severity: Severity,
    title: str,
    fix: str,
    evidence: Evidence,
) -> Callable[[DocFunction], DocFunction]:
    """Register a rule of `diff` or `reach`: its analysis reports findings under this id; the
    function only carries the docs."""
    return _declare(
        id=id, severity=severity, title=title, fix=fix, evidence=evidence, family=family
    )


def _declare(
    *,
    id: str,
    severity: Severity,
    title: str,
    fix: str,
    evidence: Evidence,
    kinds: Iterable[PolicyKind] | None = None,
    aa_code: str | None = None,
    diagnostics: tuple[str, ...] = (),
    family: Family = Family.LINT,
    runs: bool = False,
) -> Callable[[F], F]:
    """The decorator that registers a rule with its function's docstring as its documentation;
    the function runs as the check when `runs`, and only carries the docs otherwise."""

    def register(function: F) -> F:
        _add(
            CheckInfo(
                id=id,
                severity=severity,
                title=title,
                fix=fix,
                kinds=frozenset(kinds) if kinds is not None else None,
                function=cast(CheckFunction, function) if runs else None,
                doc=inspect.getdoc(function) or "",
                aa_code=aa_code,
                evidence=evidence,
                diagnostics=diagnostics,
                family=family,
            )
        )
        return function

    return register


def _add(info: CheckInfo) -> None:
    if info.id in _REGISTRY:
        raise ValueError(f"check id {info.id} is registered twice")
    _REGISTRY[info.id] = info


_loaded: list[bool] = []


def _load() -> None:
    # The check modules import this one for `@check`, so they are loaded on first use (once:
    # asked for every checked policy).
    if _loaded:
        return
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")
    _loaded.append(True)


def all_checks() -> list[CheckInfo]:
    """Every registered rule of `check`, ordered by id."""
    return all_rules(Family.LINT)


def all_rules(family: Family | None = None) -> list[CheckInfo]:
    """Every registered rule (of one family), ordered by family, then id."""
    _load()
    return list(_ordered(len(_REGISTRY), family))


# Asked once per checked file; keyed by the registry's size, since rules are only ever added.
@cache
def _ordered(count: int, family: Family | None) -> tuple[CheckInfo, ...]:
    families = list(Family)
    ordered = sorted(_REGISTRY.values(), key=lambda c: (families.index(c.family), c.id))
    return tuple(c for c in ordered if family is None or c.family is family)


def find_rules(name: str, family: Family | None = Family.LINT) -> list[CheckInfo]:
    """The rules a user means by `name`: a rule id (PR601, new-access, NET001) or an Access
    Analyzer issue code (EQUIVALENT_TO_NULL_FALSE), in any case; among the rules of `check`
    unless another family (None: every family) is asked for."""
    wanted = name.strip().upper()
    return [c for c in all_rules(family) if wanted in (c.id.upper(), c.aa_code)]


def rule_for_diagnostic(code: str, kind: PolicyKind | None) -> CheckInfo | None:
    """The grammar rule a reader diagnostic stands for, on a policy of `kind` (None when the
    document's kind is not known); a rule for that kind wins over a rule for any kind."""
    matching = [c for c in all_checks() if code in c.diagnostics]
    for info in matching:
        if info.kinds is not None and kind is not None and kind in info.kinds:
            return info
    return next((c for c in matching if c.kinds is None), None)


def run_checks(
    policy: Policy,
    enabled: Iterable[str] | None = None,
    disabled: Iterable[str] | None = None,
    context: CheckContext | None = None,
) -> list[Finding]:
    """Run the checks that apply to the policy's kind; `enabled`/`disabled` select by id."""
    wanted = frozenset(enabled) if enabled is not None else None
    base = context or CheckContext()
    findings: list[Finding] = []
    _load()
    # One context for the run, told which rule runs: each rule's findings are all made before
    # the next rule starts, and a copy per rule cost more than most rules over a corpus.
    running = base.running(None)
    for info, function in _running(len(_REGISTRY), policy.kind, wanted, frozenset(disabled or ())):
        _setattr(running, "current", info)
        findings.extend(function(policy, running))
    findings.sort(key=lambda f: (f.span.line, f.span.column, f.rule_id))
    return findings


# Asked once per checked policy, with the same few selections: keyed by the registry's size, as
# `_ordered` is.
@cache
def _running(
    count: int, kind: PolicyKind, wanted: frozenset[str] | None, unwanted: frozenset[str]
) -> tuple[tuple[CheckInfo, CheckFunction], ...]:
    """The selected rules with a function that run on policies of `kind`, in id order, each
    with its function."""
    return tuple(
        (info, info.function)
        for info in _ordered(count, Family.LINT)
        if info.function is not None
        and (wanted is None or info.id in wanted)
        and info.id not in unwanted
        and info.applies_to(kind)
    )


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
    # Asked of every action and resource by several rules: most patterns start with text,
    # which settles it without walking the parts.
    parts = pattern.parts
    return bool(parts) and isinstance(parts[0], Star) and pattern.is_match_all


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
    return action_text(pattern.text).parts


class ActionText(NamedTuple):
    """What the action rules read off an action pattern's text, the same for every pattern
    written alike: each rule asked for it again of each pattern, about 20 times a pattern."""

    parts: tuple[str, str] | None  # (service part, name part) as written; None without `:`
    wildcard: bool  # `*` or `?` anywhere in the text
    service_wildcard: bool  # `*` or `?` in the service part
    spaced: bool  # white space anywhere in the text
    known_service: bool  # the service part is a service of the reference
    action: ref.Action | None  # the action the text names (None: a wildcard, or unknown)
    every_action: bool  # `service:*` (or `service:**`...): the name part is only `*`
    # A current action named plainly: no wildcard, white space or `$` (`notable_actions`).
    plain: bool


_WHITE_SPACE = re.compile(r"\s")


@lru_cache(maxsize=1 << 16)
def action_text(text: str) -> ActionText:
    """The facts of an action pattern's text (`ActionText`)."""
    service, sep, name = text.partition(":")
    parts = (service, name) if sep else None
    svc = ref.service(service) if sep else None
    action = svc.action(name) if svc is not None else None  # `reference.action(text)`
    wildcard = "*" in text or "?" in text
    spaced = _WHITE_SPACE.search(text) is not None
    return ActionText(
        parts=parts,
        wildcard=wildcard,
        service_wildcard=parts is not None and ("*" in service or "?" in service),
        spaced=spaced,
        known_service=svc is not None,
        action=action,
        every_action=parts is not None and name.strip("*") == "",
        plain=(
            action is not None
            and not action.deprecated
            and not wildcard
            and not spaced
            and "$" not in text
        ),
    )


# Ten action rules (PR201-PR204, PR207, PR208, PR210, PR213, PR215, PR506) each walked every
# action of every policy, and most actions are plain, which none of them reports: an unknown
# service or action, a wildcard (`*` among them), a deprecated action, white space or a
# variable are what they look for. PR206 finds its wildcards here too.
@keep_last
def notable_actions(policy: Policy) -> list[list[tuple[Pattern, ActionText]]]:
    """For each statement, in order, its action patterns that are not plain (`ActionText`),
    in order, with their facts."""
    found: list[list[tuple[Pattern, ActionText]]] = []
    for stmt in policy.statements:
        notable: list[tuple[Pattern, ActionText]] = []
        for pattern in stmt.actions:
            facts = action_text(pattern.text)
            if not facts.plain:
                notable.append((pattern, facts))
        found.append(notable)
    return found


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


# The reference's answers about condition keys and service prefixes, kept by text: about 25
# rules ask them of each condition, and a key the reference does not name exactly is tried
# against every templated key of every service.
@lru_cache(maxsize=1 << 14)
def key_info(key: str) -> ref.ConditionKey | None:
    """Type information for a condition key (`reference.condition_key`)."""
    return ref.condition_key(key)


@lru_cache(maxsize=1 << 14)
def global_key_info(key: str) -> ref.ConditionKey | None:
    """The key if it is a global condition key (`reference.global_key`)."""
    return ref.global_key(key)


def key_multivalued(key: str) -> bool:
    """True when the key is known and multivalued (`reference.is_multivalued`)."""
    info = key_info(key)
    return info is not None and info.multivalued


@lru_cache(maxsize=1 << 12)
def service_of(prefix: str) -> ref.Service | None:
    """The service with this prefix (`reference.service`)."""
    return ref.service(prefix)


# About 25 condition rules walk them, one after the other.
@keep_last
def conditions_of(policy: Policy) -> list[tuple[Statement, Condition]]:
    """Every condition of every statement, with its statement."""
    return [(stmt, cond) for stmt in policy.statements for cond in stmt.conditions]


def literal_values(cond: Condition) -> Iterator[tuple[ConditionValue, str]]:
    """Values compared as plain text: no wildcard in Like operators and no variable."""
    for value in cond.values:
        pattern = value.pattern
        if pattern is None:
            continue
        if pattern.has_variable or (cond.op.comparison is Comparison.LIKE and pattern.has_wildcard):
            continue
        yield value, value.text


def supported_keys(actions: list[ref.Action]) -> set[str]:
    """Every condition key (lower-case) one of the actions, or its resource types, carries."""
    keys: set[str] = set()
    for action in actions:
        keys |= action_keys(action)
    return keys


# An action's keys were gathered again for each statement and tag condition naming it. Kept by
# the action's id() with the action (a reference action lives as long as the process): hashing
# the action itself walks all its fields.
_ACTION_KEYS: dict[int, tuple[ref.Action, frozenset[str]]] = {}


def action_keys(action: ref.Action) -> frozenset[str]:
    """Every condition key (lower-case) the action, or one of its resource types, carries."""
    kept = _ACTION_KEYS.get(id(action))
    if kept is not None and kept[0] is action:
        return kept[1]
    keys = {k.lower() for k in action.condition_keys}
    svc = ref.service(action.service)
    assert svc is not None
    for rt in action.resource_types:
        keys.update(k.lower() for k in rt.condition_keys)
        rtype = svc.resource_types.get(rt.name)
        if rtype is not None:
            keys.update(k.lower() for k in rtype.condition_keys)
    found = frozenset(keys)
    _ACTION_KEYS[id(action)] = (action, found)
    return found


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
    return text_covers(general.text, text, ignore_case)


def text_covers(general: str, text: str, ignore_case: bool = False) -> bool:
    """True when the IAM wildcard text `general` (`*` any run of characters, `?` one, nothing
    else special) matches `text`."""
    # Without `?` (as most action patterns are: `s3:Get*`) the pattern is compared as text: a
    # regex costs about 0.1 ms to compile, once for each of thousands of patterns. ASCII only
    # when case is ignored, where lower-casing is exactly the regex's case folding.
    if "?" in general or (ignore_case and not (general.isascii() and text.isascii())):
        return ref.wildcard_regex(general, ignore_case).fullmatch(text) is not None
    if ignore_case:
        general, text = general.lower(), text.lower()
    return pieces_match(general.split("*"), text)


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
