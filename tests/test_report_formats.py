"""Reporters: SARIF 2.1.0 structure, the JSON schema's stability, text and markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.analysis.findings import Finding, Status
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.report import FileEntry, Gate, Report, ReportedFinding, RuleInfo, render
from policyreason.report.json import to_json
from policyreason.report.sarif import to_sarif


def _span(line: int, column: int = 5, file: str = "policies/bucket.json") -> Span:
    return Span(file=file, line=line, column=column, end_line=line, end_column=column + 10)


RULES = (
    RuleInfo(
        id="PR501", title="Public access", help="Anyone can.", severity=Severity.SECURITY_WARNING
    ),
    RuleInfo(id="PR208", title="Service wildcard", help="All of s3.", severity=Severity.WARNING),
    RuleInfo(id="PR101", title="Bad action", help="Typo.", severity=Severity.ERROR),
    RuleInfo(id="PR301", title="Prefer lists", help="Style.", severity=Severity.SUGGESTION),
)


def _finding(rule: RuleInfo, line: int, **extra: Any) -> ReportedFinding:
    finding = Finding(
        rule_id=rule.id,
        severity=rule.severity,
        title=rule.title,
        message=f"{rule.title} at line {line}",
        span=_span(line),
        fix="do better",
        **extra,
    )
    return ReportedFinding(finding=finding, document="bucket", fingerprint=f"fp{line}")


@pytest.fixture
def report() -> Report:
    findings = (
        _finding(
            RULES[0],
            7,
            status=Status.WITNESSED,
            witness={"principal": "anonymous", "action": "s3:GetObject"},
        ),
        _finding(RULES[1], 9),
        _finding(RULES[2], 11),
        _finding(RULES[3], 12),
    )
    error = Diagnostic(
        code="syntax", level=Level.ERROR, message="invalid JSON", span=_span(3, 1, "bad.json")
    )
    warning = Diagnostic(
        code="cfn-unresolved", level=Level.WARNING, message="any value", span=_span(4, 2, "t.yaml")
    )
    return Report(
        files=(
            FileEntry(
                path="policies/bucket.json",
                input_type="policy",
                documents=(("bucket", "resource"),),
            ),
            FileEntry(path="bad.json", input_type=None, documents=()),
            FileEntry(
                path="t.yaml", input_type="cloudformation", documents=(), warnings=(warning,)
            ),
        ),
        findings=findings,
        errors=(error,),
        rules=RULES,
        suppressed=1,
        gate=Gate(fail_on=Severity.SECURITY_WARNING, unknown="fail", failing=2, exit_code=2),
    )


def _validate_sarif(log: dict[str, Any]) -> None:
    # The subset of the SARIF 2.1.0 schema that GitHub code scanning requires.
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str)
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids))
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"]
            assert rule["help"]["text"]
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note", "none")
        for result in run["results"]:
            assert result["ruleId"] in ids
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["level"] in ("error", "warning", "note", "none")
            assert result["message"]["text"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert not uri.startswith("/") and "://" not in uri
                region = physical["region"]
                assert region["startLine"] >= 1 and region["startColumn"] >= 1
                assert (region["endLine"], region["endColumn"]) > (
                    region["startLine"],
                    region["startColumn"],
                )


def test_sarif_is_valid_for_code_scanning(report: Report) -> None:
    log = to_sarif(report)
    _validate_sarif(log)
    json.loads(render(report, "sarif"))


def test_sarif_rules_levels_and_security_severity(report: Report) -> None:
    rules = {r["id"]: r for r in to_sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["PR501"]["defaultConfiguration"]["level"] == "error"
    assert float(rules["PR501"]["properties"]["security-severity"]) >= 7.0
    assert rules["PR208"]["defaultConfiguration"]["level"] == "warning"
    assert "security-severity" not in rules["PR208"]["properties"]
    assert rules["PR101"]["defaultConfiguration"]["level"] == "error"
    assert rules["PR301"]["defaultConfiguration"]["level"] == "note"


def test_sarif_results_regions_and_input_errors(report: Report) -> None:
    run = to_sarif(report)["runs"][0]
    first = run["results"][0]
    assert first["ruleId"] == "PR501"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "policies/bucket.json",
        "uriBaseId": "%SRCROOT%",
    }
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 5,
        "endLine": 7,
        "endColumn": 15,
    }
    assert first["partialFingerprints"]["policyreason/v1"] == "fp7"
    assert first["properties"]["witness"]["principal"] == "anonymous"
    errors = [r for r in run["results"] if r["ruleId"] == "input-error"]
    assert len(errors) == 1 and errors[0]["level"] == "error"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = {n["level"] for n in invocation["toolExecutionNotifications"]}
    assert levels == {"error", "warning"}


def test_sarif_baseline_state(report: Report) -> None:
    item = report.findings[0].model_copy(update={"baseline": "unchanged"})
    log = to_sarif(report.model_copy(update={"findings": (item,)}))
    assert log["runs"][0]["results"][0]["baselineState"] == "unchanged"


def test_json_schema_is_stable(report: Report) -> None:
    data = to_json(report)
    assert data["schema_version"] == 1
    assert list(data) == [
        "schema_version",
        "tool",
        "service_reference",
        "files",
        "findings",
        "errors",
        "expired_suppressions",
        "unchecked",
        "summary",
    ]
    assert list(data["tool"]) == ["name", "version", "uri"]
    assert list(data["files"][0]) == ["path", "input_type", "documents", "notes", "warnings"]
    assert list(data["findings"][0]) == [
        "rule_id",
        "aa_code",
        "severity",
        "status",
        "title",
        "message",
        "location",
        "document",
        "sid",
        "fix",
        "witness",
        "details",
        "fingerprint",
        "baseline",
    ]
    assert list(data["findings"][0]["location"]) == [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
    ]
    assert list(data["errors"][0]) == [
        "code",
        "rule_id",
        "aa_code",
        "level",
        "message",
        "location",
    ]
    assert set(data["summary"]) == {
        "files",
        "documents",
        "findings",
        "skipped",
        "by_severity",
        "by_status",
        "new",
        "unchanged",
        "suppressed",
        "expired_suppressions",
        "errors",
        "warnings",
        "fail_on",
        "unknown",
        "failing",
        "exit_code",
        "interrupted",
    }
    assert data["summary"]["by_severity"] == {
        "ERROR": 1,
        "SECURITY_WARNING": 1,
        "WARNING": 1,
        "SUGGESTION": 1,
    }
    # Deterministic: the same report renders to the same bytes.
    assert render(report, "json") == render(report, "json")


def test_json_schema_is_documented(report: Report) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "json-schema.md").read_text()
    data = to_json(report)
    keys = set(data) | set(data["findings"][0]) | set(data["summary"]) | set(data["files"][0])
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing


def test_text_report_groups_by_file_and_summarises(report: Report) -> None:
    text = render(report, "text", width=200)
    assert text.index("policies/bucket.json") < text.index("7:5 SECURITY_WARNING PR501")
    assert "bad.json:3:1: error: invalid JSON [syntax]" in text
    assert "principal" in text and "anonymous" in text  # the witness table
    assert "4 finding(s)" in text and "1 suppressed" in text and "gate error" in text
    assert "\x1b[" not in text
    assert "\x1b[" in render(report, "text", color=True)


def test_markdown_report(report: Report) -> None:
    text = render(report, "markdown")
    assert text.startswith("### policyreason: gate could not run")
    assert "| :rotating_light: SECURITY_WARNING | `PR501` | `policies/bucket.json:7:5` |" in text
    assert "#### Input errors" in text
    unchanged = tuple(f.model_copy(update={"baseline": "unchanged"}) for f in report.findings)
    quiet = render(report.model_copy(update={"findings": unchanged, "errors": ()}), "markdown")
    assert "| Rule |" not in quiet
