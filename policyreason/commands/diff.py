"""`policyreason diff`: the change gate over two git revisions or a Terraform plan."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyreason.analysis.change import DiffRun, DiffSettings
    from policyreason.gating import Screening
    from policyreason.inputs import LoadOptions

FAIL_ON = ("new-access", "lost-access", "public", "cross-account", "any")
FORMATS = ("text", "json", "sarif", "markdown")

EXAMPLES = """\
examples:
  policyreason diff --base HEAD~1                      # last commit against the working tree
  policyreason diff --base origin/main --head HEAD --format markdown policies/
  policyreason diff --staged                           # staged changes (pre-commit)
  policyreason diff --plan plan.json                   # terraform show -json plan.out

categories: new-access (WARNING), public and cross-account new access (SECURITY_WARNING),
lost-access (WARNING). By default the gate fails on public and cross-account new access
(and unknown answers); other new access is reported without failing (diff-fail-on in the
configuration, or --fail-on, changes that). Access restricted to an organization the policy
pins with aws:PrincipalOrgID is not cross-account unless the zone of trust names other
organizations.

exit codes: 0 = nothing failing; 1 = failing changes, or unknown answers (unless
--unknown=pass); 2 = usage, git or input error."""


def register(subparsers: Any) -> None:
    """Add the `diff` verb."""
    parser = subparsers.add_parser(
        "diff",
        help="new and lost access between two revisions or in a Terraform plan (change gate)",
        description=(
            "Compare every policy changed between two git revisions (or before and after a "
            "Terraform plan) and report the access each change grants and takes away, with "
            "concrete requests re-checked by the evaluator."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="limit to these files/folders")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base", metavar="REF", help="base revision (a commit, branch, tag)")
    source.add_argument(
        "--staged", action="store_true", help="HEAD against the index (what a commit would do)"
    )
    source.add_argument("--plan", metavar="PLAN.json", help="terraform show -json output")
    parser.add_argument("--head", metavar="REF", help="head revision (default: the working tree)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--also",
        action="append",
        metavar="FORMAT=FILE",
        help="also write the report in FORMAT to FILE, from the same run (repeatable), "
        "e.g. --also sarif=diff.sarif",
    )
    parser.add_argument(
        "--fail-on",
        metavar="CATEGORY",
        action="append",
        help=f"what fails the gate, repeatable or comma-separated: {', '.join(FAIL_ON)} "
        "(default: public,cross-account, or diff-fail-on in the configuration)",
    )
    parser.add_argument(
        "--unknown", choices=("fail", "pass"), help="whether unknown answers fail (default fail)"
    )
    parser.add_argument(
        "--witnesses", type=int, default=3, metavar="N", help="witnesses per direction"
    )
    parser.add_argument(
        "--zone-of-trust",
        action="append",
        metavar="ACCOUNT|o-ORGID",
        help="account or organization whose access is not cross-account (repeatable)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="fail only on findings not in FILE (written by --write-baseline)",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="write every finding of this run to FILE as the baseline of later runs",
    )
    parser.add_argument("--kind", help="policy kind of raw policy JSON files (default: detected)")
    parser.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the change gate; returns its exit code."""
    from policyreason.errors import BaselineError, ConfigError, GitError
    from policyreason.pipeline.diff import diff_git, diff_plan

    try:
        settings, load, screening = _settings(args)
        if args.head and (args.plan or args.staged):
            raise ConfigError("--head goes with --base")
        extra = [_extra_output(spec) for spec in args.also or ()]
        if args.plan:
            diff = diff_plan(args.plan, settings, load, screening)
        else:
            diff = diff_git(
                args.base, args.head, args.staged, args.paths, settings, load, screening
            )
    except (ConfigError, GitError, BaselineError) as exc:
        text = str(exc)
        sys.stderr.write(f"{text}\n" if "error: " in text else f"error: {text}\n")
        return 2
    code = _emit(diff, args.format, args.output)
    for fmt, file in extra:
        if not _write(file, _render(diff, fmt)):
            code = 2
    if args.write_baseline and not _write_baseline(diff, args.write_baseline):
        code = 2
    return code


