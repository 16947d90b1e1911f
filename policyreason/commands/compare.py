"""`policyreason compare OLD NEW`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from policyreason.commands._policy_files import KIND_CHOICES, read_policy
from policyreason.errors import UnusableInput

EXAMPLES = """\
examples:
  policyreason compare examples/policies/s3-read.json examples/policies/s3-read-widened.json
  policyreason compare old.json new.json --format json --witnesses 5

exit codes: 0 = no new access (equivalent or less permissive); 1 = new access, or unknown
(unless --unknown=pass); 2 = usage or input error."""


def register(sub: Any) -> None:
    """Add the verb to the CLI."""
    p = sub.add_parser(
        "compare",
        help="what NEW allows that OLD does not, and the reverse, with witness requests",
        description=(
            "Compare two policies exactly: equivalent, more permissive, less permissive or "
            "incomparable, with concrete requests for new access and for lost access."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.add_argument("--kind", choices=KIND_CHOICES, help="policy kind (default: detected)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--witnesses", type=int, default=3, help="witnesses per direction")
    p.add_argument("--unknown", choices=["fail", "pass"], default="fail")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from policyreason.analysis.compare import CompareVerdict
    from policyreason.api import compare
    from policyreason.report.answers import compare_json, render_compare
    from policyreason.report.console import make_console

    try:
        old = read_policy(args.old, args.kind)
        new = read_policy(args.new, args.kind)
    except UnusableInput:
        return 2
    result = compare(old, new, witnesses=args.witnesses)
    if args.format == "json":
        json.dump(compare_json(result, args.old, args.new), sys.stdout, indent=2)
        print()
    else:
        render_compare(make_console(), result, args.old, args.new)
    if result.verdict is CompareVerdict.UNKNOWN:
        return 0 if args.unknown == "pass" else 1
    gained = result.verdict in (CompareVerdict.MORE_PERMISSIVE, CompareVerdict.INCOMPARABLE)
    return 1 if gained else 0
