"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: the one writer of `check`,
`diff` and `reach`.

Every log has the same shape: the verb's rules from the catalogue in `tool.driver.rules` (with
their documentation as help, IAM Access Analyzer's code and the kind of evidence as
properties), an invocation with the exit code, and one result per finding. Every location
follows one convention: the artifact's URI relative to the run's root (`%SRCROOT%`, the working
folder; a file outside it gets a file:// URI) and a 1-based region (startLine, startColumn,
exclusive end); a network finding is located at the line of the export (or network
description) that holds the deciding component, named as a logical location. A result backed
by a witness shows it in its message, which is what code scanning displays. Input errors are
reported twice on purpose: as tool execution notifications (what SARIF means by them) and as
results of the grammar rule they break (or `input-error`), because code scanning only shows
results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from policyreason import __version__
from policyreason.checks import Family
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.report import ReachReport, Report, RuleInfo
from policyreason.report.findings import (
    Proven,
    Undecided,
    VerbFinding,
    WitnessPacket,
    WitnessRequests,
    of_check,
    of_diff,
)
from policyreason.report.json import TOOL_URI
from policyreason.report.json_text import indented
from policyreason.report.rules import rule_infos

if TYPE_CHECKING:
    from policyreason.analysis.change import DiffRun

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
_TAGS = {
    Family.LINT.value: ["iam", "policy"],
    Family.CHANGE.value: ["iam", "policy", "change"],
    Family.NETWORK.value: ["network"],
}
# Each verb's fingerprints are its own; the version changes with their meaning.
_FINGERPRINTS = {
    Family.LINT: "policyreason/v1",
    Family.CHANGE: "policyreason-diff/v2",
    Family.NETWORK: "policyreason-reach/v1",
}
# Code scanning keeps alerts per tool name: the change gate's alerts stay its own.
_TOOL = {Family.LINT: "policyreason", Family.CHANGE: "policyreason-diff"}
_INPUT_ERROR = RuleInfo(
    id=INPUT_ERROR_RULE,
    title="Input could not be read",
    help="The file is not valid JSON/YAML, not a well-formed policy, or could not be read; it "
    "was not analysed.",
    severity=Severity.ERROR,
)


def level(severity: Severity) -> str:
    """The SARIF level of a severity."""
    return _LEVELS[severity]


def dumps(log: dict[str, Any]) -> str:
    """A SARIF log as text."""
    return indented(log) + "\n"


# --- check ---------------------------------------------------------------------------------


def render_sarif(report: Report) -> str:
    """The report of `check` as a SARIF 2.1.0 log."""
    return dumps(to_sarif(report))


def to_sarif(report: Report) -> dict[str, Any]:
    """The report of `check` as a SARIF log object."""
    rules = list(report.rules)
    if any(d.rule_id is None for d in report.errors):
        rules.append(_INPUT_ERROR)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [_finding_result(of_check(item), Family.LINT, index) for item in report.findings]
    results += [_error_result(d, index) for d in report.errors]
    notifications = [_notification(d) for d in report.errors]
    notifications += [
        {"level": "error", "message": {"text": f"expired suppression: {text}"}}
        for text in report.expired_suppressions
    ]
    for entry in report.files:
        notifications += [_notification(d) for d in entry.warnings]
    return _log(
        Family.LINT,
        rules,
        results,
        exit_code=report.gate.exit_code,
        successful=not report.errors,
        notifications=notifications,
        artifacts=[f.path for f in report.files],
        properties={"serviceReference": report.service_reference},
    )


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


# --- diff ----------------------------------------------------------------------------------


def render_diff_sarif(diff: DiffRun) -> str:
    """The run of `diff` as a SARIF 2.1.0 log."""
    return dumps(diff_sarif(diff))


def diff_sarif(diff: DiffRun) -> dict[str, Any]:
    """The run of `diff` as a SARIF log object: one result per finding, at the head statement
    that grants the new access (lost access: the head policy, or the base statement when the
    policy was deleted)."""
    rules = list(rule_infos(Family.CHANGE))
    if diff.errors:
        rules.append(_INPUT_ERROR)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [_finding_result(of_diff(f), Family.CHANGE, index) for f in diff.findings]
    results += [_error_result(d, index) for d in diff.errors]
    notifications = [_notification(d) for d in (*diff.errors, *diff.warnings)]
    return _log(
        Family.CHANGE,
        rules,
        results,
        exit_code=diff.exit_code,
        successful=not diff.errors,
        notifications=notifications,
    )


# --- reach ---------------------------------------------------------------------------------


def render_reach_sarif(report: ReachReport) -> str:
    """The report of `reach` as a SARIF 2.1.0 log."""
    return dumps(reach_sarif(report))


def reach_sarif(report: ReachReport) -> dict[str, Any]:
    """The report of `reach` as a SARIF log object: one result per finding, at the line of the
    rule that lets the traffic in (or of the component that drops it), the component as a
    logical location; what holds only if undecided components let it is a note."""
    rules = rule_infos(Family.NETWORK)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [_finding_result(f, Family.NETWORK, index) for f in report.findings]
    notifications = [
        {"level": "error", "message": {"text": f"expired suppression: {text}"}}
        for text in report.expired_suppressions
    ]
    return _log(
        Family.NETWORK,
        rules,
        results,
        exit_code=report.exit_code,
        successful=report.exit_code != 2,
        notifications=notifications,
    )


