"""Baselines: fingerprints of accepted findings, so a gate fails only on new ones.

A fingerprint hashes the rule id, the file, the policy's name in that file, the statement the
finding sits in and the flagged element, each normalised as JSON (key order and whitespace do
not matter). It has no line numbers, so moving a policy, or editing another statement, keeps
the fingerprints of the findings that did not change.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from policyreason import __version__
from policyreason.analysis.findings import Finding
from policyreason.errors import BaselineError
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, made_spans, to_python

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".policyreason-baseline.json"


def fingerprint(finding: Finding, document: str, root: JNode | None) -> str:
    """A stable identifier of a finding (see the module docstring)."""
    return fingerprints([finding], document, root)[0]


def fingerprints(findings: Iterable[Finding], document: str, root: JNode | None) -> list[str]:
    """`fingerprint` of each finding of one document; a node with many findings in it (a
    statement, or an element several rules flag) is normalised once."""
    normals: dict[int, str] = {}  # by node: `root` keeps every node alive meanwhile
    made: dict[int, JNode] | None = None

    def normal(node: JNode) -> str:
        found = normals.get(id(node))
        if found is None:
            found = normals[id(node)] = _normal(node)
        return found

    out: list[str] = []
    for finding in findings:
        statement = element = None
        if root is not None:
            statement = _statement(root, finding.span)
            made = made_spans(root) if made is None else made
            element = made.get(id(finding.span)) or _node_at(root, finding.span)
        parts = [
            finding.rule_id,
            finding.span.file,
            document,
            normal(statement) if statement is not None else "",
            normal(element) if element is not None else finding.message,
        ]
        out.append(hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32])
    return out


def _normal(node: JNode) -> str:
    return json.dumps(to_python(node), sort_keys=True, separators=(",", ":"))


def _contains(outer: Span, inner: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        inner.end_line,
        inner.end_column,
    ) <= (outer.end_line, outer.end_column)


def _statement(root: JNode, span: Span) -> JNode | None:
    if not isinstance(root, JObject):
        return None
    statements = root.get("Statement")
    items = statements.items if isinstance(statements, JArray) else (statements,)
    return next((s for s in items if s is not None and _contains(s.span, span)), None)


def _node_at(root: JNode, span: Span) -> JNode | None:
    # The innermost node (or key) whose span is exactly the finding's.
    return _node_where(root, span, _where(span))


def _where(span: Span) -> tuple[str, int, int, int, int]:
    # A span's fields, compared as a tuple: a model's own equality walks them in Python, and
    # the search compares every node it passes.
    return span.file, span.line, span.column, span.end_line, span.end_column


def _node_where(root: JNode, span: Span, where: tuple[str, int, int, int, int]) -> JNode | None:
    if _where(root.span) == where:
        return root
    if isinstance(root, JScalar) or not _contains(root.span, span):
        return None
    children: list[JNode] = []
    if isinstance(root, JArray):
        children = list(root.items)
    else:
        for key, value in root.pairs:
            if _where(key.span) == where:
                return key
            children.append(value)
    for child in children:
        # A node that does not contain the span holds no node that is it.
        found = _node_where(child, span, where) if _contains(child.span, span) else None
        if found is not None:
            return found
    return None


def write_baseline(path: Path, entries: Iterable[tuple[str, Finding, str]]) -> int:
    """Write (fingerprint, finding, document) entries; returns how many were written."""
    rows = ((fp, f.rule_id, f.span.file, document, f.message) for fp, f, document in entries)
    return write_rows(path, rows)


def write_rows(path: Path, rows: Iterable[tuple[str, str, str, str, str]]) -> int:
    """Write (fingerprint, rule id, file, document, message) rows: the baseline of any verb
    (a finding of `diff` or `reach` names its policy or target as the document). Returns how
    many were written."""
    entries: list[dict[str, Any]] = [
        {
            "fingerprint": fp,
            "rule_id": rule_id,
            "file": file,
            "document": document,
            "message": message,
        }
        for fp, rule_id, file, document, message in rows
    ]
    entries.sort(key=lambda r: (r["file"], r["rule_id"], r["document"], r["fingerprint"]))
    data = {"baseline_version": BASELINE_VERSION, "tool_version": __version__, "findings": entries}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries)


def read_baseline(path: Path) -> Counter[str]:
    """The fingerprints of a baseline file, with how often each occurs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: error: cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise BaselineError(f"{path}: error: the baseline is not valid JSON") from None
    rows = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(rows, list) or data.get("baseline_version") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: error: not a policyreason baseline (version {BASELINE_VERSION})"
        )
    return Counter(
        str(r["fingerprint"]) for r in rows if isinstance(r, dict) and "fingerprint" in r
    )
