"""The per-file unit of work of `check`: read one file, run the checks on each policy in it,
and return everything the gate needs (picklable, so a pool or a cluster can run it). Whatever
goes wrong with one file is that file's error diagnostic, never the batch's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from policyreason.analysis.findings import Finding, Status
from policyreason.collector import paused
from policyreason.config import Suppression
from policyreason.errors import too_deep
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.span import Span
from policyreason.report import FileEntry

if TYPE_CHECKING:
    from policyreason.config import Config
    from policyreason.inputs import Document, LoadOptions, PrincipalPolicies, SourceFile
    from policyreason.ir.policy import PolicyKind
    from policyreason.run.options import RunOptions

# Diagnostics that describe a failed run rather than the file: never cached.
RUN_FAILURE_CODES = frozenset({"internal-error", "worker-crash", "timeout", "task-failed"})


class FoundFinding(BaseModel):
    """A finding with the document it is in, the Sid of its statement (suppressions can name
    it) and its baseline fingerprint."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    document: str
    fingerprint: str
    sid: str | None = None


class FileResult(BaseModel):
    """Everything the gate needs from one file: its report entry, its error diagnostics and
    its findings (before suppressions, the baseline and the gate decision), and the
    suppressions written in the file itself."""

    model_config = ConfigDict(frozen=True)

    entry: FileEntry
    errors: tuple[Diagnostic, ...] = ()
    found: tuple[FoundFinding, ...] = ()
    suppressions: tuple[Suppression, ...] = ()

    @property
    def cacheable(self) -> bool:
        """False when a retry might answer differently: an unknown finding, a crash, a timeout."""
        return not any(f.finding.status is Status.UNKNOWN for f in self.found) and not any(
            d.code in RUN_FAILURE_CODES for d in self.errors
        )


Work = Callable[[Path, "RunOptions"], FileResult]


def check_file(path: Path, options: RunOptions) -> FileResult:
    """Read one file and run the checks on each policy in it (picklable, for workers)."""
    from policyreason.inline_suppressions import template_suppressions
    from policyreason.inputs import InputType, load_file

    # Reading and each document's checks run with the cyclic collector paused (see
    # `collector.py`): it would otherwise promote the file's tree and IR, which live through
    # the checks, and those promotions set off the full collections that walk every cache.
    with paused():
        source = load_file(path, load_options(path, options))
    if source.input_type is not InputType.CLOUDFORMATION:
        return file_result(source, options.config)
    suppressions, errors = template_suppressions(path, source.path)
    result = file_result(source, options.config)
    return result.model_copy(
        update={"suppressions": tuple(suppressions), "errors": (*result.errors, *errors)}
    )


def load_options(path: Path, options: RunOptions) -> LoadOptions:
    """How to read `path`: the configured policy type of the first `policy-type` entry whose
    globs match it (relative to the configuration file), unless `--kind` set one for all."""
    from policyreason.gating import relative_path
    from policyreason.ir.policy import PolicyKind

    if options.load.kind is not None or not options.config.policy_types:
        return options.load
    relative = relative_path(str(path), options.config_dir)
    for rule in options.config.policy_types:
        if rule.matches(relative):
            return replace(options.load, kind=PolicyKind(rule.type))
    return options.load


def file_result(source: SourceFile, cfg: Config) -> FileResult:
    """The checks' results for an already-read file."""
    from policyreason.baseline import fingerprint, fingerprints

    diags = _unique(_named(source))
    errors = [d for d in diags if d.level is Level.ERROR]
    entry = FileEntry(
        path=source.path,
        input_type=source.input_type.value if source.input_type else None,
        documents=tuple((d.name, d.kind.value) for d in source.documents),
        notes=source.notes,
        warnings=tuple(d for d in diags if d.level is Level.WARNING),
    )
    found: list[FoundFinding] = []
    # In an authorization export, escalation is a question about each principal's whole
    # policy set (below), not about each of its policies alone.
    per_document = (
        cfg.model_copy(update={"disable": (*cfg.disable, "PR604")}) if source.principals else cfg
    )
    for document in source.documents:
        findings, failure = check_document(document, per_document)
        if failure is not None:
            errors.append(failure)
        prints = fingerprints(findings, document.name, document.parsed.root)
        found += [
            FoundFinding(
                finding=f,
                document=document.name,
                fingerprint=printed,
                sid=_sid(document, f),
            )
            for f, printed in zip(findings, prints, strict=True)
        ]
    for principal in source.principals:
        findings, failure = check_principal_set(principal, cfg)
        if failure is not None:
            errors.append(failure)
        found += [
            FoundFinding(
                finding=f,
                document=principal.name,
                fingerprint=fingerprint(f, principal.name, None),
            )
            for f in findings
        ]
    return FileResult(entry=entry, errors=tuple(errors), found=tuple(found))


