"""The pipeline of `policyreason diff`: read both versions of every changed policy (from two
git revisions, or the two sides of a Terraform plan), pair them, compare each pair, and judge
the findings with the one gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from policyreason.analysis.change import (
    ChangeResult,
    ChangeStatus,
    DiffFinding,
    DiffRun,
    DiffSettings,
    PolicyChange,
    Version,
    run_changes,
)
from policyreason.checks import Family, all_rules
from policyreason.config import Suppression
from policyreason.errors import GitError, InputError, JsonSyntaxError
from policyreason.gating import (
    BaselineState,
    Gated,
    GateSettings,
    Place,
    Screening,
    exit_code,
    fails,
    naming,
    screen,
)
from policyreason.inline_suppressions import is_yaml, suppressions_in
from policyreason.inputs import LoadOptions, SourceFile, display_path
from policyreason.inputs.document import InputType
from policyreason.inputs.encoding import decode
from policyreason.inputs.git import (
    INDEX,
    WORKTREE,
    DocumentPair,
    Repository,
    changes,
    load_at,
    open_repository,
    pair,
    read_at,
    resolve,
    resolve_base,
)
from policyreason.inputs.tf_plan import is_plan, read_plan_side
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.span import Span
from policyreason.parse.json_spans import parse_json
from policyreason.report.findings import diff_fingerprint


def diff_git(
    base_ref: str | None,
    head_ref: str | None,
    staged: bool,
    paths: Sequence[str],
    settings: DiffSettings,
    load: LoadOptions,
    screening: Screening | None = None,
) -> DiffRun:
    """Compare every policy changed between `base_ref` and `head_ref` (default: the working
    tree; with `staged`, HEAD against the index) under `paths`, and judge the findings after
    `screening` (suppressions, a baseline); raises GitError."""
    repo = open_repository()
    base_ref = "HEAD" if staged or base_ref is None else base_ref
    base = resolve_base(repo, base_ref, staged)
    head = INDEX if staged else resolve(repo, head_ref) if head_ref else WORKTREE
    changed = changes(repo, base, head, list(paths))
    old_files: list[SourceFile] = []
    new_files: list[SourceFile] = []
    renames: dict[str, str] = {}
    for change in changed:
        if change.old is not None:
            old_files.append(load_at(repo, base, change.old, load))
        if change.new is not None:
            new_files.append(load_at(repo, head, change.new, load))
        if change.old is not None and change.new is not None and change.old != change.new:
            renames[repo.show_path(change.old)] = repo.show_path(change.new)
    pairs, unchanged = pair(old_files, new_files, renames)
    head_label = {INDEX: "index", WORKTREE: "working tree"}.get(head, head_ref or head)
    screening = screening or Screening()
    templates = [f.path for f in new_files if f.input_type is InputType.CLOUDFORMATION]
    found, problems = _template_suppressions(repo, head, templates)
    screening = screening.adding(found)
    if problems:
        # Malformed entries are located input errors of the run, as in `check`.
        new_files = [
            *new_files,
            SourceFile(problems[0].span.file, None, diagnostics=tuple(problems)),
        ]
    return compare_pairs(
        pairs,
        new_files,
        unchanged,
        settings,
        f"{base_ref} ({base[:12]})",
        head_label,
        len(changed),
        screening,
    )


def _template_suppressions(
    repo: Repository, head: str, shown_paths: Sequence[str]
) -> tuple[list[Suppression], list[Diagnostic]]:
    """The suppressions in the Metadata of the head templates (as `check` reads them), and
    located errors for malformed ones."""
    found: list[Suppression] = []
    problems: list[Diagnostic] = []
    for shown in shown_paths:
        path = repo.pathspec(shown)
        try:
            text = decode(read_at(repo, head, path), shown)
        except (GitError, InputError):
            continue  # the template's reader already reported why
        more, errors = suppressions_in(text, shown, is_yaml(Path(path), text))
        found += more
        problems += errors
    return found, problems


def diff_plan(
    path: str, settings: DiffSettings, load: LoadOptions, screening: Screening | None = None
) -> DiffRun:
    """Compare the `before` and `after` of every resource change of a Terraform plan
    (`terraform show -json`); a file that is not one is an input error of the run."""
    shown = display_path(Path(path))
    span = Span(file=shown, line=1, column=1, end_line=1, end_column=1)
    try:
        if Path(path).stat().st_size > load.max_bytes:
            raise OSError(f"over the {load.max_bytes / 2**20:g} MB limit (max-file-size-mb)")
        text = Path(path).read_text(encoding="utf-8-sig")
        root = parse_json(text, shown)
    except (OSError, UnicodeDecodeError) as exc:
        problem = Diagnostic(
            code="unreadable", level=Level.ERROR, message=f"cannot read: {exc}", span=span
        )
    except JsonSyntaxError as exc:
        problem = Diagnostic(code="syntax", level=Level.ERROR, message=exc.message, span=exc.span)
    else:
        if is_plan(root):
            before, _ = read_plan_side(root, text, shown, "before")
            after, diags = read_plan_side(root, text, shown, "after")
            olds = SourceFile(shown, None, tuple(before))
            news = SourceFile(shown, None, tuple(after), tuple(diags))
            pairs, unchanged = pair([olds], [news])
            return compare_pairs(
                pairs, [news], unchanged, settings, "before", "after", 1, screening
            )
        problem = Diagnostic(
            code="wrong-input-type",
            level=Level.ERROR,
            message="not a Terraform plan (terraform show -json plan.out)",
            span=span,
        )
    failed = SourceFile(shown, None, diagnostics=(problem,))
    return compare_pairs([], [failed], 0, settings, "before", "after", 1, screening)


def compare_pairs(
    pairs: list[DocumentPair],
    new_files: list[SourceFile],
    unchanged: int,
    settings: DiffSettings,
    base: str,
    head: str,
    files: int,
    screening: Screening | None = None,
) -> DiffRun:
    """Compare each pair, judge the findings, and collect the input errors and warnings of
    the head files."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for source in new_files:
        for d in source.all_diagnostics:
            (errors if d.level is Level.ERROR else warnings).append(d)
    run = DiffRun(
        base=base,
        head=head,
        results=run_changes([policy_change(p) for p in pairs], settings),
        errors=errors,
        warnings=warnings,
        files=files,
        unchanged=unchanged,
        fail_on=settings.fail_on,
        unknown=settings.unknown,
    )
    return judge(run, settings, screening or Screening())


