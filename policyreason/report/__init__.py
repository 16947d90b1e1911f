"""What every reporter consumes: the result of one run of `check` (a Report, built by the
gate), of `diff` (the DiffRun its pipeline judged) or of `reach` (a ReachReport), each with
its findings in one shape (`report/findings.py`).

Reporters (text, JSON, SARIF, markdown) only format these; `render`, `render_diff` and
`render_reach` pick the writer of a format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from policyreason.analysis.findings import Finding, Status
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.severity import Severity

if TYPE_CHECKING:
    from policyreason.analysis.change import DiffRun
    from policyreason.analysis.network.exposures import ExposureResult
    from policyreason.analysis.network.reach import ReachResult
    from policyreason.report.findings import VerbFinding

FORMATS = ("text", "json", "sarif", "markdown")


class RuleInfo(BaseModel):
    """A rule as documented to users (SARIF `rules`, `explain`): `help` is its full
    documentation in markdown, `summary` the first paragraph, `aa_code` IAM Access Analyzer's
    issue code for the same problem, `evidence` what backs its findings, `family` the verb
    that reports it (lint: check, change: diff, network: reach)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    help: str
    severity: Severity
    summary: str = ""
    aa_code: str | None = None
    evidence: str = "syntactic"
    family: str = "lint"


class ReportedFinding(BaseModel):
    """A finding with where it sits and how it compares to the baseline.

    `fingerprint` is stable across edits that only move the policy around (see baseline.py);
    `baseline` is None without a baseline, else "new" or "unchanged".
    """

    model_config = ConfigDict(frozen=True)

    finding: Finding
    document: str
    fingerprint: str
    baseline: Literal["new", "unchanged"] | None = None
    sid: str | None = None


class FileEntry(BaseModel):
    """One file read: its detected format, the policies found, notes and input warnings."""

    model_config = ConfigDict(frozen=True)

    path: str
    input_type: str | None
    documents: tuple[tuple[str, str], ...]  # (name, kind)
    notes: tuple[str, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()


class Gate(BaseModel):
    """The CI gate's settings and verdict."""

    model_config = ConfigDict(frozen=True)

    fail_on: Severity
    unknown: Literal["fail", "pass"]
    failing: int
    exit_code: int


class Report(BaseModel):
    """Everything one run found.

    `expired_suppressions` describe suppressions past their date (each fails the gate);
    `service_reference` is the source and date of the service authorization reference the
    checks used; `interrupted` runs list the files they did not get to in `unchecked`."""

    model_config = ConfigDict(frozen=True)

    files: tuple[FileEntry, ...]
    findings: tuple[ReportedFinding, ...]
    errors: tuple[Diagnostic, ...]
    rules: tuple[RuleInfo, ...]
    suppressed: int
    gate: Gate
    expired_suppressions: tuple[str, ...] = ()
    service_reference: dict[str, str] = {}
    interrupted: bool = False
    unchecked: tuple[str, ...] = ()

    def skipped(self) -> list[FileEntry]:
        """Files read without error that hold no policy (unrelated JSON or YAML, empty)."""
        failed = {d.span.file for d in self.errors}
        return [f for f in self.files if not f.documents and f.path not in failed]

    def rule(self, rule_id: str) -> RuleInfo | None:
        """The documentation of a rule, when known."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def baselined(self) -> dict[str, int]:
        """Findings already in the baseline, counted per rule (shown as a summary line)."""
        counts: dict[str, int] = {}
        for item in self.findings:
            if item.baseline == "unchanged":
                counts[item.finding.rule_id] = counts.get(item.finding.rule_id, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> dict[str, object]:
        """Counts for the summary line and the JSON `summary` object."""
        by_severity = {s.value: 0 for s in Severity}
        by_status = {s.value: 0 for s in Status}
        for item in self.findings:
            by_severity[item.finding.severity.value] += 1
            by_status[item.finding.status.value] += 1
        return {
            "files": len(self.files),
            "documents": sum(len(f.documents) for f in self.files),
            "findings": len(self.findings),
            "by_severity": by_severity,
            "by_status": by_status,
            "new": sum(1 for f in self.findings if f.baseline == "new"),
            "unchanged": sum(1 for f in self.findings if f.baseline == "unchanged"),
            "suppressed": self.suppressed,
            "skipped": len(self.skipped()),
            "expired_suppressions": len(self.expired_suppressions),
            "errors": len(self.errors),
            "warnings": sum(len(f.warnings) for f in self.files),
            "fail_on": self.gate.fail_on.value,
            "unknown": self.gate.unknown,
            "failing": self.gate.failing,
            "exit_code": self.gate.exit_code,
            "interrupted": self.interrupted,
        }


def render(report: Report, fmt: str, color: bool = False, width: int = 100) -> str:
    """The report in one of FORMATS."""
    if fmt == "json":
        from policyreason.report.json import render_json

        return render_json(report)
    if fmt == "sarif":
        from policyreason.report.sarif import render_sarif

        return render_sarif(report)
    if fmt == "markdown":
        from policyreason.report.markdown import render_markdown

        return render_markdown(report)
    from policyreason.report.text import render_text

    return render_text(report, color=color, width=width)


@dataclass(frozen=True)
class ReachReport:
    """What `reach` reports: the answer to a path question between `src` and `dst`
    (`path`), or to every exposure to the internet (`exposed`); its findings as the gate
    judged them (suppressed ones left out), how many suppressions dropped, the expired
    suppressions, how many things fail the run, and its exit code."""

    findings: tuple[VerbFinding, ...]
    path: ReachResult | None = None
    exposed: ExposureResult | None = None
    src: str | None = None
    dst: str | None = None
    suppressed: int = 0
    expired_suppressions: tuple[str, ...] = ()
    failing: int = 0
    exit_code: int = 0

    @property
    def assumptions(self) -> tuple[str, ...]:
        """What the answer took for granted."""
        found = self.exposed or self.path
        return found.answer.assumptions if found is not None else ()


def render_diff(diff: DiffRun, fmt: str) -> str:
    """The report of `diff` in one of FORMATS."""
    if fmt == "json":
        from policyreason.report.json import render_diff_json

        return render_diff_json(diff)
    if fmt == "sarif":
        from policyreason.report.sarif import render_diff_sarif

        return render_diff_sarif(diff)
    if fmt == "markdown":
        from policyreason.report.markdown import render_diff_markdown

        return render_diff_markdown(diff)
    from policyreason.report.text import render_diff_text

    return render_diff_text(diff)


def render_reach(report: ReachReport, fmt: str, width: int | None = None) -> str:
    """The report of `reach` in one of FORMATS (text `width` None: the terminal's)."""
    if fmt == "json":
        from policyreason.report.json import render_reach_json

        return render_reach_json(report)
    if fmt == "sarif":
        from policyreason.report.sarif import render_reach_sarif

        return render_reach_sarif(report)
    if fmt == "markdown":
        from policyreason.report.markdown import render_reach_markdown

        return render_reach_markdown(report)
    from policyreason.report.text import render_reach_text

    return render_reach_text(report, width)
