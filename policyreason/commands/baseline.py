"""`policyreason baseline PATH... --output FILE`: accept today's findings, so later
`check --baseline FILE` runs fail only on new ones."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from policyreason.commands.check import add_common_arguments


def register(subparsers: Any) -> None:
    """Add the `baseline` verb."""
    parser = subparsers.add_parser(
        "baseline",
        help="record the current findings as accepted (for check --baseline)",
        description="Write the fingerprints of the current findings to a baseline file.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        default=".policyreason-baseline.json",
        help="baseline file to write (default .policyreason-baseline.json)",
    )
    add_common_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the baseline; refuses (exit 2) when some input could not be read."""
    from dataclasses import replace
    from pathlib import Path

    from policyreason.baseline import write_baseline
    from policyreason.commands.check import options_from_args, run_with_progress
    from policyreason.errors import BaselineError, ConfigError
    from policyreason.gate import EXIT_ERROR, EXIT_OK
    from policyreason.report.text import diagnostic_line

    try:
        options = options_from_args(args)
    except (ConfigError, BaselineError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_ERROR
    # The baseline records what is there now, whatever an older baseline said.
    report = run_with_progress(args.paths, replace(options, baseline=None))
    if report.errors:
        for d in report.errors:
            sys.stderr.write(diagnostic_line(d) + "\n")
        sys.stderr.write("error: some inputs could not be read; baseline not written\n")
        return EXIT_ERROR
    try:
        count = write_baseline(
            Path(args.output),
            ((item.fingerprint, item.finding, item.document) for item in report.findings),
        )
    except OSError as exc:
        sys.stderr.write(f"{args.output}: error: cannot write: {exc.strerror or exc}\n")
        return EXIT_ERROR
    sys.stdout.write(f"{count} finding(s) recorded in {args.output}\n")
    return EXIT_OK