def check_document(document: Document, cfg: Config) -> tuple[list[Finding], Diagnostic | None]:
    """The enabled checks on one policy document, or the internal error that stopped them."""
    from policyreason.analysis.scope import parse_zone
    from policyreason.checks import CheckContext, run_checks

    # A policy with errors is not answered for, but its well-formed statements are linted.
    policy = document.parsed.checkable
    if policy is None:
        return [], None
    context = CheckContext(
        source=document.source,
        root=document.parsed.root,
        attachment=document.attachment,
        zone=parse_zone(cfg.zone_of_trust) if cfg.zone_of_trust else None,
        resource_type=cfg.resource_type,
    )
    try:
        # One document's garbage at most waits for the collector: it resumes after each.
        with paused():
            findings = run_checks(
                policy,
                enabled=cfg.enable or None,
                disabled=cfg.disable,
                context=context,
            )
    except Exception as exc:
        return [], _internal_error(document.name, exc, policy.span)
    return findings, None


def check_principal_set(
    principal: PrincipalPolicies, cfg: Config
) -> tuple[list[Finding], Diagnostic | None]:
    """The checks whose unit is a principal's whole policy set (PR604) on one user or role of
    an authorization export."""
    from policyreason.analysis.escalation.paths import Caller
    from policyreason.checks import CheckContext, all_checks
    from policyreason.checks.semantic import check_principal

    info = next(c for c in all_checks() if c.id == "PR604")
    if (cfg.enable and info.id not in cfg.enable) or info.id in cfg.disable:
        return [], None
    user = principal.type == "user"
    caller = Caller(
        identity=principal.arn,
        kind=principal.type,
        groups=principal.groups if user else (),
        policies=principal.attached,
        # A role session's tags are the role's unless the session was given others.
        tags=principal.tags if user else None,
    )
    try:
        findings = list(
            check_principal(
                principal.name,
                principal.policies,
                caller,
                principal.span,
                CheckContext(current=info),
                principal.boundary_missing,
            )
        )
    except Exception as exc:
        return [], _internal_error(principal.name, exc, principal.span)
    return findings, None


def _internal_error(name: str, exc: Exception, span: Span) -> Diagnostic:
    """A crash in the checks of one document or principal, reported at it, never raised: the
    other documents are still checked."""
    return Diagnostic(
        code="internal-error",
        level=Level.ERROR,
        message=f"internal error while checking {name}: {type(exc).__name__}: {exc} "
        "(please report this)",
        span=span,
    )


def failed(path: Path, code: str, message: str) -> FileResult:
    """The result of a file whose task did not finish: one error diagnostic, `code`."""
    from policyreason.inputs import display_path

    shown = display_path(path)
    span = Span(file=shown, line=1, column=1, end_line=1, end_column=1)
    diagnostic = Diagnostic(code=code, level=Level.ERROR, message=message, span=span)
    return FileResult(
        entry=FileEntry(path=shown, input_type=None, documents=()), errors=(diagnostic,)
    )


def describe_failure(exc: BaseException | None) -> str:
    """What went wrong with a task, in words for its error diagnostic."""
    if exc is None:
        return "the task failed"
    if too_deep(exc):
        return "the document nests too deeply to be checked (RecursionError)"
    return f"checking this file failed: {type(exc).__name__}: {exc}"


def _sid(document: Document, finding: Finding) -> str | None:
    """The Sid of the statement the finding sits in, if it has one."""
    policy = document.parsed.checkable
    span = finding.span
    for stmt in policy.statements if policy is not None else ():
        outer = stmt.span
        inside = (outer.line, outer.column) <= (span.line, span.column) and (
            span.end_line,
            span.end_column,
        ) <= (outer.end_line, outer.end_column)
        if inside:
            return stmt.sid
    return None


def _named(source: SourceFile) -> list[Diagnostic]:
    """The file's diagnostics, each with the lint rule (and Access Analyzer code) it is an
    instance of, judged by the kind of policy it was found in."""
    from policyreason.checks import rule_for_diagnostic

    def name(d: Diagnostic, kind: PolicyKind | None) -> Diagnostic:
        rule = rule_for_diagnostic(d.code, kind)
        if rule is None:
            return d
        return d.model_copy(update={"rule_id": rule.id, "aa_code": rule.aa_code})

    out = [name(d, None) for d in source.diagnostics]
    for document in source.documents:
        out += [name(d, document.kind) for d in document.all_diagnostics]
    return sorted(out, key=lambda d: (d.span.line, d.span.column))


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    out: dict[tuple[str, str, str], Diagnostic] = {}
    for d in diags:
        out.setdefault((d.code, str(d.span), d.message), d)
    return list(out.values())
