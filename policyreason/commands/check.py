"""`policyreason check PATH...`: lint and analyse every policy found, as a CI gate."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from policyreason.collector import batch, settle

if TYPE_CHECKING:
    from policyreason.run.options import RunOptions
    from policyreason.run.schedule import Execution

SEVERITIES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")
INPUT_TYPES = (
    "policy",
    "cloudformation",
    "terraform-plan",
    "authorization-details",
    "aws-describe",
)
KINDS = ("identity", "resource", "trust", "scp", "rcp", "boundary", "session", "endpoint")
PROGRESS_MIN_FILES = 20
# Without a terminal (a CI log), a line each tenth of the batch, and at least this often.
PROGRESS_EVERY_S = 30.0


def register(subparsers: Any) -> None:
    """Add the `check` verb."""
    parser = subparsers.add_parser(
        "check",
        help="lint and analyse policies in files and folders (CI gate)",
        description=(
            "Find every policy in the given files and folders (policy JSON, CloudFormation, "
            "Terraform plan JSON, IAM authorization exports) and report findings. Exit 0: "
            "nothing at or above --fail-on; 1: findings at or above it; 2: input or usage error."
        ),
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument("--format", choices=("text", "json", "sarif", "markdown"), default="text")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="also show input warnings and rule help"
    )
    add_common_arguments(parser)
    parser.add_argument(
        "--fail-on",
        metavar="LEVEL",
        type=str.upper,
        choices=SEVERITIES,
        help="lowest severity that fails the gate (default SECURITY_WARNING)",
    )
    parser.add_argument(
        "--unknown",
        choices=("fail", "pass"),
        help="whether unknown results fail the gate (default fail)",
    )
    parser.add_argument("--baseline", metavar="FILE", help="fail only on findings not in FILE")
    parser.add_argument(
        "--zone-of-trust",
        action="append",
        metavar="ACCOUNT|o-ORGID",
        help="account or organization whose access is not external (repeatable)",
    )
    parser.add_argument(
        "--resource-type",
        metavar="TYPE",
        help="resource type of resource policies for public/external access, e.g. "
        "AWS::S3::Bucket (default: inferred from each policy's Resource ARNs)",
    )
    parallel = parser.add_argument_group("parallel runs and the result cache")
    parallel.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: one per CPU when the files' size makes it worth "
        "starting them, else 1)",
    )
    parallel.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="check the files on a Dask cluster (e.g. tcp://host:8786; needs policyreason[dask])",
    )
    parallel.add_argument(
        "--file-timeout",
        type=_positive_float,
        metavar="SECONDS",
        default=600.0,
        help="stop checking a file after this long, an error for that file (default 600; "
        "with --jobs above 1 or --scheduler)",
    )
    parallel.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    parallel.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="result cache folder (default $POLICYREASON_CACHE_DIR, else the user cache folder)",
    )
    parser.set_defaults(run=run)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def execution_from_args(args: argparse.Namespace) -> Execution:
    """How to spread the work and where the cache is, from the flags."""
    from pathlib import Path

    from policyreason.run.schedule import Execution

    cache_dir = None
    if not args.no_cache:
        from policyreason.run.cache import default_cache_dir  # and SQLite, only for a cache

        cache_dir = Path(args.cache_dir or default_cache_dir())
    return Execution(
        jobs=args.jobs,
        scheduler=args.scheduler,
        cache_dir=cache_dir,
        file_timeout=args.file_timeout,
    )


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Input and configuration options shared by check, baseline and explain."""
    parser.add_argument("--kind", choices=KINDS, help="policy kind of raw policy JSON files")
    parser.add_argument("--input-type", choices=INPUT_TYPES, help="force the input format")
    parser.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    parser.add_argument("--enable", action="append", metavar="CHECK_ID", help="run only these")
    parser.add_argument("--disable", action="append", metavar="CHECK_ID", help="skip a check")
    parser.add_argument(
        "--no-policy",
        choices=("fail", "skip"),
        help="a file named on the command line that holds no policy fails the gate (default) "
        "or is skipped",
    )


def options_from_args(args: argparse.Namespace) -> RunOptions:
    """Configuration file, then flags on top; raises ConfigError or BaselineError."""
    from pathlib import Path

    from policyreason.baseline import read_baseline
    from policyreason.config import (
        find_config,
        load_config,
        parse_no_policy,
        parse_severity,
        parse_unknown,
        validate_resource_type,
        validate_trust,
    )
    from policyreason.gate import validate_check_ids, validate_suppressions
    from policyreason.inputs import InputType, LoadOptions
    from policyreason.ir.policy import PolicyKind
    from policyreason.run.options import RunOptions

    config_path = Path(args.config) if args.config else find_config()
    cfg = load_config(config_path)
    updates: dict[str, Any] = {}
    if getattr(args, "fail_on", None):
        updates["fail_on"] = parse_severity(args.fail_on)
    if getattr(args, "unknown", None):
        updates["unknown"] = parse_unknown(args.unknown)
    if getattr(args, "no_policy", None):
        updates["no_policy"] = parse_no_policy(args.no_policy)
    if getattr(args, "resource_type", None):
        updates["resource_type"] = validate_resource_type(args.resource_type)
    if getattr(args, "zone_of_trust", None):
        updates["zone_of_trust"] = tuple(validate_trust(v) for v in args.zone_of_trust)
    enable = tuple(args.enable or ())
    if enable:
        updates["enable"] = enable
    disable = tuple(args.disable) if args.disable else cfg.disable
    # A check enabled on the command line runs even if the file disables it.
    updates["disable"] = tuple(d for d in disable if d not in enable)
    cfg = cfg.model_copy(update=updates)
    validate_check_ids([*cfg.enable, *cfg.disable])
    validate_suppressions(cfg.suppressions)
    baseline_file = getattr(args, "baseline", None) or cfg.baseline
    load = LoadOptions(
        input_type=InputType(args.input_type) if args.input_type else None,
        kind=PolicyKind(args.kind) if args.kind else None,
        parameters=cfg.parameters,
        max_bytes=int(cfg.max_file_size_mb * 1024 * 1024),
    )
    return RunOptions(
        config=cfg,
        load=load,
        baseline=read_baseline(Path(baseline_file)) if baseline_file else None,
        config_dir=config_path.resolve().parent if config_path else None,
    )


