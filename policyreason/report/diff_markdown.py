"""`diff --format markdown`: a short pull-request comment, a table per changed policy with
its witnesses in code blocks."""

from __future__ import annotations

import json

from policyreason.analysis.change import Access, ChangeResult, DiffRun
from policyreason.ir.answer import Status as Outcome

MAX_POLICIES = 25
MAX_WITNESSES = 2
_ICONS = {"SECURITY_WARNING": ":rotating_light:", "WARNING": ":warning:"}
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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return text.replace("`", "'")
