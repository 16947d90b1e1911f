"""The JSON report: a stable, versioned schema (docs/json-schema.md).

Adding a field is compatible; renaming, removing or changing the meaning of one bumps
`schema_version`. Keys are written in a fixed order and findings sorted by location, so two
runs over the same input give byte-identical output.
"""

from __future__ import annotations

import json
from typing import Any

from policyreason import __version__
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.span import Span
from policyreason.report import Report, ReportedFinding

SCHEMA_VERSION = 1
TOOL_URI = "https://github.com/policyreason/policyreason"


def render_json(report: Report) -> str:
    """The report as a JSON document (schema_version 1)."""
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


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
