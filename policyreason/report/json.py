"""The JSON reports of every verb, each a stable, versioned schema: `check`
(docs/json-schema.md), `diff` (docs/json-schema-diff.md) and `reach` (docs/reach-json.md).

Adding a field is compatible; renaming, removing or changing the meaning of one bumps
`schema_version`. Keys are written in a fixed order and findings sorted by location, so two
runs over the same input give byte-identical output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policyreason import __version__
from policyreason.ir.answer import Status as Outcome
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.span import Span
from policyreason.report import ReachReport, Report, ReportedFinding
from policyreason.report.findings import VerbFinding, witness_json
from policyreason.report.json_text import indented

if TYPE_CHECKING:
    from policyreason.analysis.change import Access, ChangeResult, DiffFinding, DiffRun
    from policyreason.analysis.network.exposures import Exposure, ExposureResult
    from policyreason.analysis.network.reach import ReachResult
    from policyreason.analysis.network.trace import PathWitness, Unknown

SCHEMA_VERSION = 1
TOOL_URI = "https://github.com/policyreason/policyreason"


def render_json(report: Report) -> str:
    """The report as a JSON document (schema_version 1)."""
    return indented(to_json(report)) + "\n"


def to_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON values."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "policyreason", "version": __version__, "uri": TOOL_URI},
        "service_reference": report.service_reference,
        "files": [
            {
                "path": f.path,
                "input_type": f.input_type,
                "documents": [{"name": name, "kind": kind} for name, kind in f.documents],
                "notes": list(f.notes),
                "warnings": [_diagnostic(d) for d in f.warnings],
            }
            for f in report.files
        ],
        "findings": [_finding(f) for f in report.findings],
        "errors": [_diagnostic(d) for d in report.errors],
        "expired_suppressions": list(report.expired_suppressions),
        "unchecked": list(report.unchecked),
        "summary": report.summary(),
    }


def location(span: Span) -> dict[str, Any]:
    """A span as the JSON `location` object (1-based lines and columns, end exclusive)."""
    return {
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def _finding(item: ReportedFinding) -> dict[str, Any]:
    f = item.finding
    return {
        "rule_id": f.rule_id,
        "aa_code": f.aa_code,
        "severity": f.severity.value,
        "status": f.status.value,
        "title": f.title,
        "message": f.message,
        "location": location(f.span),
        "document": item.document,
        "sid": item.sid,
        "fix": f.fix,
        "witness": f.witness,
        "details": f.details,
        "fingerprint": item.fingerprint,
        "baseline": item.baseline,
    }


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "rule_id": d.rule_id,
        "aa_code": d.aa_code,
        "level": d.level.value,
        "message": d.message,
        "location": location(d.span),
    }


# --- diff (docs/json-schema-diff.md) -------------------------------------------------------

DIFF_SCHEMA_VERSION = 1


_RESULT = {Outcome.WITNESSED: "witnessed", Outcome.PROVEN: "none", Outcome.UNKNOWN: "unknown"}


def render_diff_json(diff: DiffRun) -> str:
    """The run as JSON text."""
    return indented(diff_json(diff)) + "\n"


def diff_json(diff: DiffRun) -> dict[str, Any]:
    """The run as a JSON object."""
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "base": diff.base,
        "head": diff.head,
        "changes": [_change(r) for r in diff.results],
        "errors": [_diff_diagnostic(d) for d in diff.errors],
        "warnings": [_diff_diagnostic(d) for d in diff.warnings],
        "summary": {
            "files": diff.files,
            "policies_changed": len(diff.results),
            "policies_unchanged": diff.unchanged,
            "findings": len(diff.findings),
        },
        "gate": {
            "fail_on": sorted(diff.fail_on),
            "unknown": diff.unknown,
            "failing": diff.failing,
            "exit_code": diff.exit_code,
            "suppressed": diff.suppressed,
            "expired_suppressions": list(diff.expired_suppressions),
        },
        "stats": {
            "seconds": round(sum(r.seconds for r in diff.results), 4),
            "queries": sum(r.queries for r in diff.results),
        },
    }


def _change(result: ChangeResult) -> dict[str, Any]:
    c = result.change
    return {
        "policy": c.key,
        "kind": c.kind.value,
        "status": c.status.value,
        "old": {"file": c.old.file, "name": c.old.name} if c.old else None,
        "new": {"file": c.new.file, "name": c.new.name} if c.new else None,
        "verdict": result.verdict.value,
        "summary": result.summary,
        "new_access": _access(result.new_access),
        "lost_access": _access(result.lost_access),
        "findings": [finding_json(f) for f in result.findings],
    }


def _access(access: Access) -> dict[str, Any]:
    return {
        "result": _RESULT[access.outcome],
        "summary": access.summary or None,
        "witnesses": [witness_json(w) for w in access.witnesses],
        "reason": access.reason or None,
        "accepted": [a.reason for a in access.accepted],
        "fully_accepted": access.fully_accepted,
    }


def finding_json(finding: DiffFinding) -> dict[str, Any]:
    """One finding of the gate."""
    return {
        "category": finding.category,
        "tags": list(finding.tags),
        "severity": finding.severity.value,
        "status": finding.status.value,
        "policy": finding.policy,
        "message": finding.message,
        "location": str(finding.span) if finding.span else None,
        "accepted": [a.reason for a in finding.accepted],
        "failing": finding.failing,
        "fingerprint": finding.fingerprint,
        "baseline": finding.baseline,
    }


def _diff_diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "location": str(d.span)}


# --- reach (docs/reach-json.md) -------------------------------------------------------------


def render_reach_json(report: ReachReport) -> str:
    """The report of `reach` as JSON text: the answer, then its findings and the gate."""
    if report.exposed is not None:
        out = exposures_json(report.exposed)
    else:
        assert report.path is not None  # a report answers one of the two questions
        out = reach_json(report.path, report.src or "", report.dst or "")
    out["findings"] = [verb_finding_json(f) for f in report.findings]
    out["gate"] = {
        "failing": report.failing,
        "exit_code": report.exit_code,
        "suppressed": report.suppressed,
        "expired_suppressions": list(report.expired_suppressions),
    }
    return indented(out) + "\n"


def verb_finding_json(f: VerbFinding) -> dict[str, Any]:
    """A finding in the shape every verb shares: rule, severity, status, message, location
    (file, 1-based line and column, component), fingerprint and the gate's verdict."""
    span = f.location.span
    return {
        "rule_id": f.rule_id,
        "severity": f.severity.value,
        "status": f.status,
        "message": f.message,
        "location": location(span) if span is not None else None,
        "component": f.location.component,
        "fingerprint": f.fingerprint,
        "baseline": f.baseline,
        "failing": f.failing,
    }


