"""The change gate: compare each policy's base and head versions (paired by
`inputs.git.pair`) and turn new and lost access into findings a reviewer can act on. An added
policy is compared against no access, a deleted one against its base version.

Classification derives from witness requests the concrete evaluator re-checked: new access for
"anyone" in S3 Block Public Access's sense (`analysis/public.py`: a caller pinned by none of the
head policy's fixed values) is `public`, for an AWS principal of another account than the
resource's (outside the zone of trust) `cross-account`, possibly both. For policies with a
Principal element, when the witnesses show neither, one more query each looks for such a
request among the new access, so "not public" is proven, not guessed.

The zone of trust is the configured accounts and organizations; when it names no
organization, the organizations the head policy itself pins with aws:PrincipalOrgID are
trusted, so access restricted to one's own organization is new access, not cross-account
(name the organization in the zone of trust to have access for any other one fail).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import context_of, statement_matches
from policyreason.analysis.findings import Status
from policyreason.analysis.public import anyone_scope
from policyreason.analysis.questions import (
    Property,
    actions_outside,
    cross_account,
    in_cell,
    more_permissive,
)
from policyreason.analysis.scope import in_scope, pins_of
from policyreason.analysis.search import search_requests
from policyreason.ir.acceptance import Acceptance
from policyreason.ir.answer import Answer
from policyreason.ir.answer import Status as Outcome
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Effect, Policy, PolicyKind, PrincipalType
from policyreason.ir.request import Request
from policyreason.ir.scope import Pins, Zone
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.parse.pattern import parse_pattern
from policyreason.smt.limits import DEFAULT_RLIMIT

NEW_ACCESS = "new-access"
LOST_ACCESS = "lost-access"
PUBLIC = "public"
CROSS_ACCOUNT = "cross-account"
UNKNOWN = "unknown"
CATEGORIES = (NEW_ACCESS, LOST_ACCESS, PUBLIC, CROSS_ACCOUNT)
# New access fails only when it reaches anyone or another account: the rest is reported for
# review without blocking a commit (`--fail-on new-access` restores the strict gate).
DEFAULT_FAIL_ON = frozenset({PUBLIC, CROSS_ACCOUNT})


class ChangeStatus(StrEnum):
    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"
    MOVED = "moved"


@dataclass(frozen=True)
class Version:
    """One side of a change: the policy (None when it has errors), where it is, its name."""

    policy: Policy | None
    file: str
    name: str


@dataclass(frozen=True)
class PolicyChange:
    """One policy at base and head (`old` None: added; `new` None: deleted). `names` are what
    accepted-change entries match: the head and base file paths and the document name.
    `problem` says why the base version could not be used (the comparison is then unknown)."""

    key: str
    names: tuple[str, ...]
    kind: PolicyKind
    status: ChangeStatus
    old: Version | None
    new: Version | None
    problem: str | None = None


@dataclass(frozen=True)
class Witness:
    """A re-checked request, its classification, and the statement that grants it (in the head
    version for new access, the base version for lost access)."""

    request: Request
    tags: tuple[str, ...] = ()
    statement: str | None = None
    span: Span | None = None


@dataclass(frozen=True)
class Access:
    """One direction of one change: witnesses, or proven none, or unknown; `accepted` are the
    entries that cover part of it, and `fully_accepted` says no other access remains."""

    direction: str
    outcome: Outcome
    witnesses: tuple[Witness, ...] = ()
    reason: str = ""
    accepted: tuple[Acceptance, ...] = ()
    fully_accepted: bool = False
    classified: bool = True
    summary: str = ""


@dataclass(frozen=True)
class DiffFinding:
    """What the gate judges: one direction of one change (or its unknown answer). `possible`
    are the categories it may also be of though that could not be decided (None: any, for an
    unknown answer). Set by the diff pipeline: `fingerprint` (what a baseline holds),
    `baseline` its state against a baseline (None without one) and `failing` the gate's
    verdict."""

    category: str
    tags: tuple[str, ...]
    severity: Severity
    status: Status
    policy: str
    message: str
    span: Span | None
    witnesses: tuple[Witness, ...] = ()
    accepted: tuple[Acceptance, ...] = ()
    possible: frozenset[str] | None = frozenset()
    fingerprint: str = ""
    baseline: Literal["new", "unchanged"] | None = None
    failing: bool = False


@dataclass(frozen=True)
class ChangeResult:
    """The comparison of one policy change and the findings it yields."""

    change: PolicyChange
    verdict: CompareVerdict
    new_access: Access
    lost_access: Access
    summary: str
    findings: tuple[DiffFinding, ...]
    seconds: float = 0.0
    queries: int = 0


@dataclass(frozen=True)
class DiffSettings:
    """How to compare and when to fail."""

    witnesses: int = 3
    rlimit: int | None = DEFAULT_RLIMIT
    accepts: tuple[Acceptance, ...] = ()
    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    fail_on: frozenset[str] = DEFAULT_FAIL_ON
    unknown: str = "fail"

    def zone(self, pins: Pins) -> Zone:
        """The zone of trust for a head policy with these pins: the configured accounts and
        organizations, or, when none is configured, the organizations the policy pins."""
        orgs = self.trusted_orgs or frozenset(pins.literals("aws:principalorgid"))
        return Zone(accounts=tuple(sorted(self.trusted_accounts)), orgs=tuple(sorted(orgs)))


@dataclass
class DiffRun:
    """Everything `diff` reports: the changes compared, input errors, and the gate's verdict
    (set by the diff pipeline): how many things fail the run (failing findings and expired
    suppressions), the exit code, how many findings suppressions dropped, and the expired
    suppressions."""

    base: str
    head: str
    results: list[ChangeResult] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    unchanged: int = 0
    fail_on: frozenset[str] = DEFAULT_FAIL_ON
    unknown: str = "fail"
    failing: int = 0
    exit_code: int = 0
    suppressed: int = 0
    expired_suppressions: tuple[str, ...] = ()

    @property
    def findings(self) -> list[DiffFinding]:
        """Every finding, in change order."""
        return [f for r in self.results for f in r.findings]


# --- comparison ----------------------------------------------------------------------------


def empty_policy(kind: PolicyKind, file: str) -> Policy:
    """A policy that allows nothing: the other side of an added or deleted policy."""
    return Policy(
        kind=kind,
        version="2012-10-17",
        statements=(),
        span=Span(file=file, line=1, column=1, end_line=1, end_column=1),
    )


def analyse(change: PolicyChange, settings: DiffSettings) -> ChangeResult:
    """Compare one change and classify what it grants and takes away."""
    some = change.new or change.old
    assert some is not None
    old = change.old.policy if change.old else None
    new = change.new.policy if change.new else None
    if change.problem is not None or (change.new is not None and new is None):
        return _undecided(change, change.problem or "the head version has errors")
    old_policy = old or empty_policy(change.kind, some.file)
    new_policy = new or empty_policy(change.kind, some.file)
    result = compare(old_policy, new_policy, settings.witnesses, settings.rlimit)
    queries = result.queries
    gained, extra = _direction(
        NEW_ACCESS, result.new_access, old_policy, new_policy, change, settings
    )
    queries += extra
    lost, extra = _direction(
        LOST_ACCESS, result.lost_access, new_policy, old_policy, change, settings
    )
    queries += extra
    return _result(change, result.verdict, gained, lost, result.seconds, queries)


def _direction(
    direction: str,
    found: Answer[Request],
    narrower: Policy,
    wider: Policy,
    change: PolicyChange,
    settings: DiffSettings,
) -> tuple[Access, int]:
    """Acceptance and classification of one direction (`wider` allows what `narrower` does not)."""
    accepts = tuple(a for a in settings.accepts if a.covers(change.names, direction))
    if found.status is not Outcome.WITNESSED:
        access = Access(direction, found.status, reason=found.reason)
        return _summarised(access, change.kind), 0
    queries = 0
    search = found
    excluded = [parse_pattern(p, variables=False, lower=True) for a in accepts for p in a.actions]

    outside = actions_outside(excluded)
    registered = [(p,) for p in excluded]
    if accepts:
        search = _search(narrower, wider, outside, settings.witnesses, settings, registered)
        queries += search.queries
        if search.status is Outcome.PROVEN:
            access = Access(
                direction,
                Outcome.WITNESSED,
                _witnesses(found, wider, direction, settings),
                accepted=accepts,
                fully_accepted=True,
            )
            return _summarised(access, change.kind), queries
        if search.status is Outcome.UNKNOWN:
            # Not known to stay within the accepted actions: report it all, unaccepted.
            search = found.with_reason(f"accepted actions not checked: {search.reason}")
    witnesses = list(search.witnesses)
    classified = True
    if direction == NEW_ACCESS and wider.kind.has_principal:
        trusted = settings.trusted_accounts
        pins = pins_of(wider)
        zone = settings.zone(pins)

        anyone = in_cell(anyone_scope(wider, None))
        other_account = cross_account(wider, trusted, zone)
        exposed: list[Request] = []
        for tag, condition in ((PUBLIC, anyone), (CROSS_ACCOUNT, other_account)):
            if any(tag in _tags(w, wider, trusted, zone) for w in witnesses):
                continue
            scope = outside.and_(condition)
            tagged = _search(narrower, wider, scope, 1, settings, registered)
            queries += tagged.queries
            classified = classified and tagged.status is not Outcome.UNKNOWN
            exposed += tagged.witnesses
        witnesses = exposed + witnesses[: max(settings.witnesses - len(exposed), 1)]
    result = Answer.witnessed(witnesses)
    access = Access(
        direction,
        Outcome.WITNESSED,
        _witnesses(result, wider, direction, settings),
        reason=search.reason,
        accepted=accepts,
        classified=classified,
    )
    return _summarised(access, change.kind), queries


def _search(
    narrower: Policy,
    wider: Policy,
    scope: Property,
    limit: int,
    settings: DiffSettings,
    actions: Sequence[Sequence[Pattern]],
) -> Answer[Request]:
    question = more_permissive(wider, narrower).within(scope)
    return search_requests([narrower, wider], question, limit, settings.rlimit, actions)


def _tags(request: Request, policy: Policy, trusted: frozenset[str], zone: Zone) -> tuple[str, ...]:
    """PUBLIC and/or CROSS_ACCOUNT: a caller of another account can also be "anyone"."""
    if not policy.kind.has_principal:
        return ()
    tags: list[str] = []
    if in_scope(anyone_scope(policy, None), request):
        tags.append(PUBLIC)
    if cross_account(policy, trusted, zone).holds(request):
        tags.append(CROSS_ACCOUNT)
    return tuple(tags)


def _witnesses(
    search: Answer[Request], granting: Policy, direction: str, settings: DiffSettings
) -> tuple[Witness, ...]:
    out: list[Witness] = []
    seen: set[str] = set()
    for request in search.witnesses:
        text = json.dumps(request.to_json(), sort_keys=True)
        if text in seen:
            continue
        seen.add(text)
        ctx = context_of(request)
        statement = next(
            (
                s
                for s in granting.statements
                if s.effect is Effect.ALLOW and statement_matches(s, request, ctx)
            ),
            None,
        )
        zone = settings.zone(pins_of(granting))
        tags = (
            _tags(request, granting, settings.trusted_accounts, zone)
            if direction == NEW_ACCESS
            else ()
        )
        out.append(
            Witness(
                request=request,
                tags=tags,
                statement=statement.label if statement else None,
                span=statement.span if statement else None,
            )
        )
    return tuple(out)


# --- summaries and findings ----------------------------------------------------------------


def _summarised(access: Access, kind: PolicyKind) -> Access:
    return Access(
        access.direction,
        access.outcome,
        access.witnesses,
        access.reason,
        access.accepted,
        access.fully_accepted,
        access.classified,
        _summary(access, kind),
    )


def _summary(access: Access, kind: PolicyKind) -> str:
    if access.outcome is Outcome.UNKNOWN:
        return f"unknown: {access.reason}"
    if access.outcome is Outcome.PROVEN or not access.witnesses:
        return ""
    verb = "now allows" if access.direction == NEW_ACCESS else "no longer allows"
    actions = list(dict.fromkeys(w.request.action for w in access.witnesses))
    first = access.witnesses[0].request
    others = len(actions) - 1
    more = f" (and {others} other action{'s' if others > 1 else ''})" if others else ""
    text = f"{verb} {actions[0]}{more} on {first.resource}"
    if kind.has_principal:
        text += " " + _who(access.witnesses[0])
    if first.context:
        shown = sorted(first.context.items())[:2]
        text += " when " + ", ".join(f"{k}={'|'.join(v) or '[]'}" for k, v in shown)
    if first.bindings:
        text += (" and" if first.context else "") + first.when()
    if access.fully_accepted:
        text += " (accepted)"
    return text


def _who(witness: Witness) -> str:
    r = witness.request
    if r.principal_type is None:
        return "to anonymous callers (public)"
    if r.principal_type is PrincipalType.AWS and r.principal_account:
        where = f"to any principal in account {r.principal_account}"
        return where + (" (cross-account)" if CROSS_ACCOUNT in witness.tags else "")
    return f"to {r.principal_type.value} principal {r.principal}"


def _result(
    change: PolicyChange,
    verdict: CompareVerdict,
    gained: Access,
    lost: Access,
    seconds: float,
    queries: int,
) -> ChangeResult:
    findings: list[DiffFinding] = []
    if verdict is CompareVerdict.UNKNOWN and Outcome.UNKNOWN in (gained.outcome, lost.outcome):
        reason = "; ".join(dict.fromkeys(a.reason for a in (gained, lost) if a.reason))
        findings.append(
            _finding(
                UNKNOWN,
                (UNKNOWN,),
                Severity.WARNING,
                Status.UNKNOWN,
                change,
                f"could not decide: {reason}",
                _span(change, None),
                (),
                (),
            )
        )
    for access in (gained, lost):
        if access.outcome is not Outcome.WITNESSED:
            continue
        tags: tuple[str, ...] = (access.direction,)
        if access.direction == NEW_ACCESS:
            tags += tuple(
                t for t in (PUBLIC, CROSS_ACCOUNT) if any(t in w.tags for w in access.witnesses)
            )
        severity = Severity.SECURITY_WARNING if len(tags) > 1 else Severity.WARNING
        category = tags[1] if len(tags) > 1 else tags[0]  # public before cross-account
        first = access.witnesses[0] if access.witnesses else None
        span = _span(change, first if access.direction == NEW_ACCESS else None)
        if access.direction == LOST_ACCESS and change.new is None and first is not None:
            span = first.span
        message = access.summary
        if not access.classified:
            message += " (whether it is public or cross-account is unknown)"
        findings.append(
            _finding(
                category,
                tags,
                severity,
                Status.WITNESSED,
                change,
                message,
                span,
                access.witnesses,
                access.accepted if access.fully_accepted else (),
                access.classified,
            )
        )
    parts = [a.summary for a in (gained, lost) if a.summary]
    if verdict is CompareVerdict.EQUIVALENT:
        parts = ["equivalent: the same requests are allowed"]
    summary = "; ".join(dict.fromkeys(parts))
    return ChangeResult(change, verdict, gained, lost, summary, tuple(findings), seconds, queries)


def _finding(
    category: str,
    tags: tuple[str, ...],
    severity: Severity,
    status: Status,
    change: PolicyChange,
    message: str,
    span: Span | None,
    witnesses: tuple[Witness, ...],
    accepted: tuple[Acceptance, ...],
    classified: bool = True,
) -> DiffFinding:
    possible: frozenset[str] | None = frozenset()
    if status is Status.UNKNOWN:
        possible = None
    elif not classified and NEW_ACCESS in tags:
        # Unclassified new access may be public or cross-account: the gate fails closed.
        possible = frozenset({PUBLIC, CROSS_ACCOUNT})
    return DiffFinding(
        category=category,
        tags=tags,
        severity=severity,
        status=status,
        policy=change.key,
        message=message,
        span=span,
        witnesses=witnesses,
        accepted=accepted,
        possible=possible,
    )


def _span(change: PolicyChange, witness: Witness | None) -> Span | None:
    if witness is not None and witness.span is not None:
        return witness.span
    for version in (change.new, change.old):
        if version is not None and version.policy is not None:
            return version.policy.span
    version = change.new or change.old
    if version is None:
        return None
    return Span(file=version.file, line=1, column=1, end_line=1, end_column=1)


def run_changes(changes: Sequence[PolicyChange], settings: DiffSettings) -> list[ChangeResult]:
    """Compare every change (in order); a change whose analysis fails is unknown, and the
    others are still compared."""
    return [_guarded(c, settings) for c in changes]


def _guarded(change: PolicyChange, settings: DiffSettings) -> ChangeResult:
    try:
        return analyse(change, settings)
    except Exception as exc:
        reason = f"internal error: {type(exc).__name__}: {exc} (please report this)"
        return _undecided(change, reason)


def _undecided(change: PolicyChange, reason: str) -> ChangeResult:
    unknown = Access(NEW_ACCESS, Outcome.UNKNOWN, reason=reason, summary=f"unknown: {reason}")
    lost = Access(LOST_ACCESS, Outcome.UNKNOWN, reason=reason, summary=unknown.summary)
    return _result(change, CompareVerdict.UNKNOWN, unknown, lost, 0.0, 0)