def run(args: argparse.Namespace) -> int:
    """Run the gate; returns its exit code."""
    from policyreason.errors import BaselineError, ConfigError, SchedulerError
    from policyreason.gate import EXIT_ERROR, EXIT_INTERRUPTED

    try:
        options = options_from_args(args)
    except (ConfigError, BaselineError) as exc:
        sys.stderr.write(f"{exc}\n" if ": error: " in str(exc) else f"error: {exc}\n")
        return EXIT_ERROR
    # The whole command is one batch (`collector`): the caches and results frozen after each
    # file stay frozen while the report is assembled and rendered, whose objects would
    # otherwise set off full collections, each a walk over all of them (0.3 CPU-s over the
    # managed policies); thawed afterwards, so that a process running several commands
    # collects them.
    with batch():
        try:
            report = run_with_progress(args.paths, options, execution_from_args(args))
        except SchedulerError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return EXIT_ERROR
        except KeyboardInterrupt:
            # Before any file was checked (while reading the configuration or listing files).
            sys.stderr.write("interrupted before any file was checked\n")
            return EXIT_INTERRUPTED
        settle()
        return emit(report, args.format, args.output, args.verbose)


class ProgressLines:
    """Progress of a long batch as plain lines on a stream (a CI log has no terminal to draw a
    bar in): a line each tenth of the files, at least every PROGRESS_EVERY_S seconds, and one
    at the end; nothing for batches under PROGRESS_MIN_FILES."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = 0
        self.at = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        step = max(1, total // 10)
        late = time.monotonic() - self.at >= PROGRESS_EVERY_S
        if done == total or done - self.shown >= step or late:
            self.stream.write(
                f"policyreason: checked {done}/{total} files ({done * 100 // total}%)\n"
            )
            self.stream.flush()
            self.shown, self.at = done, time.monotonic()


def run_with_progress(
    paths: list[str], options: RunOptions, execution: Execution | None = None
) -> Any:
    """`api.check` with a progress bar on stderr for large batches in a terminal, progress
    lines elsewhere."""
    from policyreason.api import check

    progress = BatchProgress()
    try:
        return check(paths, options, execution, progress)
    finally:
        progress.close()


class BatchProgress:
    """Progress shown once a batch has PROGRESS_MIN_FILES files: a bar in a terminal, lines
    elsewhere. Chosen at the first report of such a batch, so a run of a few files (a
    pre-commit hook) never loads rich to learn whether stderr is a terminal."""

    def __init__(self) -> None:
        self._show: Callable[[int, int], None] | None = None
        self._stop: Callable[[], None] | None = None

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        if self._show is None:
            self._show = self._start()
        self._show(done, total)

    def _start(self) -> Callable[[int, int], None]:
        # rich takes 0.17 s to load; a stream that is no terminal and no setting that makes rich
        # treat it as one (its TTY_COMPATIBLE and FORCE_COLOR) need not load it to know.
        if not (
            sys.stderr.isatty()
            or os.environ.get("TTY_COMPATIBLE") == "1"
            or os.environ.get("FORCE_COLOR")
        ):
            return ProgressLines(sys.stderr)
        from rich.progress import Progress

        from policyreason.report.console import make_console

        console = make_console(stderr=True)
        if not console.is_terminal:
            return ProgressLines(sys.stderr)
        bar = Progress(console=console, transient=True)
        bar.start()
        self._stop = bar.stop
        task = bar.add_task("checking", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return advance

    def close(self) -> None:
        """Take the bar off the terminal, if one was drawn."""
        if self._stop is not None:
            self._stop()
            self._stop = None


def emit(report: Any, fmt: str, output: str | None, verbose: bool = False) -> int:
    """Write the report where asked; input errors also go to stderr unless the text report
    already shows them there. Returns the gate's exit code."""
    from policyreason.report import render

    if fmt == "text" and output is None:
        from policyreason.report.console import make_console
        from policyreason.report.text import print_report

        print_report(report, make_console(highlight=False, soft_wrap=True), verbose)
    else:
        text = render(report, fmt)
        if output is None:
            sys.stdout.write(text)
        else:
            try:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                sys.stderr.write(f"{output}: error: cannot write: {exc.strerror or exc}\n")
                return 2
        if report.errors:
            # rich (under the text report) is loaded only when there is an error to show.
            from policyreason.report.text import diagnostic_line

            for d in report.errors:
                sys.stderr.write(diagnostic_line(d) + "\n")
    code: int = report.gate.exit_code
    return code
