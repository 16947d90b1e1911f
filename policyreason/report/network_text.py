"""Reachability answers for people: a verdict line, then each path as a tree of hops."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from policyreason.analysis.network.exposures import ExposureResult
from policyreason.analysis.network.reach import ReachResult
from policyreason.analysis.network.trace import PathWitness, Trace

_STYLE = {"deny": "red", "drop": "red", "no route": "red", "deliver": "green"}


def _trace_tree(title: str, trace: Trace) -> Tree:
    tree = Tree(title)
    for hop in trace.hops:
        style = _STYLE.get(hop.action, "")
        line = f"[bold]{hop.component}[/] [dim]{hop.kind}[/] [{style or 'default'}]{hop.action}[/]"
        if hop.rule:
            line += f"  {hop.rule}"
        if hop.span is not None and hop.span.line > 0:
            line += f"  [dim]{hop.span}[/]"
        tree.add(line)
    if not trace.delivered:
        tree.add(f"[red]{trace.disposition.value}: {trace.code or ''}[/] {trace.explanation}")
    return tree


def render_path(console: Console, w: PathWitness) -> None:
    """One witness: the packet, its forward hops and the hops of its reply."""
    console.print(f"  packet: [bold]{w.packet}[/] from {w.source}")
    console.print(_trace_tree("  forward", w.forward))
    if w.reply is not None:
        console.print(_trace_tree("  return", w.reply))


def render_reach(console: Console, result: ReachResult, src: str, dst: str) -> None:
    """The verdict of `reach` and its evidence."""
    if result.reachable is True:
        console.print(f"[green bold]reachable[/]: {src} -> {dst} (witnessed)")
        for path in result.paths:
            render_path(console, path)
    elif result.reachable is False:
        console.print(f"[red bold]not reachable[/]: {src} -> {dst} (proven: no packet exists)")
        console.print(f"  reason: {result.reason}")
        if result.blocked is not None:
            console.print("  the packet that gets furthest:")
            render_path(console, result.blocked)
    else:
        console.print(f"[yellow bold]unknown[/]: {src} -> {dst}: {result.reason}")


def render_exposures(console: Console, result: ExposureResult) -> None:
    """A table of everything reachable from the internet, then one witness path each."""
    if not result.exposures:
        console.print("[green]nothing is reachable from the internet[/] (proven)")
    else:
        table = Table(title="reachable from the internet")
        for col in ("target", "interface", "protocol", "ports", "rule that opens it"):
            table.add_column(col)
        for e in result.exposures:
            ports = ", ".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in e.ports)
            opener = next((h for h in e.witness.forward.hops if h.kind == "security-group"), None)
            rule = f"{opener.rule} ({opener.span})" if opener and opener.span else ""
            table.add_row(e.target, e.eni, e.protocol, ports or "-", rule)
        console.print(table)
        for e in result.exposures:
            console.print(f"[bold]{e.target}[/] {e.protocol} via {e.rule or 'no filter'}:")
            render_path(console, e.witness)
    for target, reason in result.unknown:
        console.print(f"[yellow]unknown[/] for {target}: {reason}")
