"""Every rule documents itself: a failing and a passing example in its docstring, both run
through the reader and the rule here; and every IAM Access Analyzer code is either some rule's
`aa_code` or listed with the reason it is not checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyreason.checks import CheckInfo, Evidence, Family, all_checks, all_rules, find_rules
from policyreason.checks.aa_reference import NOT_CHECKED, REFERENCE, reference_check
from policyreason.checks.rule_docs import Example, pages, parse_doc, rules_reported
from policyreason.ir.severity import Severity

RULES = all_checks()
EXAMPLES = [
    (info, example)
    for info in RULES
    for example in parse_doc(info.doc).examples
    if info.evidence is not Evidence.WITNESS or info.id != "PR602"
] + [(info, ex) for info in RULES if info.id == "PR602" for ex in parse_doc(info.doc).examples]


def _id(case: tuple[CheckInfo, Example]) -> str:
    info, example = case
    return f"{info.id}-{'fails' if example.fails else 'passes'}"


@pytest.mark.parametrize("info", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_a_failing_and_a_passing_example(info: CheckInfo) -> None:
    doc = parse_doc(info.doc)
    assert doc.summary, info.id
    assert any(e.fails for e in doc.examples), f"{info.id} has no failing example"
    assert any(not e.fails for e in doc.examples), f"{info.id} has no passing example"


@pytest.mark.parametrize("case", EXAMPLES, ids=[_id(c) for c in EXAMPLES])
def test_examples_do_what_they_say(case: tuple[CheckInfo, Example]) -> None:
    info, example = case
    reported = rules_reported(info, example)
    if example.fails:
        assert info.id in reported, f"{info.id} does not fire on its failing example"
    else:
        assert info.id not in reported, f"{info.id} fires on its passing example"
        assert not any(r.startswith("PR0") for r in reported), (
            f"the passing example of {info.id} is not a valid policy: {reported}"
        )


def test_every_access_analyzer_code_is_implemented_or_explained() -> None:
    codes = {c.code for c in REFERENCE}
    implemented = {info.aa_code for info in RULES if info.aa_code is not None}
    assert implemented <= codes, implemented - codes
    assert set(NOT_CHECKED) <= codes
    assert implemented.isdisjoint(NOT_CHECKED), implemented & set(NOT_CHECKED)
    assert implemented | set(NOT_CHECKED) == codes, codes - implemented - set(NOT_CHECKED)
    assert len(codes) == len(REFERENCE) >= 130
    assert all(reason.strip() for reason in NOT_CHECKED.values())


def test_severities_follow_access_analyzer_or_say_why_not() -> None:
    for info in RULES:
        if info.aa_code is None:
            continue
        entry = reference_check(info.aa_code)
        assert entry is not None, info.id
        if info.severity is not entry.severity:
            assert "Access Analyzer" in info.doc, (
                f"{info.id} is {info.severity} where AWS says {entry.severity}; the docstring "
                "must say why"
            )


def test_rules_are_found_by_id_and_by_access_analyzer_code() -> None:
    assert [r.id for r in find_rules("pr601")] == ["PR601"]
    by_code = find_rules("equivalent_to_null_false")
    assert by_code and all(r.aa_code == "EQUIVALENT_TO_NULL_FALSE" for r in by_code)
    assert find_rules("NO_SUCH_RULE") == []


def test_metadata_is_complete() -> None:
    for info in RULES:
        assert info.title and info.fix and info.severity in Severity, info.id
        assert (info.function is None) == (info.evidence is Evidence.PARSER), info.id
        if info.function is None:
            assert info.diagnostics, info.id


def test_docs_rules_are_generated_from_the_docstrings() -> None:
    folder = Path(__file__).resolve().parent.parent / "docs" / "rules"
    wanted = pages()
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    stale = sorted(set(committed) ^ set(wanted))
    assert not stale, f"docs/rules/ out of date ({stale[:5]}): run python scripts/gen_rule_docs.py"
    changed = sorted(name for name in wanted if committed[name] != wanted[name])
    assert not changed, f"docs/rules/ out of date ({changed[:5]}): run scripts/gen_rule_docs.py"


def test_every_family_is_in_the_one_catalogue() -> None:
    from policyreason.analysis.change import CATEGORIES, UNKNOWN

    change = {r.id for r in all_rules(Family.CHANGE)}
    assert change == {*CATEGORIES, UNKNOWN}
    assert {r.id for r in all_rules(Family.NETWORK)} == {"NET001", "NET002", "NET003"}
    everything = all_rules()
    assert len({r.id for r in everything}) == len(everything)
    assert [r for r in everything if r.family is Family.LINT] == RULES
    for info in everything:
        assert info.title and info.fix and parse_doc(info.doc).summary, info.id
        if info.family is not Family.LINT:
            assert info.function is None and info.evidence is not Evidence.PARSER, info.id


def test_rules_of_diff_and_reach_are_found_only_when_asked_for() -> None:
    assert [r.id for r in find_rules("NEW-ACCESS", family=None)] == ["new-access"]
    assert [r.id for r in find_rules("net003", family=None)] == ["NET003"]
    # Inline suppressions in a policy name rules of `check` only.
    assert find_rules("new-access") == []


@pytest.mark.parametrize("name", ["new-access", "cross-account", "NET001", "net002"])
def test_explain_shows_rules_of_every_verb(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    from policyreason.cli import main

    assert main(["explain", name]) == 0
    page = capsys.readouterr().out
    assert page.startswith(f"# {find_rules(name, family=None)[0].id}: ")
    assert "| Reported by |" in page and "**Fix:**" in page
