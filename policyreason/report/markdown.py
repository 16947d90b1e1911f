"""A compact markdown report for pull-request comments (kept under GitHub's comment limit)."""

from __future__ import annotations

from policyreason.report import Report

MAX_ROWS = 50
_ICONS = {
    "ERROR": ":x:",
    "SECURITY_WARNING": ":rotating_light:",
    "WARNING": ":warning:",
    "SUGGESTION": ":bulb:",
}


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured markdown."""
    summary = report.summary()
    verdict = {0: "passed", 1: "failed", 130: "interrupted"}.get(
        report.gate.exit_code, "could not run"
    )
    lines = [
        f"### policyreason: gate {verdict}",
        "",
        f"{summary['findings']} finding(s) in {summary['documents']} policies from "
        f"{summary['files']} file(s); failing at **{report.gate.fail_on.value}** and above "
        f"(unknown={report.gate.unknown}): **{report.gate.failing}** failing.",
    ]
    if report.suppressed:
        lines.append(f"{report.suppressed} finding(s) suppressed by configuration.")
    baselined = report.baselined()
    if baselined:
        per_rule = ", ".join(f"`{rule}` ×{n}" for rule, n in baselined.items())
        lines.append(f"{sum(baselined.values())} finding(s) already in the baseline: {per_rule}.")
    for text in report.expired_suppressions:
        lines.append(f"**Expired suppression** (fails the gate): {_cell(text)}")
    if report.interrupted:
        lines.append(f"**Interrupted**: {len(report.unchecked)} file(s) not checked.")
    if report.service_reference:
        ref = report.service_reference
        lines.append(f"Service reference: {ref.get('source')}, {ref.get('date')}.")
    if report.errors:
        lines += ["", "#### Input errors", ""]
        lines += [f"- `{d.span}`: {_cell(d.message)}" for d in report.errors[:MAX_ROWS]]
    shown = [f for f in report.findings if f.baseline != "unchanged"]
    if shown:
        lines += ["", "| | Rule | Location | Message |", "|---|---|---|---|"]
        for item in shown[:MAX_ROWS]:
            f = item.finding
            icon = _ICONS.get(f.severity.value, "")
            message = _cell(f.message) + (f" — _{_cell(f.fix)}_" if f.fix else "")
            rule = f"`{f.rule_id}`" + (f" `{f.aa_code}`" if f.aa_code else "")
            lines.append(f"| {icon} {f.severity.value} | {rule} | `{f.span}` | {message} |")
        if len(shown) > MAX_ROWS:
            lines.append(f"\n… and {len(shown) - MAX_ROWS} more (see the full report).")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
