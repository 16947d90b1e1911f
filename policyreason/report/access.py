"""Rendering of the access questions over resource and trust policies: `public` and
`findings`, as JSON (docs/json-schema-answers.md) and for people."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from policyreason.analysis.external import ExternalAccess
from policyreason.analysis.public import PublicResult
from policyreason.ir.policy import Policy
from policyreason.report.answers import SCHEMA_VERSION, witness_table


def public_json(result: PublicResult, policy: Policy, document: str) -> dict[str, Any]:
    """One policy's `public --format json` answer."""
    return {
        "schema_version": SCHEMA_VERSION,
        "file": policy.span.file,
        "document": document,
        **result.to_json(),
        "statements": [_statement(policy, i) for i in result.statements],
    }


def render_public(console: Console, result: PublicResult, policy: Policy, document: str) -> None:
    """One policy's `public` answer for people."""
    where = f"[bold]{document}[/] ({policy.span.file})"
    rtype = f" as {result.resource_type.name}" if result.resource_type else ""
    if result.public is None:
        console.print(f"{where}{rtype}: [magenta]unknown[/] — {result.reason}")
        return
    if not result.public:
        console.print(f"{where}{rtype}: [green]not public[/] (proven) — {result.reason}")
        return
    console.print(f"{where}{rtype}: [red]public[/] — {result.reason}")
    if result.witness is not None:
        console.print(witness_table("Witness request", [result.witness]))


def findings_json(result: ExternalAccess, policy: Policy, document: str) -> dict[str, Any]:
    """One policy's `findings --format json` answer."""
    return {
        "schema_version": SCHEMA_VERSION,
        "file": policy.span.file,
        "document": document,
        "resource_type": result.resource_type.name if result.resource_type else None,
        "complete": result.complete,
        "reason": result.reason or None,
        "findings": [f.to_json(policy) for f in result.findings],
        "stats": {"cells": result.cells, "queries": result.queries},
    }


def render_findings(
    console: Console, result: ExternalAccess, policy: Policy, document: str
) -> None:
    """One policy's `findings` for people: a row per finding, then its witnesses."""
    where = f"[bold]{document}[/] ({policy.span.file})"
    state = "" if result.complete else f" [magenta]incomplete[/] — {result.reason}"
    if not result.findings:
        verdict = "[green]no external access[/] (proven)" if result.complete else ""
        console.print(f"{where}: {verdict}{state}")
        return
    console.print(f"{where}: [red]{len(result.findings)} external access finding(s)[/]{state}")
    table = Table(show_lines=False)
    for col in ("principal", "conditions", "actions", "statements", "public"):
        table.add_column(col, overflow="fold")
    for f in result.findings:
        table.add_row(
            str(f.principal),
            ", ".join(f"{k}={v}" for k, v in f.condition_values(policy).items()) or "-",
            ", ".join(f.actions(policy)),
            ", ".join(policy.statements[i].label for i in f.statements),
            "[red]yes[/]" if f.public else "no",
        )
    console.print(table)
    witnesses = [w for f in result.findings for w in f.witnesses]
    console.print(witness_table("Witness requests", witnesses))


def _statement(policy: Policy, index: int) -> dict[str, Any]:
    stmt = policy.statements[index]
    return {"statement": stmt.label, "location": str(stmt.span)}
