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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

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


def _in_scope(
    severity: Severity, tags: tuple[str, ...], fail_on: Severity | frozenset[str]
) -> bool:
    if isinstance(fail_on, Severity):
        return severity.rank >= fail_on.rank
    return not fail_on.isdisjoint(tags)
