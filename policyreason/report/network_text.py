"""Reachability answers for people: a verdict line, then each path as a tree of hops, then
what the answer assumed. User text (ids, rules, locations) is escaped: it is never markup."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from policyreason.analysis.network.exposures import Exposure, ExposureResult
from policyreason.analysis.network.reach import ReachResult
from policyreason.analysis.network.trace import PathWitness, Trace
from policyreason.ir.answer import Status

_STYLE = {"deny": "red", "drop": "red", "no route": "red", "deliver": "green", "unknown": "yellow"}


def _trace_tree(title: str, trace: Trace) -> Tree:
    tree = Tree(title)
    for hop in trace.hops:
        style = _STYLE.get(hop.action, "")
        if hop.action.endswith("(verdict unknown)"):
            style = "yellow"
        line = (
            f"[bold]{escape(hop.component)}[/] [dim]{escape(hop.kind)}[/] "
            f"[{style or 'default'}]{escape(hop.action)}[/]"
        )
        if hop.rule:
            line += f"  {escape(hop.rule)}"
        if hop.span is not None and hop.span.line > 0:
            line += f"  [dim]{escape(str(hop.span))}[/]"
        tree.add(line)
    if not trace.delivered:
        code = trace.code.value if trace.code else ""
        tree.add(f"[red]{trace.disposition.value}: {code}[/] {escape(trace.explanation)}")
    return tree


def render_path(console: Console, w: PathWitness) -> None:
    """One witness: the packet, its forward hops and the hops of its reply."""
    console.print(f"  packet: [bold]{escape(str(w.packet))}[/] from {escape(w.source)}")
    console.print(_trace_tree("  forward", w.forward))
    if w.reply is not None:
        console.print(_trace_tree("  return", w.reply))


def _assumptions(console: Console, assumptions: tuple[str, ...]) -> None:
    for a in assumptions:
        console.print(f"  [dim]assumed: {escape(a)}[/]")


def render_reach(console: Console, result: ReachResult, src: str, dst: str) -> None:
    """The verdict of `reach` and its evidence."""
    answer = result.answer
    ends = f"{escape(src)} -> {escape(dst)}"
    if answer.status is Status.WITNESSED:
        console.print(f"[green bold]reachable[/]: {ends} (witnessed)")
        for path in result.paths:
            render_path(console, path)
    elif answer.status is Status.PROVEN:
        console.print(f"[red bold]not reachable[/]: {ends} (proven: no packet exists)")
        console.print(f"  reason: {escape(answer.reason)}")
        if result.blocked is not None:
            console.print("  the packet that gets furthest:")
            render_path(console, result.blocked)
    elif answer.status is Status.UNKNOWN:
        console.print(f"[yellow bold]unknown[/]: {ends}: {escape(answer.reason)}")
        if result.candidate is not None:
            console.print("  a packet that gets through if the undecided components let it:")
            render_path(console, result.candidate)
    else:
        console.print(f"[red bold]error[/]: {ends}: {escape(answer.reason)}")
    _assumptions(console, answer.assumptions)


def _ranges(ranges: tuple[tuple[int, int], ...], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{lo}" if lo == hi else f"{prefix}{lo}-{hi}" for lo, hi in ranges)


def _what(e: Exposure) -> str:
    return _ranges(e.ports) or _ranges(e.icmp_types, "type ") or "-"


def _table(title: str, found: tuple[Exposure, ...], unless: bool = False) -> Table:
    table = Table(title=title)
    columns = ["target", "interface", "protocol", "ports / types", "rule that opens it"]
    for col in [*columns, *(["unless"] if unless else [])]:
        table.add_column(col)
    for e in found:
        opener = next((h for h in e.witness.forward.hops if h.kind == "security-group"), None)
        rule = f"{opener.rule} ({opener.span})" if opener and opener.span else ""
        row = [e.target, e.eni, e.protocol, _what(e), rule]
        if unless:
            row.append("; ".join(f"{u.component} blocks it" for u in e.unknowns))
        table.add_row(*(escape(c) for c in row))
    return table


def render_exposures(console: Console, result: ExposureResult) -> None:
    """A table of everything reachable from the internet, then one witness path each; then
    what may be reachable, what is unknown, and what the answer assumed."""
    answer = result.answer
    if answer.status is Status.PROVEN:
        console.print("[green]nothing is reachable from the internet[/] (proven)")
    elif answer.status is Status.UNKNOWN:
        console.print("[yellow bold]unknown[/]: what the internet reaches is not fully decided")
    elif answer.status is Status.ERROR:
        console.print(f"[red bold]error[/]: {escape(answer.reason)}")
    if result.exposures:
        console.print(_table("reachable from the internet", result.exposures))
        for e in result.exposures:
            console.print(
                f"[bold]{escape(e.target)}[/] {e.protocol} via {escape(e.rule or 'no filter')}:"
            )
            render_path(console, e.witness)
    if result.possible:
        console.print(
            _table(
                "reachable unless a component whose rules are unknown blocks it",
                result.possible,
                unless=True,
            )
        )
        for e in result.possible:
            console.print(f"[bold]{escape(e.target)}[/] {e.protocol}, unless:")
            for u in e.unknowns:
                console.print(f"  {escape(u.component)}: {escape(u.why)}")
            render_path(console, e.witness)
    for target, reason in result.unknown:
        console.print(f"[yellow]unknown[/] for {escape(target)}: {escape(reason)}")
    if answer.status is Status.UNKNOWN and not result.possible and not result.unknown:
        console.print(f"  reason: {escape(answer.reason)}")
    _assumptions(console, answer.assumptions)
