"""The terminal report (rich): findings grouped by file, severity in colour, each witness as a
small table (as plain `key: value` lines when the output is not a terminal, so a CI log never
wraps an ARN), input problems as `file:line:col: error: message`, and a summary line.
Findings already in the baseline are counted, not listed."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.severity import Severity
from policyreason.report import Report, ReportedFinding
from policyreason.report.console import make_console

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
