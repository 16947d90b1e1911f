"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Every rule of the registry is listed in `tool.driver.rules`, with its documentation (examples
included) as help and its IAM Access Analyzer code as a property; results point at the exact
region in the user's file (relative URI under %SRCROOT%), and a result backed by a witness
request shows that request in its message, which is what code scanning displays. Input errors
are reported twice on purpose: as tool execution notifications (what SARIF means by them) and
as results of the grammar rule they break (or `input-error`), because code scanning only shows
results. The service reference's date is a property of the run.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from policyreason import __version__
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.report import Report, ReportedFinding, RuleInfo
from policyreason.report.json import TOOL_URI

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INPUT_ERROR_RULE = "input-error"
_LEVELS = {
    Severity.ERROR: "error",
    Severity.SECURITY_WARNING: "error",
    Severity.WARNING: "warning",
    Severity.SUGGESTION: "note",
}
# GitHub maps security-severity to critical (>= 9), high (>= 7), medium (>= 4), low.
SECURITY_SEVERITY = "7.5"


def level(severity: Severity) -> str:
    """The SARIF level of a severity."""
    return _LEVELS[severity]


def render_sarif(report: Report) -> str:
    """The report as a SARIF 2.1.0 log."""
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF log object."""
    rules = list(report.rules)
    if any(d.rule_id is None for d in report.errors):
        rules.append(
            RuleInfo(
                id=INPUT_ERROR_RULE,
                title="Input could not be read",
                help="The file is not valid JSON/YAML, not a well-formed policy, or could not "
                "be read; it was not analysed.",
                severity=Severity.ERROR,
            )
        )
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [_result(item, index) for item in report.findings]
    results += [_error_result(d, index) for d in report.errors]
    notifications = [_notification(d) for d in report.errors]
    notifications += [
        {"level": "error", "message": {"text": f"expired suppression: {text}"}}
        for text in report.expired_suppressions
    ]
    for entry in report.files:
        notifications += [_notification(d) for d in entry.warnings]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "policyreason",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "exitCode": report.gate.exit_code,
                "toolExecutionNotifications": notifications,
            }
        ],
        "artifacts": [{"location": _artifact(f.path)} for f in report.files],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"serviceReference": report.service_reference},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule: RuleInfo) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": ["iam", "policy"], "precision": "very-high"}
    if rule.severity is Severity.SECURITY_WARNING:
        properties["tags"] = ["iam", "policy", "security"]
        properties["security-severity"] = SECURITY_SEVERITY
    if rule.aa_code:
        properties["aaCode"] = rule.aa_code
    properties["evidence"] = rule.evidence
    return {
        "id": rule.id,
        "name": _pascal(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary or rule.title},
        "help": {"text": rule.help, "markdown": rule.help},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": properties,
    }


def _result(item: ReportedFinding, index: dict[str, int]) -> dict[str, Any]:
    f = item.finding
    text = f.message
    if f.witness:
        text += f"\nWitness request: {witness_line(f.witness)}"
    if f.fix:
        text += f"\nFix: {f.fix}"
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": {"text": text},
        "locations": [_location(f.span)],
        "partialFingerprints": {"policyreason/v1": item.fingerprint},
        "properties": {"status": f.status.value, "document": item.document},
    }
    if f.aa_code:
        result["properties"]["aaCode"] = f.aa_code
    if f.rule_id in index:
        result["ruleIndex"] = index[f.rule_id]
    if item.baseline is not None:
        result["baselineState"] = item.baseline
    if f.witness is not None:
        result["properties"]["witness"] = f.witness
    return result


def _error_result(d: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    rule = d.rule_id if d.rule_id in index else INPUT_ERROR_RULE
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": "error",
        "message": {"text": f"{d.message} [{d.code}]"},
        "locations": [_location(d.span)],
    }
    if d.aa_code:
        result["properties"] = {"aaCode": d.aa_code}
    return result


def witness_line(witness: dict[str, Any]) -> str:
    """A witness request on one line: who does what to which resource, in which context."""
    who = witness.get("principal") or "anyone (anonymous)"
    line = f"{who} calls {witness.get('action')} on {witness.get('resource')}"
    context = witness.get("context") or {}
    if context:
        pairs = ", ".join(
            f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in context.items()
        )
        line += f" with {pairs}"
    return line


def _notification(d: Diagnostic) -> dict[str, Any]:
    return {
        "level": d.level.value,
        "message": {"text": d.message},
        "descriptor": {"id": d.code},
        "locations": [_location(d.span)],
    }


def _location(span: Span) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(span.file)}
    if span.line >= 1:
        region: dict[str, int] = {"startLine": span.line, "startColumn": max(span.column, 1)}
        end_line = max(span.end_line, span.line)
        end_column = span.end_column
        if end_line == span.line and end_column <= region["startColumn"]:
            end_column = region["startColumn"] + 1
        region["endLine"] = end_line
        region["endColumn"] = max(end_column, 1)
        physical["region"] = region
    return {"physicalLocation": physical}


def _artifact(path: str) -> dict[str, str]:
    posix = PurePath(path).as_posix()
    if PurePath(path).is_absolute():
        # Outside the checkout: no base to be relative to.
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(posix), "uriBaseId": "%SRCROOT%"}


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"
