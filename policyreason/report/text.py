"""The terminal report (rich) of every verb.

`check`: findings grouped by file, severity in colour, each witness as a small table (as plain
`key: value` lines when the output is not a terminal, so a CI log never wraps an ARN), input
problems as `file:line:col: error: message`, and a summary line; findings already in the
baseline are counted, not listed. `diff`: one block per changed policy, witnesses as tables,
the gate last. `reach`: a verdict line, then each path as a tree of hops, then what the answer
assumed. User text (ids, rules, locations) is escaped: it is never markup. Each verb's gate
line names what suppressions and the baseline took out of it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from policyreason.ir.answer import Status as Outcome
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.severity import Severity
from policyreason.report import ReachReport, Report, ReportedFinding
from policyreason.report.console import make_console

if TYPE_CHECKING:
    from policyreason.analysis.change import Access, ChangeResult, DiffFinding, DiffRun
    from policyreason.analysis.network.exposures import Exposure, ExposureResult
    from policyreason.analysis.network.reach import ReachResult
    from policyreason.analysis.network.trace import PathWitness, Trace
    from policyreason.report.findings import VerbFinding

STYLES = {
    Severity.ERROR: "bold red",
    Severity.SECURITY_WARNING: "bold magenta",
    Severity.WARNING: "yellow",
    Severity.SUGGESTION: "cyan",
}


def render_text(
    report: Report, color: bool = False, width: int = 100, verbose: bool = False
) -> str:
    """The report as terminal text; ANSI colours when `color`."""
    buffer = io.StringIO()
    console = make_console(
        file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False
    )
    print_report(report, console, verbose)
    return buffer.getvalue()


def print_report(report: Report, console: Console, verbose: bool = False) -> None:
    """Write the report to a rich console; `verbose` adds help text and input warnings."""
    by_file: dict[str, list[ReportedFinding]] = {}
    for item in report.findings:
        if item.baseline != "unchanged":
            by_file.setdefault(item.finding.span.file, []).append(item)
    errors: dict[str, list[Diagnostic]] = {}
    for d in report.errors:
        errors.setdefault(d.span.file, []).append(d)
    warnings = {f.path: list(f.warnings) for f in report.files} if verbose else {}
    paths = sorted(set(by_file) | set(errors) | ({p for p, w in warnings.items() if w}))
    for path in paths:
        console.print(Text(path, style="bold underline"))
        for d in errors.get(path, []):
            console.print(Text(diagnostic_line(d), style="red"))
        for d in warnings.get(path, []):
            console.print(Text(diagnostic_line(d), style="dim"))
        for item in by_file.get(path, []):
            print_finding(item, report, console, verbose)
        console.print()
    if verbose:
        for entry in report.skipped():
            reason = "; ".join(entry.notes) or "no policy in it"
            console.print(Text(f"{entry.path}: skipped: {reason}", style="dim"))
    for text in report.expired_suppressions:
        console.print(Text(f"expired suppression (fails the gate): {text}", style="bold red"))
    if report.interrupted:
        console.print(Text(interrupted_line(report), style="bold yellow"), soft_wrap=True)
    console.print(summary_line(report, verbose))


def diagnostic_line(d: Diagnostic) -> str:
    """`file:line:col: error: message [code]`: the compiler-style line for input problems, with
    the rule (and Access Analyzer code) the problem breaks when there is one."""
    rule = f", {d.rule_id}" + (f" {d.aa_code}" if d.aa_code else "") if d.rule_id else ""
    return f"{d.span}: {d.level.value}: {d.message} [{d.code}{rule}]"


def interrupted_line(report: Report) -> str:
    """What an interrupted run did and did not check."""
    shown = ", ".join(report.unchecked[:5])
    more = f" and {len(report.unchecked) - 5} more" if len(report.unchecked) > 5 else ""
    checked = len(report.files)
    return f"interrupted: {checked} file(s) checked, {len(report.unchecked)} not checked" + (
        f" ({shown}{more})" if shown else ""
    )


def print_finding(item: ReportedFinding, report: Report, console: Console, verbose: bool) -> None:
    """One finding: position, severity, rule and message, then fix, witness and (verbose)
    the rule's documentation."""
    f = item.finding
    head = Text()
    head.append(f"  {f.span.line}:{f.span.column} ", style="dim")
    head.append(f.severity.value, style=STYLES[f.severity])
    head.append(f" {f.rule_id}", style="bold")
    if f.aa_code:
        head.append(f" {f.aa_code}", style="dim")
    head.append(f" {f.message}")
    tags = [f.status.value]
    if item.baseline == "unchanged":
        tags.append("in baseline")
    head.append(f"  [{', '.join(tags)}]", style="dim")
    if item.document:
        head.append(f"  ({item.document})", style="dim")
    console.print(head, soft_wrap=True)
    if f.fix:
        console.print(Text(f"      fix: {f.fix}", style="green"), soft_wrap=True)
    if f.witness:
        _print_values(console, f.witness)
    if verbose:
        rule = report.rule(f.rule_id)
        if rule is not None:
            console.print(Text(_indent(rule.help, 6), style="dim"), soft_wrap=True)
        if f.details:
            _print_values(console, f.details, "details")


