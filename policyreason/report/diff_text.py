"""`diff` for people: one block per changed policy, witnesses as tables, the gate last."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape

from policyreason.analysis.change import Access, ChangeResult, DiffRun
from policyreason.ir.answer import Status as Outcome
from policyreason.report.answers import witness_table
from policyreason.report.console import make_console

_VERDICTS = {
    "equivalent": "[green]equivalent[/]",
    "more_permissive": "[red]more permissive[/]",
    "less_permissive": "[yellow]less permissive[/]",
    "incomparable": "[red]incomparable[/]",
    "unknown": "[magenta]unknown[/]",
}
_TITLES = {"new-access": "New access", "lost-access": "Lost access"}


def render_diff_text(diff: DiffRun) -> str:
    """The text report as plain text (for --output)."""
    buffer = io.StringIO()
    print_diff(diff, make_console(file=buffer, width=120, no_color=True, highlight=False))
    return buffer.getvalue()


def print_diff(diff: DiffRun, console: Console) -> None:
    """The run, change by change."""
    console.print(
        f"[bold]{escape(diff.base)}[/] → [bold]{escape(diff.head)}[/]: "
        f"{len(diff.results)} changed policies in {diff.files} changed file(s), "
        f"{diff.unchanged} unchanged"
    )
    if diff.errors:
        # The errors themselves go to stderr, one located line each.
        console.print(f"[red]{len(diff.errors)} input error(s): those files were not compared[/]")
    for result in diff.results:
        _change(console, result)
    verdict = {0: "[green]passed[/]", 1: "[red]failed[/]"}.get(diff.exit_code, "[red]error[/]")
    console.print(
        f"\ngate {verdict}: {diff.failing} failing finding(s); fail on "
        f"{', '.join(sorted(diff.fail_on))}; unknown={diff.unknown}"
    )


def _change(console: Console, result: ChangeResult) -> None:
    c = result.change
    console.print(
        f"\n[bold]{escape(c.key)}[/] ({c.kind.value}, {c.status.value}): "
        f"{_VERDICTS[result.verdict.value]}"
    )
    for f in result.findings:
        mark = "[red]FAILING[/]" if f.failing else "[green]accepted[/]" if f.accepted else "ok"
        where = f" at {f.span}" if f.span else ""
        console.print(
            f"  {f.severity.value} {f.category} ({mark}){escape(where)}: {escape(f.message)}"
        )
        for a in f.accepted:
            console.print(f"    accepted: {escape(a.reason)}")
    for access in (result.new_access, result.lost_access):
        _access(console, access)


def _access(console: Console, access: Access) -> None:
    title = _TITLES[access.direction]
    if access.outcome is Outcome.WITNESSED and access.witnesses:
        console.print(witness_table(f"  {title}", [w.request for w in access.witnesses]))
    elif access.outcome is Outcome.UNKNOWN:
        console.print(f"  {title}: [magenta]unknown[/] — {escape(access.reason)}")
