"""The run of `check`: read inputs, run the checks on every policy, apply suppressions and the
baseline, and judge the findings with the one gate (`gating.py`).

Exit codes: 0 nothing at or above the threshold, 1 findings at or above it (or an expired
suppression), 2 an input or usage error (which wins over 1: a file we could not read was not
checked), 130 interrupted (the report covers the files checked before the interruption).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from policyreason.config import Suppression
from policyreason.errors import ConfigError
from policyreason.gating import EXIT_ERROR as EXIT_ERROR  # the commands read exit codes here
from policyreason.gating import EXIT_FINDINGS as EXIT_FINDINGS
from policyreason.gating import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from policyreason.gating import EXIT_OK as EXIT_OK
from policyreason.gating import (
    Gated,
    GateSettings,
    Place,
    Screening,
    screen,
    verdict,
)
from policyreason.inputs import (
    SourceFile,
    discover,
    display_path,
    named_files,
)
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.span import Span
from policyreason.report import Gate, Report, ReportedFinding, RuleInfo
from policyreason.run.options import RunOptions
from policyreason.run.schedule import Execution, execute_stream
from policyreason.run.tasks import FileResult, FoundFinding, file_result

Progress = Callable[[int, int], None]


def rule_catalogue() -> list[RuleInfo]:
    """Every rule of `check` as reporters document it."""
    from policyreason.report.rules import rule_infos

    return list(rule_infos())


def validate_check_ids(ids: Sequence[str]) -> None:
    """Raise ConfigError for an id no check has (a typo would silently check nothing)."""
    from policyreason.checks import all_checks

    # Ids only: the catalogue's documentation is rendered for reports, not for a typo check.
    known = {c.id for c in all_checks()}
    for check_id in ids:
        if check_id not in known:
            raise ConfigError(f"unknown check id {check_id!r}")


def validate_suppressions(suppressions: Sequence[Suppression]) -> None:
    """Raise ConfigError for a suppression naming a rule that does not exist (it would never
    match, and the finding it was written for would fail the gate unexplained); the rules of
    `diff` and `reach` are known too."""
    from policyreason.checks import all_rules

    catalogue = all_rules()
    known = {c.id.upper() for c in catalogue} | {c.aa_code for c in catalogue if c.aa_code}
    for entry in suppressions:
        for name in entry.rules:
            if name not in known:
                raise ConfigError(
                    f"{entry.origin or 'configuration'}: suppression names unknown rule {name!r}"
                )


def run(
    paths: Sequence[str],
    options: RunOptions,
    progress: Progress | None = None,
    execution: Execution | None = None,
) -> Report:
    """Check every policy found under `paths` and build the report. `execution` says how to
    spread the per-file work (default: in this process, no cache); the report is the same."""
    files, missing = discover(paths)
    results = [file_result(source, options.config) for source in missing]
    done: dict[int, FileResult] = {}
    stream = execute_stream(files, options, execution or Execution(), progress)
    unchecked: tuple[str, ...] | None = None
    try:
        for index, result in stream:
            done[index] = result
    except KeyboardInterrupt:
        stream.close()
        unchecked = tuple(display_path(f) for i, f in enumerate(files) if i not in done)
    results += [done[i] for i in sorted(done)]
    if options.config.no_policy == "fail":
        results = _named_without_policy(results, named_files(paths))
    return assemble(results, options, unchecked=unchecked)


def _named_without_policy(results: list[FileResult], named: frozenset[str]) -> list[FileResult]:
    # A file named on the command line was meant to be checked: finding nothing in it is an
    # error, not a green gate. Files found by walking a folder are only listed as skipped.
    out: list[FileResult] = []
    for result in results:
        entry = result.entry
        if entry.path in named and not entry.documents and not result.errors:
            what = entry.notes[0] if entry.notes else "nothing to check"
            diagnostic = Diagnostic(
                code="no-policy",
                level=Level.ERROR,
                message=f"no policy in this file ({what}); --no-policy=skip (no-policy = "
                '"skip" in the configuration) skips such files',
                span=Span(file=entry.path, line=1, column=1, end_line=1, end_column=1),
            )
            result = result.model_copy(update={"errors": (diagnostic,)})
        out.append(result)
    return out


def evaluate(sources: Sequence[SourceFile], options: RunOptions) -> Report:
    """Run the checks over already-read files and apply the gate."""
    return assemble([file_result(source, options.config) for source in sources], options)


def assemble(
    results: Sequence[FileResult], options: RunOptions, unchecked: tuple[str, ...] | None = None
) -> Report:
    """Apply suppressions, the baseline and the gate to per-file results, in their order;
    `unchecked` lists the files an interruption left out (None: the run was complete)."""
    from policyreason.data.reference import reference_info

    cfg = options.config
    errors = [d for result in results for d in result.errors]
    found = [item for result in results for item in result.found]
    suppressions = [*cfg.suppressions, *(s for r in results for s in r.suppressions)]
    expired = tuple(s for s in suppressions if s.expired(options.today))
    reported, dropped = _apply(found, options, [s for s in suppressions if s not in expired])
    judged = verdict(
        [_gated(item) for item in reported],
        GateSettings(fail_on=cfg.fail_on, unknown=cfg.unknown),
        errors=len(errors),
        expired=len(expired),
        interrupted=unchecked is not None,
    )
    catalogue = rule_catalogue()
    known = {r.id for r in catalogue}
    extra = {
        item.finding.rule_id: RuleInfo(
            id=item.finding.rule_id,
            title=item.finding.title,
            help=item.finding.title,
            severity=item.finding.severity,
        )
        for item in reported
        if item.finding.rule_id not in known
    }
    return Report(
        files=tuple(result.entry for result in results),
        findings=tuple(reported),
        errors=tuple(sorted(errors, key=lambda d: (d.span.file, d.span.line, d.span.column))),
        rules=tuple(catalogue + sorted(extra.values(), key=lambda r: r.id)),
        suppressed=dropped,
        expired_suppressions=tuple(s.describe() for s in expired),
        gate=Gate(
            fail_on=cfg.fail_on,
            unknown=cfg.unknown,
            failing=judged.count,
            exit_code=judged.exit_code,
        ),
        service_reference=reference_info().to_json(),
        unchecked=unchecked or (),
        interrupted=unchecked is not None,
    )


def _apply(
    found: list[FoundFinding], options: RunOptions, suppressions: list[Suppression]
) -> tuple[list[ReportedFinding], int]:
    seen: set[tuple[str, str, str]] = set()
    unique: list[FoundFinding] = []
    ordered = sorted(
        found,
        key=lambda p: (
            p.finding.span.file,
            p.finding.span.line,
            p.finding.span.column,
            p.finding.rule_id,
        ),
    )
    for item in ordered:
        finding = item.finding
        # A boundary analysed twice (as a managed policy and as a role's boundary) reports once.
        key = (finding.rule_id, str(finding.span), finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(item)

    def place(item: FoundFinding) -> Place:
        f = item.finding
        return Place(f.rule_id, f.span, item.fingerprint, f.aa_code, item.sid)

    screening = Screening(tuple(suppressions), baseline=options.baseline, root=options.config_dir)
    screened = screen(unique, place, screening)
    reported = [
        ReportedFinding(
            finding=item.finding,
            document=item.document,
            fingerprint=item.fingerprint,
            baseline=state,
            sid=item.sid,
        )
        for item, state in screened.kept
    ]
    return reported, screened.suppressed


def _gated(item: ReportedFinding) -> Gated:
    f = item.finding
    return Gated(tags=(f.rule_id,), severity=f.severity, status=f.status, baseline=item.baseline)