def unknown_json(unknowns: tuple[Unknown, ...]) -> list[dict[str, str]]:
    return [{"component": u.component, "why": u.why} for u in unknowns]


def path_json(w: PathWitness) -> dict[str, Any]:
    """A witness: the packet as sent, its hops, and the hops of its reply."""
    out: dict[str, Any] = {
        "source": w.source,
        "packet": w.packet.to_json(),
        "hops": [h.to_json() for h in w.forward.hops],
        "disposition": w.forward.disposition.value,
        "return_hops": [h.to_json() for h in w.reply.hops] if w.reply else [],
        "return_disposition": w.reply.disposition.value if w.reply else None,
    }
    if w.unknowns:
        out["unknowns"] = unknown_json(w.unknowns)
    return out


def blocked_json(w: PathWitness) -> dict[str, Any]:
    """Where the furthest-going packet stops, and why."""
    stopped = w.reply if w.forward.delivered and w.reply is not None else w.forward
    last = stopped.hops[-1] if stopped.hops else None
    out = path_json(w)
    out.update(
        {
            "direction": "return" if stopped is w.reply else "forward",
            "component": last.component if last else None,
            "kind": last.kind if last else None,
            "code": stopped.code.value if stopped.code else None,
            "explanation": stopped.explanation,
        }
    )
    return out


def reach_json(result: ReachResult, src: str, dst: str) -> dict[str, Any]:
    """The answer of `reach` as a JSON-ready dict."""
    answer = result.answer
    return {
        "from": src,
        "to": dst,
        "status": answer.status.value,
        "reachable": result.reachable,
        "paths": [path_json(p) for p in result.paths],
        "blocked": blocked_json(result.blocked) if result.blocked else None,
        "candidate": path_json(result.candidate) if result.candidate else None,
        "unknown_components": unknown_json(result.unknowns),
        "assumptions": list(answer.assumptions),
        "reason": answer.reason or None,
        "queries": answer.queries,
    }


def _exposure_json(e: Exposure) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target": e.target,
        "eni": e.eni,
        "protocol": e.protocol,
        "ports": [list(r) for r in e.ports],
        "rule": e.rule or None,
        "path": path_json(e.witness),
    }
    if e.icmp_types:
        out["icmp_types"] = [list(r) for r in e.icmp_types]
    if e.unknowns:
        out["unless"] = unknown_json(e.unknowns)
    return out


def exposures_json(result: ExposureResult) -> dict[str, Any]:
    """The answer of `reach --exposures` as a JSON-ready dict."""
    answer = result.answer
    return {
        "status": answer.status.value,
        "exposures": [_exposure_json(e) for e in result.exposures],
        "possible": [_exposure_json(e) for e in result.possible],
        "unknown": [{"target": t, "reason": r} for t, r in result.unknown],
        "assumptions": list(answer.assumptions),
        "reason": answer.reason or None,
        "queries": answer.queries,
    }
