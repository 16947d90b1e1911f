"""The one gate of `check`, `diff` and `reach`: which findings fail a run, and its exit code.

A finding fails when it is in the gate's scope (at or above the `fail-on` severity, or of a
rule or category `fail-on` names), is neither accepted nor already in the baseline, and is
decided; an undecided finding (status unknown, or new access that may be public) fails when
it may be in scope and the unknown policy is `fail` (fail closed). Suppressions drop a finding
before the gate sees it; an expired suppression fails the run on its own.

Exit codes: 0 nothing failing, 1 failing findings, 2 an input or usage error (which wins over 1:
a file that could not be read was not checked), 130 interrupted.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from policyreason.analysis.findings import Status
from policyreason.ir.answer import Status as AnswerStatus
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span

if TYPE_CHECKING:
    from policyreason.config import Suppression

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

BaselineState = Literal["new", "unchanged"]
T = TypeVar("T")


@dataclass(frozen=True)
class GateSettings:
    """What fails: findings at or above a severity (check), or of these rules and categories
    (diff: public, cross-account...; reach: NET001, NET002); and whether unknown answers do."""

    fail_on: Severity | frozenset[str]
    unknown: str = "fail"  # or "pass"


@dataclass(frozen=True)
class Gated:
    """What the gate reads of a finding. `tags` are the rules and categories it belongs to
    (its rule id first); `possible` those it may also belong to though the analysis could not
    decide (None: any); `accepted` a reviewed finding (an accepted change); `baseline` its
    state against the baseline (None without one)."""

    tags: tuple[str, ...]
    severity: Severity
    status: Status | AnswerStatus
    possible: frozenset[str] | None = frozenset()
    accepted: bool = False
    baseline: BaselineState | None = None


@dataclass(frozen=True)
class Verdict:
    """The gate's decision: which findings fail (in the order given), how many things fail
    the run (failing findings and expired suppressions), and the exit code."""

    failing: tuple[bool, ...]
    count: int
    exit_code: int


def fails(finding: Gated, settings: GateSettings) -> bool:
    """True when the finding fails the gate."""
    if finding.accepted or finding.baseline == "unchanged":
        return False
    in_scope = _in_scope(finding.severity, finding.tags, settings.fail_on)
    # The finding's status and the answer's are both string enums: compared by value.
    undecided = finding.status == Status.UNKNOWN
    if not undecided and in_scope:
        return True
    if settings.unknown != "fail":
        return False
    if finding.possible is None:
        return True
    may_be = bool(finding.possible) and _in_scope(
        finding.severity, tuple(finding.possible), settings.fail_on
    )
    return (undecided and in_scope) or may_be


def verdict(
    findings: Sequence[Gated],
    settings: GateSettings,
    *,
    errors: int = 0,
    expired: int = 0,
    interrupted: bool = False,
) -> Verdict:
    """Judge every finding; `errors` input errors, `expired` expired suppressions (each
    fails the run), `interrupted` a run cut short (its exit code says so)."""
    failing = tuple(fails(f, settings) for f in findings)
    count = sum(failing) + expired
    return Verdict(failing, count, exit_code(count, errors, interrupted))


def exit_code(failing: int, errors: int, interrupted: bool = False) -> int:
    """The exit code of a run with this many failing things and input errors."""
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_ERROR if errors else EXIT_FINDINGS if failing else EXIT_OK


def suppressed(
    path: str,
    rule_id: str,
    aa_code: str | None,
    sid: str | None,
    span: Span,
    suppressions: Sequence[Suppression],
) -> bool:
    """True when one of the suppressions covers a finding of `rule_id` at `span` in `path`
    (relative to the configuration's folder, with `/`)."""
    return any(s.matches(path, rule_id, aa_code, sid) and s.covers(span) for s in suppressions)


def baseline_state(remaining: Counter[str] | None, fingerprint: str) -> BaselineState | None:
    """`unchanged` when the baseline still holds a finding with this fingerprint (it is used
    up), `new` when not, None without a baseline."""
    if remaining is None:
        return None
    state: BaselineState = "unchanged" if remaining[fingerprint] > 0 else "new"
    remaining[fingerprint] -= 1
    return state


@dataclass(frozen=True)
class Place:
    """A finding as suppressions and baselines name it: its rule (and Access Analyzer code),
    its span, its statement's Sid and its fingerprint."""

    rule_id: str
    span: Span
    fingerprint: str
    aa_code: str | None = None
    sid: str | None = None


@dataclass(frozen=True)
class Screening:
    """What a run screens its findings with before the gate judges them: the suppressions in
    force (expired ones are kept apart, each fails the run) and the baseline's fingerprints
    (None without a baseline); suppressions name files relative to `root`, the
    configuration's folder (None: the working folder)."""

    suppressions: tuple[Suppression, ...] = ()
    expired: tuple[Suppression, ...] = ()
    baseline: Counter[str] | None = field(default=None, compare=False)
    root: Path | None = None
    today: datetime.date = field(default_factory=datetime.date.today)

    @classmethod
    def of(
        cls,
        suppressions: Sequence[Suppression],
        today: datetime.date,
        baseline: Counter[str] | None = None,
        root: Path | None = None,
    ) -> Screening:
        """Split `suppressions` into those in force and those past their date."""
        expired = tuple(s for s in suppressions if s.expired(today))
        live = tuple(s for s in suppressions if s not in expired)
        return cls(live, expired, baseline, root, today)

    def adding(self, suppressions: Sequence[Suppression]) -> Screening:
        """This screening with more suppressions (those written in templates)."""
        more = Screening.of(suppressions, self.today)
        return replace(
            self,
            suppressions=(*self.suppressions, *more.suppressions),
            expired=(*self.expired, *more.expired),
        )


@dataclass(frozen=True)
class Screened(Generic[T]):
    """The findings a screening kept, in their order, each with its baseline state, and how
    many suppressions dropped."""

    kept: tuple[tuple[T, BaselineState | None], ...]
    suppressed: int


def screen(items: Sequence[T], place: Callable[[T], Place], screening: Screening) -> Screened[T]:
    """Drop the suppressed findings and mark each other one new or unchanged against the
    baseline (each baselined fingerprint covers as many findings as it occurs)."""
    remaining = Counter(screening.baseline) if screening.baseline is not None else None
    kept: list[tuple[T, BaselineState | None]] = []
    dropped = 0
    paths: dict[str, str] = {}  # a file's findings come together, thousands in a batch
    for item in items:
        where = place(item)
        path = paths.get(where.span.file)
        if path is None:
            path = paths[where.span.file] = relative_path(where.span.file, screening.root)
        # The configuration reads rule ids in upper case (`new-access` as NEW-ACCESS).
        rule_id = where.rule_id.upper()
        if suppressed(path, rule_id, where.aa_code, where.sid, where.span, screening.suppressions):
            dropped += 1
            continue
        kept.append((item, baseline_state(remaining, where.fingerprint)))
    return Screened(tuple(kept), dropped)


def relative_path(file: str, root: Path | None) -> str:
    """`file` relative to `root` (the configuration's folder) with `/`, as globs see it."""
    if root is None:
        return Path(file).as_posix()
    try:
        return Path(file).absolute().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(file).as_posix()


def naming(suppressions: Sequence[Suppression], rule_ids: set[str]) -> list[Suppression]:
    """The suppressions that name one of these rules: `diff` and `reach` apply only those, so
    a suppression written for `check` (or for every rule) never hides a change or a path."""
    wanted = {r.upper() for r in rule_ids}
    return [s for s in suppressions if not wanted.isdisjoint(s.rules)]


def _in_scope(
    severity: Severity, tags: tuple[str, ...], fail_on: Severity | frozenset[str]
) -> bool:
    if isinstance(fail_on, Severity):
        return severity.rank >= fail_on.rank
    return not fail_on.isdisjoint(tags)