# --- the shape every log shares ------------------------------------------------------------


def _log(
    family: Family,
    rules: Sequence[RuleInfo],
    results: list[dict[str, Any]],
    *,
    exit_code: int,
    successful: bool,
    notifications: Sequence[dict[str, Any]] = (),
    artifacts: Sequence[str] | None = None,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": _TOOL.get(family, "policyreason"),
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": successful,
                "exitCode": exit_code,
                "toolExecutionNotifications": list(notifications),
            }
        ],
    }
    if artifacts is not None:
        run["artifacts"] = [{"location": _artifact(path)} for path in artifacts]
    run["results"] = results
    run["columnKind"] = "unicodeCodePoints"
    if properties is not None:
        run["properties"] = properties
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _finding_result(f: VerbFinding, family: Family, index: dict[str, int]) -> dict[str, Any]:
    """A result of any verb: its rule, level (a note for what holds only if undecided
    components let it), message with the evidence code scanning shows, location, fingerprint
    and baseline state; a finding an accepted change covers carries the acceptance as an
    external suppression."""
    span = f.location.span
    locations = [_location(span, f.location.component)] if span is not None else []
    result = _result(
        f.rule_id,
        index,
        "note" if f.tentative else level(f.severity),
        _text(f, family),
        locations,
        {_FINGERPRINTS[family]: f.fingerprint},
        _properties(f, family),
    )
    if f.baseline is not None:
        result["baselineState"] = f.baseline
    if f.accepted:
        result["suppressions"] = [{"kind": "external", "justification": a} for a in f.accepted]
    return result


def _requests(f: VerbFinding) -> tuple[dict[str, Any], ...]:
    return f.evidence.requests if isinstance(f.evidence, WitnessRequests) else ()


def _text(f: VerbFinding, family: Family) -> str:
    lines = [f.message]
    requests = _requests(f)
    if family is Family.LINT:
        lines += [f"Witness request: {witness_line(r)}" for r in requests[:1] if r]
    else:
        lines += [f"witness: {json.dumps(r)}" for r in requests[:3]]
    lines += [f"accepted: {a}" for a in f.accepted]
    fix = f.properties.get("fix")
    if fix:
        lines.append(f"Fix: {fix}")
    return "\n".join(lines)


def _properties(f: VerbFinding, family: Family) -> dict[str, Any] | None:
    if family is Family.LINT:
        properties: dict[str, Any] = {"status": f.status, "document": f.properties["document"]}
        if f.properties.get("aaCode"):
            properties["aaCode"] = f.properties["aaCode"]
        requests = _requests(f)
        if requests:
            properties["witness"] = requests[0]
        return properties
    if family is Family.CHANGE:
        return {
            "policy": f.properties["policy"],
            "tags": list(f.tags),
            "status": f.status,
            "failing": f.failing,
            "witnesses": f.properties["witnesses"],
        }
    evidence = f.evidence
    path = evidence.path if isinstance(evidence, WitnessPacket | Proven | Undecided) else None
    return {"packet": path.packet.to_json(), "source": path.source} if path else None


def _rule(rule: RuleInfo) -> dict[str, Any]:
    tags = list(_TAGS[rule.family])
    properties: dict[str, Any] = {"tags": tags, "precision": "very-high"}
    if rule.severity is Severity.SECURITY_WARNING:
        properties["tags"] = [*tags, "security"]
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


def _result(
    rule_id: str,
    index: dict[str, int],
    shown: str,
    text: str,
    locations: list[dict[str, Any]],
    fingerprints: dict[str, str] | None,
    properties: dict[str, Any] | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "level": shown,
        "message": {"text": text},
        "locations": locations,
    }
    if fingerprints is not None:
        result["partialFingerprints"] = fingerprints
    if properties is not None:
        result["properties"] = properties
    if rule_id in index:
        result["ruleIndex"] = index[rule_id]
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


def _notification(d: Diagnostic) -> dict[str, Any]:
    return {
        "level": d.level.value,
        "message": {"text": d.message},
        "descriptor": {"id": d.code},
        "locations": [_location(d.span)],
    }


def _location(span: Span, component: str | None = None) -> dict[str, Any]:
    """The location convention: the file relative to the run's root, a 1-based region when
    the span has a line, the component (network findings) as a logical location."""
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
    location: dict[str, Any] = {"physicalLocation": physical}
    if component:
        location["logicalLocations"] = [{"name": component, "kind": "resource"}]
    return location


def _artifact(path: str) -> dict[str, str]:
    pure = PurePath(path)
    if pure.is_absolute():
        try:
            pure = Path(path).relative_to(Path.cwd())
        except ValueError:
            # Outside the run's root: no base to be relative to.
            return {"uri": Path(path).as_uri()}
    return {"uri": quote(pure.as_posix()), "uriBaseId": "%SRCROOT%"}


def _pascal(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"
