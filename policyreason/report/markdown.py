"""Compact markdown reports of every verb for pull-request comments (kept under GitHub's
comment limit): a heading with the gate's verdict, a line of counts, a table of findings
(rule, location, message), and each verb's own part: the changed policies with witness
requests (`diff`), the paths of witness packets (`reach`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from policyreason.ir.answer import Status as Outcome
from policyreason.report import ReachReport, Report
from policyreason.report.findings import Proven, Undecided, VerbFinding, WitnessPacket, of_check

if TYPE_CHECKING:
    from policyreason.analysis.change import Access, ChangeResult, DiffRun
    from policyreason.analysis.network.trace import PathWitness, Trace

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
        lines += [_row(of_check(item)) for item in shown[:MAX_ROWS]]
        if len(shown) > MAX_ROWS:
            lines.append(f"\n… and {len(shown) - MAX_ROWS} more (see the full report).")
    return "\n".join(lines) + "\n"


def _row(f: VerbFinding, state: str = "") -> str:
    """A finding of any verb as a table row: severity (and the gate's `state`), rule,
    location, message and fix."""
    icon = _ICONS.get(f.severity.value, "")
    aa_code = f.properties.get("aaCode")
    rule = f"`{f.rule_id}`" + (f" `{aa_code}`" if aa_code else "")
    span = f.location.span
    where = f"`{span}`" if span is not None else ""
    if f.location.component:
        where = f"{where} {_cell(f.location.component)}".strip()
    fix = f.properties.get("fix")
    message = _cell(f.message) + (f" — _{_cell(fix)}_" if fix else "")
    return f"| {icon} {f.severity.value}{state} | {rule} | {where} | {message} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- diff ----------------------------------------------------------------------------------

MAX_POLICIES = 25
MAX_WITNESSES = 2
_VERDICTS = {
    "equivalent": "equivalent",
    "more_permissive": "more permissive",
    "less_permissive": "less permissive",
    "incomparable": "grants and takes away access",
    "unknown": "unknown",
}


def render_diff_markdown(diff: DiffRun) -> str:
    """The run as GitHub-flavoured markdown."""
    verdict = {0: "passed", 1: "failed"}.get(diff.exit_code, "could not run")
    lines = [
        f"### policyreason diff: gate {verdict}",
        "",
        f"`{_code(diff.base)}` → `{_code(diff.head)}`: {len(diff.results)} changed "
        f"policies, **{diff.failing}** failing (fail on {', '.join(sorted(diff.fail_on))}; "
        f"unknown={diff.unknown}).",
    ]
    if diff.suppressed:
        lines.append(f"{diff.suppressed} finding(s) suppressed by configuration.")
    baselined = sum(1 for f in diff.findings if f.baseline == "unchanged")
    if baselined:
        lines.append(f"{baselined} finding(s) already in the baseline.")
    for text in diff.expired_suppressions:
        lines.append(f"**Expired suppression** (fails the gate): {_cell(text)}")
    if diff.errors:
        lines += ["", "#### Input errors", ""]
        lines += [f"- `{d.span}`: {_cell(d.message)}" for d in diff.errors[:MAX_POLICIES]]
    for result in diff.results[:MAX_POLICIES]:
        lines += _change(result)
    if len(diff.results) > MAX_POLICIES:
        lines.append(f"\n… and {len(diff.results) - MAX_POLICIES} more (see the full report).")
    return "\n".join(lines) + "\n"


def _change(result: ChangeResult) -> list[str]:
    c = result.change
    lines = [
        "",
        f"#### `{_code(c.key)}` ({c.status.value}): {_VERDICTS[result.verdict.value]}",
    ]
    if not result.findings:
        return lines
    lines += ["", "| | Category | Location | Change |", "|---|---|---|---|"]
    for f in result.findings:
        icon = _ICONS.get(f.severity.value, "")
        state = " (failing)" if f.failing else " (accepted)" if f.accepted else ""
        if not f.failing and f.baseline == "unchanged":
            state = " (in baseline)"
        where = f"`{f.span}`" if f.span else ""
        lines.append(
            f"| {icon} {f.severity.value}{state} | {f.category} | {where} | {_cell(f.message)} |"
        )
    for access in (result.new_access, result.lost_access):
        lines += _witnesses(access)
    return lines


def _witnesses(access: Access) -> list[str]:
    if access.outcome is not Outcome.WITNESSED or not access.witnesses:
        return []
    title = "New access" if access.direction == "new-access" else "Lost access"
    shown = [w.request.to_json() for w in access.witnesses[:MAX_WITNESSES]]
    body = "\n".join(json.dumps(w, sort_keys=True) for w in shown)
    return ["", f"{title}, e.g.:", "```json", body, "```"]


def _code(text: str) -> str:
    return text.replace("`", "'")


# --- reach ---------------------------------------------------------------------------------

MAX_PATHS = 3


def render_reach_markdown(report: ReachReport) -> str:
    """The report of `reach` as GitHub-flavoured markdown."""
    verdict = {0: "passed", 1: "failed"}.get(report.exit_code, "could not run")
    lines = [f"### policyreason reach: gate {verdict}", "", _question(report)]
    if report.suppressed:
        lines.append(f"{report.suppressed} finding(s) suppressed by configuration.")
    baselined = sum(1 for f in report.findings if f.baseline == "unchanged")
    if baselined:
        lines.append(f"{baselined} finding(s) already in the baseline.")
    for text in report.expired_suppressions:
        lines.append(f"**Expired suppression** (fails the gate): {_cell(text)}")
    if report.findings:
        lines += ["", "| | Rule | Location | Finding |", "|---|---|---|---|"]
        lines += [_reach_row(f) for f in report.findings[:MAX_ROWS]]
        if len(report.findings) > MAX_ROWS:
            lines.append(f"\n… and {len(report.findings) - MAX_ROWS} more (see the full report).")
    paths = [(f, p) for f in report.findings if (p := _path(f)) is not None][:MAX_PATHS]
    for f, path in paths:
        target = str(f.properties.get("target", f.rule_id))
        lines += ["", f"Path to `{_code(target)}` ({f.rule_id}):", "```"]
        lines += _hops("forward", path.forward)
        if path.reply is not None:
            lines += _hops("return", path.reply)
        lines.append("```")
    if report.assumptions:
        lines += ["", "Assumed:"]
        lines += [f"- {_cell(a)}" for a in report.assumptions]
    return "\n".join(lines) + "\n"


def _question(report: ReachReport) -> str:
    failing = f"**{report.failing}** failing."
    if report.exposed is not None:
        exp = report.exposed
        what = f"{len(exp.exposures)} exposure(s) to the internet ({exp.answer.status.value})"
        if exp.possible:
            what += f", {len(exp.possible)} possible"
        return f"{what}; {failing}"
    status = report.path.answer.status if report.path is not None else Outcome.ERROR
    ends = f"`{_code(report.src or '')}` → `{_code(report.dst or '')}`"
    verdict = {
        Outcome.WITNESSED: "reachable (witnessed)",
        Outcome.PROVEN: "not reachable (proven)",
    }.get(status, status.value)
    return f"{ends}: {verdict}; {failing}"


def _reach_row(f: VerbFinding) -> str:
    state = " (failing)" if f.failing else " (in baseline)" if f.baseline == "unchanged" else ""
    return _row(f, state)


def _path(f: VerbFinding) -> PathWitness | None:
    evidence = f.evidence
    if isinstance(evidence, WitnessPacket):
        return evidence.path
    if isinstance(evidence, Proven | Undecided):
        return evidence.path
    return None


def _hops(title: str, trace: Trace) -> list[str]:
    lines = [f"{title}:"]
    for hop in trace.hops:
        line = f"  {hop.component} {hop.kind} {hop.action}"
        if hop.rule:
            line += f"  {hop.rule}"
        if hop.span is not None and hop.span.line > 0:
            line += f"  {hop.span}"
        lines.append(line)
    if not trace.delivered:
        code = trace.code.value if trace.code else ""
        lines.append(f"  {trace.disposition.value}: {code} {trace.explanation}".rstrip())
    return lines
