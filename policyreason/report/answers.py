"""Rendering of the fundamental questions' answers (compare, not-granted, can): JSON and rich.

JSON shapes are documented in docs/json-schema-answers.md; `schema_version` changes only when a
field is removed or changes meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from policyreason.analysis.compare import CompareResult
from policyreason.analysis.evaluate import Evaluation
from policyreason.analysis.witness import ALWAYS_SENT
from policyreason.ir.answer import Answer, Status
from policyreason.ir.request import Request

SCHEMA_VERSION = 1


def compare_json(result: CompareResult, old: str, new: str) -> dict[str, Any]:
    """`compare --format json`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "old": old,
        "new": new,
        "verdict": result.verdict.value,
        "new_access": [w.to_json() for w in result.new_access.witnesses],
        "lost_access": [w.to_json() for w in result.lost_access.witnesses],
        "reason": result.reason or None,
        "stats": {"seconds": round(result.seconds, 4), "queries": result.queries},
    }


def witness_table(title: str, witnesses: Sequence[Request]) -> Table:
    """A small table of witness requests, one row each (with the template values each holds
    under, when there are some)."""
    table = Table(title=title, title_justify="left", show_lines=False)
    templated = any(w.bindings for w in witnesses)
    for col in ("principal", "action", "resource", "context"):
        table.add_column(col, overflow="fold")
    if templated:
        table.add_column("template values", overflow="fold")
    for w in witnesses:
        ctx = ", ".join(f"{k}={'|'.join(v)}" for k, v in sorted(shown_context(w).items()))
        row = [w.principal or "(anonymous)", w.action, w.resource, ctx or "-"]
        if templated:
            row.append(
                ", ".join(f"{k}={v}" for k, v in w.to_json().get("template_values", {}).items())
                or "-"
            )
        table.add_row(*row)
    return table


def shown_context(w: Request) -> dict[str, tuple[str, ...]]:
    """The context a reader needs: keys AWS sends with every request are left out while they
    hold the values no policy chose (JSON output keeps them all)."""
    return {k: v for k, v in w.context.items() if v != (ALWAYS_SENT.get(k),)}


_VERDICT_TEXT = {
    "equivalent": ("[green]equivalent[/]", "both versions allow exactly the same requests"),
    "more_permissive": ("[red]more permissive[/]", "the new version grants access the old did not"),
    "less_permissive": ("[yellow]less permissive[/]", "the new version takes access away"),
    "incomparable": ("[red]incomparable[/]", "the new version both grants and takes away access"),
    "unknown": ("[magenta]unknown[/]", "the solver could not decide"),
}


def render_compare(console: Console, result: CompareResult, old: str, new: str) -> None:
    """`compare` for people."""
    label, meaning = _VERDICT_TEXT[result.verdict.value]
    console.print(f"[bold]{old}[/] → [bold]{new}[/]: {label} — {meaning}")
    _render_search(console, "New access (allowed by NEW, not by OLD)", result.new_access)
    _render_search(console, "Lost access (allowed by OLD, not by NEW)", result.lost_access)
    console.print(f"[dim]{result.queries} solver queries, {result.seconds:.3f} s[/]")


def _render_search(console: Console, title: str, search: Answer[Request]) -> None:
    if search.status is Status.WITNESSED:
        console.print(witness_table(title, search.witnesses))
    elif search.status is Status.PROVEN:
        console.print(f"{title}: [green]none[/] (proven)")
    else:
        console.print(f"{title}: [magenta]unknown[/] — {search.reason}")


def evaluation_json(ev: Evaluation, request: Request) -> dict[str, Any]:
    """`can --format json`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "request": request.to_json(),
        "decision": ev.decision.value,
        "reason": ev.reason,
        "deciding_statements": [
            {
                "policy": p.name or p.span.file,
                "statement": s.label,
                "effect": s.effect.value,
                "location": str(s.span),
            }
            for p, s in ev.deciding
        ],
    }


def render_evaluation(console: Console, ev: Evaluation) -> None:
    """`can` for people."""
    colour = {"Allowed": "green", "ExplicitlyDenied": "red", "ImplicitlyDenied": "yellow"}
    console.print(f"[{colour[ev.decision.value]}]{ev.decision.value}[/]: {ev.reason}")
    for p, s in ev.deciding:
        console.print(f"  {s.effect.value} {s.label} in {p.name or p.span.file} ({s.span})")