def _print_values(console: Console, values: dict[str, Any], title: str = "witness") -> None:
    """A table in a terminal; elsewhere one `title.key: value` line each, never wrapped."""
    if console.is_terminal:
        console.print(_witness_table(values, title))
        return
    for key, value in _flatten(values):
        console.print(Text(f"      {title}.{key}: {value}", style="dim"), soft_wrap=True)


def _witness_table(values: dict[str, Any], title: str = "witness") -> Table:
    table = Table(title=None, show_header=True, box=None, padding=(0, 1), pad_edge=False)
    table.add_column(f"      {title}", style="dim", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in _flatten(values):
        table.add_row(f"      {key}", value)
    return table


def _flatten(values: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _flatten(value, f"{name}.")
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(str(v) for v in value)))
        else:
            rows.append((name, str(value)))
    return rows


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.splitlines())


def summary_line(report: Report, verbose: bool = False) -> Text:
    """`N findings (…) in M files, K errors — gate: passed/failed`."""
    summary = report.summary()
    counts = [
        f"{n} {severity.value.lower()}"
        for severity in Severity
        if (n := sum(1 for f in report.findings if f.finding.severity is severity))
    ]
    text = Text()
    text.append(f"{summary['findings']} finding(s)")
    if counts:
        text.append(f" ({', '.join(counts)})")
    text.append(f" in {summary['documents']} polic(ies) from {summary['files']} file(s)")
    if summary["skipped"]:
        hint = "" if verbose else " (--verbose lists them)"
        text.append(f", {summary['skipped']} skipped without a policy{hint}")
    if summary["suppressed"]:
        text.append(f", {summary['suppressed']} suppressed")
    baselined = report.baselined()
    if baselined:
        per_rule = ", ".join(f"{rule} ×{n}" for rule, n in baselined.items())
        text.append(f", {summary['unchanged']} in baseline, not shown ({per_rule})")
    if report.errors:
        text.append(f", {len(report.errors)} input error(s)", style="bold red")
    if summary["warnings"]:
        hint = "" if verbose else " (--verbose shows them)"
        text.append(f", {summary['warnings']} input warning(s){hint}")
    gate = report.gate
    verdict = {
        0: ("passed", "bold green"),
        1: ("failed", "bold red"),
        130: ("interrupted", "bold yellow"),
    }.get(gate.exit_code, ("error", "bold red"))
    text.append(" — gate ")
    text.append(verdict[0], style=verdict[1])
    text.append(f" (fail on {gate.fail_on.value} and above, unknown={gate.unknown})")
    if report.service_reference:
        ref = report.service_reference
        text.append(f"; service reference {ref.get('date')} ({ref.get('source')})", style="dim")
    return text


# --- diff ----------------------------------------------------------------------------------


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
    screening = _screening(diff.findings, diff.suppressed, diff.expired_suppressions)
    if screening:
        console.print()
    for line in screening:
        console.print(line)
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
        if f.baseline == "unchanged":
            mark += ", in baseline"
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
        from policyreason.report.answers import witness_table

        console.print(witness_table(f"  {title}", [w.request for w in access.witnesses]))
    elif access.outcome is Outcome.UNKNOWN:
        console.print(f"  {title}: [magenta]unknown[/] — {escape(access.reason)}")