def _write_baseline(diff: DiffRun, file: str) -> bool:
    from pathlib import Path

    from policyreason.baseline import write_rows
    from policyreason.report.findings import of_diff

    rows = [
        (v.fingerprint, v.rule_id, v.location.file or "", f.policy, v.message)
        for f in diff.findings
        for v in [of_diff(f)]
    ]
    try:
        write_rows(Path(file), rows)
    except OSError as exc:
        sys.stderr.write(f"{file}: error: cannot write: {exc.strerror or exc}\n")
        return False
    return True


def _extra_output(spec: str) -> tuple[str, str]:
    from policyreason.errors import ConfigError

    fmt, _, file = spec.partition("=")
    if fmt not in FORMATS or not file:
        raise ConfigError(
            f"--also {spec!r}: expected FORMAT=FILE, FORMAT one of {', '.join(FORMATS)}"
        )
    return fmt, file


def _settings(args: argparse.Namespace) -> tuple[DiffSettings, LoadOptions, Screening]:
    import datetime
    from pathlib import Path

    from policyreason.analysis.change import CATEGORIES, DEFAULT_FAIL_ON, DiffSettings
    from policyreason.baseline import read_baseline
    from policyreason.config import find_config, load_config, validate_trust
    from policyreason.errors import ConfigError
    from policyreason.gate import validate_suppressions
    from policyreason.gating import Screening
    from policyreason.inputs import LoadOptions
    from policyreason.ir.policy import PolicyKind

    config_path = Path(args.config) if args.config else find_config()
    cfg = load_config(config_path)
    validate_suppressions(cfg.suppressions)
    fail_on = set(cfg.diff_fail_on or DEFAULT_FAIL_ON)
    chosen = args.fail_on or list(cfg.diff_fail_on)
    if chosen:
        fail_on = {c.strip() for raw in chosen for c in raw.split(",") if c.strip()}
        unknown = sorted(fail_on - set(FAIL_ON))
        if unknown:
            where = "--fail-on" if args.fail_on else f"{cfg.source}: diff-fail-on"
            raise ConfigError(f"{where}: unknown category {unknown[0]!r} ({', '.join(FAIL_ON)})")
        if "any" in fail_on:
            fail_on = set(CATEGORIES)
    if args.witnesses < 1:
        raise ConfigError("--witnesses must be at least 1")
    kinds = [k.value for k in PolicyKind]
    if args.kind and args.kind not in kinds:
        raise ConfigError(f"--kind must be one of {', '.join(kinds)}")
    trust = [validate_trust(v) for v in (args.zone_of_trust or cfg.zone_of_trust)]
    settings = DiffSettings(
        witnesses=args.witnesses,
        accepts=cfg.accepts,
        trusted_accounts=frozenset(t for t in trust if t.isdigit()),
        trusted_orgs=frozenset(t for t in trust if t.startswith("o-")),
        fail_on=frozenset(fail_on),
        unknown=args.unknown or cfg.unknown,
    )
    load = LoadOptions(
        kind=PolicyKind(args.kind) if args.kind else None,
        parameters=cfg.parameters,
        max_bytes=int(cfg.max_file_size_mb * 1024 * 1024),
    )
    # Only an explicit --baseline applies: the configuration's baseline is check's.
    baseline = read_baseline(Path(args.baseline)) if args.baseline else None
    screening = Screening.of(
        cfg.suppressions,
        datetime.date.today(),
        baseline,
        config_path.resolve().parent if config_path else None,
    )
    return settings, load, screening


def _emit(diff: DiffRun, fmt: str, output: str | None) -> int:
    from policyreason.report.console import make_console
    from policyreason.report.text import diagnostic_line, print_diff

    for d in diff.errors:
        sys.stderr.write(diagnostic_line(d) + "\n")
    if fmt == "text" and output is None:
        print_diff(diff, make_console(highlight=False, soft_wrap=True))
        return diff.exit_code
    text = _render(diff, fmt)
    if output is None:
        sys.stdout.write(text)
    elif not _write(output, text):
        return 2
    return diff.exit_code


def _render(diff: DiffRun, fmt: str) -> str:
    from policyreason.report import render_diff

    return render_diff(diff, fmt)


def _write(file: str, text: str) -> bool:
    try:
        with open(file, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        sys.stderr.write(f"{file}: error: cannot write: {exc.strerror or exc}\n")
        return False
    return True