def judge(run: DiffRun, settings: DiffSettings, screening: Screening) -> DiffRun:
    """The run with the gate applied: suppressed findings left out (only suppressions that
    name a rule of `diff`), the others marked against the baseline and judged, and the
    run's failing count and exit code set."""
    gate = GateSettings(fail_on=settings.fail_on, unknown=settings.unknown)
    ids = {r.id for r in all_rules(Family.CHANGE)}
    screening = replace(
        screening,
        suppressions=tuple(naming(screening.suppressions, ids)),
        expired=tuple(naming(screening.expired, ids)),
    )

    def place(f: DiffFinding) -> Place:
        return Place(f.category, f.span or _whole(f.policy), f.fingerprint)

    def judged(f: DiffFinding, state: BaselineState | None) -> DiffFinding:
        gated = Gated(
            tags=f.tags,
            severity=f.severity,
            status=f.status,
            possible=f.possible,
            accepted=bool(f.accepted),
            baseline=state,
        )
        return replace(f, baseline=state, failing=fails(gated, gate))

    results: list[ChangeResult] = []
    dropped = 0
    for result in run.results:
        printed = [
            replace(f, fingerprint=diff_fingerprint(f, result.change)) for f in result.findings
        ]
        screened = screen(printed, place, screening)
        dropped += screened.suppressed
        findings = tuple(judged(f, state) for f, state in screened.kept)
        results.append(replace(result, findings=findings))
    failing = sum(1 for r in results for f in r.findings if f.failing) + len(screening.expired)
    return replace(
        run,
        results=results,
        failing=failing,
        exit_code=exit_code(failing, len(run.errors)),
        suppressed=dropped,
        expired_suppressions=tuple(s.describe() for s in screening.expired),
    )


def _whole(file: str) -> Span:
    return Span(file=file, line=0, column=0, end_line=0, end_column=0)


def policy_change(p: DocumentPair) -> PolicyChange:
    """The change a pair of document versions makes, as the comparison takes it."""
    some = p.new or p.old
    assert some is not None
    return PolicyChange(
        key=p.key,
        names=p.names,
        kind=some.kind,
        status=ChangeStatus(p.status),
        old=Version(p.old.parsed.policy, p.old.file, p.old.name) if p.old else None,
        new=Version(p.new.parsed.policy, p.new.file, p.new.name) if p.new else None,
        problem=p.problem,
    )
