"""`diff --format sarif`: one result per finding, at the head statement that grants the new
access (lost access: the head policy, or the base statement when the policy was deleted)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from policyreason import __version__
from policyreason.analysis.change import DiffFinding, DiffRun
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.report.diff_json import witness_json
from policyreason.report.json import TOOL_URI
from policyreason.report.sarif import SARIF_SCHEMA, SECURITY_SEVERITY, _location, level

_RULES = (
    ("new-access", Severity.WARNING, "The change grants access the base version did not."),
    (
        "public",
        Severity.SECURITY_WARNING,
        "The change grants new access to anonymous callers (anyone on the internet).",
    ),
    (
        "cross-account",
        Severity.SECURITY_WARNING,
        "The change grants new access to principals of another AWS account.",
    ),
    ("lost-access", Severity.WARNING, "The change takes away access the base version granted."),
    ("unknown", Severity.WARNING, "The comparison could not be decided (timeout or unsupported)."),
    ("input-error", Severity.ERROR, "The file could not be read; it was not compared."),
)


def render_diff_sarif(diff: DiffRun) -> str:
    """The run as a SARIF 2.1.0 log."""
    return json.dumps(diff_sarif(diff), indent=2, ensure_ascii=False) + "\n"


def diff_sarif(diff: DiffRun) -> dict[str, Any]:
    """The run as a SARIF log object."""
    index = {rule_id: i for i, (rule_id, _, _) in enumerate(_RULES)}
    results = [_result(f, index) for f in diff.findings]
    results += [
        {
            "ruleId": "input-error",
            "ruleIndex": index["input-error"],
            "level": "error",
            "message": {"text": f"{d.message} [{d.code}]"},
            "locations": [_location(d.span)],
        }
        for d in diff.errors
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "policyreason-diff",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": [_rule(*rule) for rule in _RULES],
            }
        },
        "invocations": [{"executionSuccessful": not diff.errors, "exitCode": diff.exit_code}],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule_id: str, severity: Severity, text: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": ["iam", "policy", "change"], "precision": "very-high"}
    if severity is Severity.SECURITY_WARNING:
        properties["tags"].append("security")
        properties["security-severity"] = SECURITY_SEVERITY
    return {
        "id": rule_id,
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": level(severity)},
        "properties": properties,
    }


def _result(finding: DiffFinding, index: dict[str, int]) -> dict[str, Any]:
    lines = [finding.message]
    lines += [f"witness: {json.dumps(w.request.to_json())}" for w in finding.witnesses[:3]]
    lines += [f"accepted: {a.reason}" for a in finding.accepted]
    span = finding.span or Span(file=finding.policy, line=0, column=0, end_line=0, end_column=0)
    actions = sorted({w.request.action for w in finding.witnesses})
    fingerprint = hashlib.sha256(
        "\x1f".join([finding.policy, finding.category, *actions]).encode()
    ).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": finding.category,
        "ruleIndex": index[finding.category],
        "level": level(finding.severity),
        "message": {"text": "\n".join(lines)},
        "locations": [_location(span)],
        "partialFingerprints": {"policyreason-diff/v1": fingerprint},
        "properties": {
            "policy": finding.policy,
            "tags": list(finding.tags),
            "status": finding.status.value,
            "failing": finding.failing,
            "witnesses": [witness_json(w) for w in finding.witnesses],
        },
    }
    if finding.accepted:
        result["suppressions"] = [
            {"kind": "external", "justification": a.reason} for a in finding.accepted
        ]
    return result