# --- reach ---------------------------------------------------------------------------------


def render_reach_text(report: ReachReport, width: int | None = None) -> str:
    """The report of `reach` as plain text (for --output)."""
    buffer = io.StringIO()
    print_reach(report, make_console(file=buffer, width=width or 120))
    return buffer.getvalue()


def print_reach(report: ReachReport, console: Console) -> None:
    """The answer of `reach` and its evidence, then the gate when it screened findings."""
    if report.exposed is not None:
        _print_exposures(console, report.exposed)
    if report.path is not None:
        _print_path_answer(console, report.path, report.src or "", report.dst or "")
    for line in _screening(report.findings, report.suppressed, report.expired_suppressions):
        console.print(line)


def _screening(
    findings: Sequence[VerbFinding | DiffFinding], suppressed: int, expired: Sequence[str]
) -> list[str]:
    """What suppressions and the baseline took out of the gate, as markup lines. Only a run
    that opted into them says anything, so the report of every other run is as it was."""
    lines = [f"[bold red]expired suppression (fails the gate):[/] {escape(t)}" for t in expired]
    baselined = sum(1 for f in findings if f.baseline == "unchanged")
    parts = [f"{suppressed} suppressed"] if suppressed else []
    if baselined:
        parts.append(f"{baselined} in baseline, not failing")
    if parts:
        lines.append(f"[dim]{', '.join(parts)}[/]")
    return lines


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


def _print_path(console: Console, w: PathWitness) -> None:
    """One witness: the packet, its forward hops and the hops of its reply."""
    console.print(f"  packet: [bold]{escape(str(w.packet))}[/] from {escape(w.source)}")
    console.print(_trace_tree("  forward", w.forward))
    if w.reply is not None:
        console.print(_trace_tree("  return", w.reply))


def _assumptions(console: Console, assumptions: tuple[str, ...]) -> None:
    for a in assumptions:
        console.print(f"  [dim]assumed: {escape(a)}[/]")


def _print_path_answer(console: Console, result: ReachResult, src: str, dst: str) -> None:
    """The verdict of `reach` and its evidence."""
    answer = result.answer
    ends = f"{escape(src)} -> {escape(dst)}"
    if answer.status is Outcome.WITNESSED:
        console.print(f"[green bold]reachable[/]: {ends} (witnessed)")
        for path in result.paths:
            _print_path(console, path)
    elif answer.status is Outcome.PROVEN:
        console.print(f"[red bold]not reachable[/]: {ends} (proven: no packet exists)")
        console.print(f"  reason: {escape(answer.reason)}")
        if result.blocked is not None:
            console.print("  the packet that gets furthest:")
            _print_path(console, result.blocked)
    elif answer.status is Outcome.UNKNOWN:
        console.print(f"[yellow bold]unknown[/]: {ends}: {escape(answer.reason)}")
        if result.candidate is not None:
            console.print("  a packet that gets through if the undecided components let it:")
            _print_path(console, result.candidate)
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


def _print_exposures(console: Console, result: ExposureResult) -> None:
    """A table of everything reachable from the internet, then one witness path each; then
    what may be reachable, what is unknown, and what the answer assumed."""
    answer = result.answer
    if answer.status is Outcome.PROVEN:
        console.print("[green]nothing is reachable from the internet[/] (proven)")
    elif answer.status is Outcome.UNKNOWN:
        console.print("[yellow bold]unknown[/]: what the internet reaches is not fully decided")
    elif answer.status is Outcome.ERROR:
        console.print(f"[red bold]error[/]: {escape(answer.reason)}")
    if result.exposures:
        console.print(_table("reachable from the internet", result.exposures))
        for e in result.exposures:
            console.print(
                f"[bold]{escape(e.target)}[/] {e.protocol} via {escape(e.rule or 'no filter')}:"
            )
            _print_path(console, e.witness)
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
            _print_path(console, e.witness)
    for target, reason in result.unknown:
        console.print(f"[yellow]unknown[/] for {escape(target)}: {escape(reason)}")
    if answer.status is Outcome.UNKNOWN and not result.possible and not result.unknown:
        console.print(f"  reason: {escape(answer.reason)}")
    _assumptions(console, answer.assumptions)
