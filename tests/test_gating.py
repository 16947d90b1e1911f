"""The one gate of check, diff and reach: each verb's findings fail exactly when its own rule
said they did (check: severity threshold and unknown policy; diff: categories, accepted
changes and unclassified new access; reach: anything but a proof), and the exit code follows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.analysis.change import CATEGORIES, CROSS_ACCOUNT, NEW_ACCESS, PUBLIC, UNKNOWN
from policyreason.analysis.findings import Severity, Status
from policyreason.analysis.network.exposures import Exposure, ExposureResult
from policyreason.analysis.network.reach import ReachResult
from policyreason.analysis.network.trace import Disposition, PathWitness, Trace
from policyreason.gating import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Gated,
    GateSettings,
    Screening,
    baseline_state,
    fails,
    verdict,
)
from policyreason.ir.answer import Answer, Proof
from policyreason.ir.network import Packet
from policyreason.pipeline.reach import judge
from policyreason.report.findings import of_exposures, of_reach

severities = st.sampled_from(list(Severity))
statuses = st.sampled_from(list(Status))
policies = st.sampled_from(["fail", "pass"])


@given(severities, statuses, st.sampled_from([None, "new", "unchanged"]), severities, policies)
def test_check_findings_fail_at_or_above_the_threshold(
    severity: Severity,
    status: Status,
    baseline: str | None,
    fail_on: Severity,
    unknown: str,
) -> None:
    finding = Gated((f"PR{severity.rank}",), severity, status, baseline=baseline)  # type: ignore[arg-type]
    expected = (
        baseline != "unchanged"
        and severity.rank >= fail_on.rank
        and (status is not Status.UNKNOWN or unknown == "fail")
    )
    assert fails(finding, GateSettings(fail_on=fail_on, unknown=unknown)) is expected


@given(
    st.sampled_from([NEW_ACCESS, "lost-access", UNKNOWN]),
    st.sets(st.sampled_from([PUBLIC, CROSS_ACCOUNT])),
    st.booleans(),
    st.booleans(),
    st.sets(st.sampled_from(CATEGORIES)),
    policies,
)
def test_diff_findings_fail_on_their_categories_and_fail_closed(
    direction: str,
    reach: set[str],
    classified: bool,
    accepted: bool,
    fail_on: set[str],
    unknown: str,
) -> None:
    undecided = direction == UNKNOWN
    tags = (direction, *sorted(reach)) if direction == NEW_ACCESS else (direction,)
    possible: frozenset[str] | None = frozenset()
    if undecided:
        possible = None
    elif not classified and direction == NEW_ACCESS:
        possible = frozenset({PUBLIC, CROSS_ACCOUNT})
    finding = Gated(
        tags,
        Severity.WARNING,
        Status.UNKNOWN if undecided else Status.WITNESSED,
        possible=possible,
        accepted=accepted and not undecided,
    )
    # The rule `diff` applied before the gate was shared.
    if accepted and not undecided:
        expected = False
    elif undecided:
        expected = unknown == "fail"
    else:
        expected = bool(set(tags) & fail_on)
        if not classified and direction == NEW_ACCESS and fail_on & {PUBLIC, CROSS_ACCOUNT}:
            expected = expected or unknown == "fail"
    assert fails(finding, GateSettings(fail_on=frozenset(fail_on), unknown=unknown)) is expected


answers = st.sampled_from(["witnessed", "proven", "unknown", "error"])
_PATH = PathWitness(
    "internet", Packet(src=1, dst=2, protocol=6), Trace((), Disposition.DELIVERED), None
)


def _answer(kind: str, witness: object) -> Answer[Any]:
    if kind == "witnessed":
        return Answer.witnessed([witness])
    if kind == "proven":
        return Answer.proven(Proof())
    return Answer.unknown("undecided") if kind == "unknown" else Answer.error("failed")


@settings(deadline=None)  # the first example loads the rule catalogue
@given(answers, st.integers(0, 2), st.integers(0, 2), st.integers(0, 2))
def test_exposures_pass_only_on_a_proof(
    kind: str, possible: int, undecided: int, errors: int
) -> None:
    exposure = Exposure("i-x", "eni-x", "tcp", ((22, 22),), _PATH)
    exp = ExposureResult(
        answer=_answer(kind, exposure),
        possible=(exposure,) * possible,
        unknown=(("i-x", "why"),) * undecided,
    )
    code = judge(exp, of_exposures(exp), errors, Screening()).exit_code
    # `reach` fails on anything but a proof that leaves nothing undecided.
    proven = kind == "proven" and not possible and not undecided
    assert code == (2 if errors else 0 if proven else 1)


@settings(deadline=None)  # the first example may load the rule catalogue
@given(answers, st.integers(0, 2))
def test_a_path_passes_only_when_proven_blocked(kind: str, errors: int) -> None:
    result = ReachResult(answer=_answer(kind, _PATH))
    finding = of_reach(result, "internet", "i-x")
    assert finding.rule_id == ("NET003" if kind == "proven" else "NET002")
    code = judge(result, [finding], errors, Screening()).exit_code
    assert code == (2 if errors else 0 if kind == "proven" else 1)


def test_exit_codes_and_expired_suppressions() -> None:
    gate = GateSettings(fail_on=Severity.ERROR)
    quiet = [Gated(("PR1",), Severity.WARNING, Status.SYNTACTIC)]
    assert verdict(quiet, gate).exit_code == EXIT_OK
    assert verdict(quiet, gate, expired=1).count == 1
    assert verdict(quiet, gate, expired=1).exit_code == EXIT_FINDINGS
    loud = [*quiet, Gated(("PR2",), Severity.ERROR, Status.WITNESSED)]
    assert verdict(loud, gate).failing == (False, True)
    assert verdict(loud, gate, errors=1).exit_code == EXIT_ERROR
    assert verdict(loud, gate, errors=1, interrupted=True).exit_code == EXIT_INTERRUPTED


def test_a_baseline_entry_covers_one_finding() -> None:
    remaining = Counter({"fp": 1})
    assert [baseline_state(remaining, "fp") for _ in range(2)] == ["unchanged", "new"]
    assert baseline_state(None, "fp") is None


@given(
    st.lists(st.tuples(st.sampled_from(["PR1", "public", "NET001"]), st.sampled_from("abc"))),
    st.one_of(st.none(), st.dictionaries(st.sampled_from("abc"), st.integers(1, 3))),
    st.sets(st.sampled_from(["PR1", "PUBLIC", "NET001"])),
)
def test_screening_drops_the_suppressed_and_uses_each_baselined_fingerprint_once(
    items: list[tuple[str, str]], baseline: dict[str, int] | None, suppressed_rules: set[str]
) -> None:
    from policyreason.config import Suppression
    from policyreason.gating import Place, screen
    from policyreason.ir.span import Span

    span = Span(file="a.json", line=1, column=1, end_line=1, end_column=2)
    suppressions = tuple(
        Suppression(paths=("*",), rules=(rule,), reason="r") for rule in sorted(suppressed_rules)
    )
    screening = Screening(suppressions, baseline=None if baseline is None else Counter(baseline))
    screened = screen(items, lambda i: Place(i[0], span, i[1]), screening)
    kept = [item for item, _ in screened.kept]
    # Rule ids match in any case, as the configuration reads them.
    assert kept == [i for i in items if i[0].upper() not in suppressed_rules]
    assert screened.suppressed == len(items) - len(kept)
    states = [state for _, state in screened.kept]
    if baseline is None:
        assert set(states) <= {None}
        return
    for fingerprint in "abc":
        mine = [state for (_, fp), state in screened.kept if fp == fingerprint]
        held = min(baseline.get(fingerprint, 0), len(mine))
        assert mine == ["unchanged"] * held + ["new"] * (len(mine) - held)
