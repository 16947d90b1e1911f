"""`policyreason explain RULE | FILE[:LINE]`: a rule's documentation (by its id, PR601,
new-access, NET001, or its IAM Access Analyzer code, EQUIVALENT_TO_NULL_FALSE), or every
finding of a file (or of one line) in full: message, fix, witness, details and the rule's
documentation."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from policyreason.commands.check import add_common_arguments

_WITH_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+)$")
_RULE_NAME = re.compile(r"^(PR\d{3}|NET\d{3}|[A-Za-z]+(_[A-Za-z]+)+)$")


def register(subparsers: Any) -> None:
    """Add the `explain` verb."""
    parser = subparsers.add_parser(
        "explain",
        help="show a rule's documentation, or every finding of a file or line in full",
        description="Explain a rule (PR601, new-access, NET001, or an Access Analyzer code "
        "such as EQUIVALENT_TO_NULL_FALSE), or the findings of FILE, or only those covering LINE.",
    )
    parser.add_argument("target", metavar="RULE|FILE[:LINE]")
    add_common_arguments(parser)
    parser.set_defaults(run=run)


def split_target(target: str) -> tuple[str, int | None]:
    """(path, line) from `FILE[:LINE]`; a file whose name ends in `:digits` wins if it exists."""
    from pathlib import Path

    match = _WITH_LINE.match(target)
    if match is None or Path(target).exists():
        return target, None
    return match.group("path"), int(match.group("line"))


def run(args: argparse.Namespace) -> int:
    """Print the rule's documentation or the findings; exit 2 when neither a rule nor a
    readable file is named, else 0."""
    from pathlib import Path

    from policyreason.checks import find_rules

    if not Path(args.target).exists() and (
        _RULE_NAME.match(args.target) or find_rules(args.target, family=None)
    ):
        return explain_rule(args.target)
    return explain_file(args)


def explain_rule(name: str) -> int:
    """Print the documentation of the rules `name` stands for; 2 when it names none."""
    from rich.markdown import Markdown

    from policyreason.checks import find_rules
    from policyreason.checks.aa_reference import NOT_CHECKED, reference_check
    from policyreason.checks.rule_docs import markdown
    from policyreason.gate import EXIT_ERROR, EXIT_OK
    from policyreason.report.console import make_console

    console = make_console(highlight=False, soft_wrap=True)
    pages = [markdown(info) for info in find_rules(name, family=None)]
    entry = reference_check(name)
    if not pages and entry is not None and entry.code in NOT_CHECKED:
        pages = [
            f"# {entry.code}: {entry.title}\n\nIAM Access Analyzer reports this as "
            f"{entry.severity.value}. policyreason does not check it: "
            f"{NOT_CHECKED[entry.code]}.\n"
        ]
    if not pages:
        sys.stderr.write(f"error: no rule or Access Analyzer code {name!r}\n")
        return EXIT_ERROR
    for page in pages:
        if console.is_terminal:
            console.print(Markdown(page))
        else:
            sys.stdout.write(page + "\n")
    return EXIT_OK


def explain_file(args: argparse.Namespace) -> int:
    """Print the findings of `args.target`; 2 when the file cannot be read, else 0."""
    from dataclasses import replace

    from rich.text import Text

    from policyreason.commands.check import options_from_args
    from policyreason.errors import BaselineError, ConfigError
    from policyreason.gate import EXIT_ERROR, EXIT_OK
    from policyreason.gate import run as run_gate
    from policyreason.report.console import make_console
    from policyreason.report.text import diagnostic_line, print_finding

    path, line = split_target(args.target)
    try:
        options = options_from_args(args)
    except (ConfigError, BaselineError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_ERROR
    # Explain shows everything, suppressed findings included.
    config = options.config.model_copy(update={"suppressions": ()})
    report = run_gate([path], replace(options, config=config, baseline=None))
    console = make_console(highlight=False, soft_wrap=True)
    for d in report.errors:
        console.print(Text(diagnostic_line(d), style="red"))
    chosen = [
        item
        for item in report.findings
        if line is None or item.finding.span.line <= line <= item.finding.span.end_line
    ]
    where = f"{path}:{line}" if line is not None else path
    if not chosen:
        console.print(Text(f"no findings at {where}"))
    for item in chosen:
        f = item.finding
        console.print(Text(f"{f.span}: {f.rule_id} {f.title}", style="bold"))
        print_finding(item, report, console, verbose=True)
        console.print()
    return EXIT_ERROR if report.errors else EXIT_OK
