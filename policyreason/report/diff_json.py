"""`diff --format json`: the change gate's result, documented in docs/json-schema-diff.md.

`schema_version` changes only when a field is removed or changes meaning.
"""

from __future__ import annotations

import json
from typing import Any

from policyreason.analysis.change import Access, ChangeResult, DiffFinding, DiffRun, Witness
from policyreason.ir.answer import Status as Outcome
from policyreason.ir.diagnostic import Diagnostic

SCHEMA_VERSION = 1
_RESULT = {Outcome.WITNESSED: "witnessed", Outcome.PROVEN: "none", Outcome.UNKNOWN: "unknown"}


def render_diff_json(diff: DiffRun) -> str:
    """The run as JSON text."""
    return json.dumps(diff_json(diff), indent=2, ensure_ascii=False) + "\n"


def diff_json(diff: DiffRun) -> dict[str, Any]:
    """The run as a JSON object."""
    return {
        "schema_version": SCHEMA_VERSION,
        "base": diff.base,
        "head": diff.head,
        "changes": [_change(r) for r in diff.results],
        "errors": [_diagnostic(d) for d in diff.errors],
        "warnings": [_diagnostic(d) for d in diff.warnings],
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


def witness_json(witness: Witness) -> dict[str, Any]:
    """A witness request with its classification and granting statement."""
    return {
        "request": witness.request.to_json(),
        "tags": list(witness.tags),
        "statement": witness.statement,
        "location": str(witness.span) if witness.span else None,
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


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "location": str(d.span)}
