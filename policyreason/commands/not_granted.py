"""`policyreason not-granted POLICY --action A... --resource R...`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from policyreason.commands._policy_files import KIND_CHOICES, read_policy
from policyreason.errors import UnusableInput
from policyreason.ir.answer import Status

EXAMPLES = """\
examples:
  policyreason not-granted examples/policies/s3-read.json --action s3:PutObject s3:Delete*
  policyreason not-granted role.json --action iam:PassRole --resource 'arn:aws:iam::*:role/admin*'

exit codes: 0 = proven: none of the actions is granted; 1 = some action is granted (a witness
request is shown), or unknown (unless --unknown=pass); 2 = usage or input error."""


def register(sub: Any) -> None:
    """Add the verb to the CLI."""
    p = sub.add_parser(
        "not-granted",
        help="prove a policy grants none of the listed actions/resources, or show a request",
        description=(
            "For each action (IAM patterns allowed), prove that the policy grants it on none of "
            "the resources, or give a concrete request it grants."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("policy", metavar="POLICY")
    p.add_argument("--action", nargs="+", required=True, metavar="A")
    p.add_argument("--resource", nargs="+", default=["*"], metavar="R")
    p.add_argument("--kind", choices=KIND_CHOICES, help="policy kind (default: detected)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--unknown", choices=["fail", "pass"], default="fail")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from policyreason.analysis.access import not_granted
    from policyreason.commands import _query_args as check
    from policyreason.report.answers import witness_table
    from policyreason.report.console import make_console

    problems = [
        f"--action: {problem}"
        for action in args.action
        if (problem := check.action_problem(action, patterns=True)) is not None
    ] + [
        f"--resource: {problem}"
        for resource in args.resource
        if (problem := check.resource_problem(resource, patterns=True)) is not None
    ]
    for problem in problems:
        print(f"policyreason not-granted: error: {problem}", file=sys.stderr)
    if problems:
        return 2
    try:
        policy = read_policy(args.policy, args.kind)
    except UnusableInput:
        return 2
    answers = not_granted(policy, args.action, args.resource)
    status = {Status.WITNESSED: "granted", Status.PROVEN: "not_granted", Status.UNKNOWN: "unknown"}
    if args.format == "json":
        out = {
            "schema_version": 1,
            "policy": args.policy,
            "resources": args.resource,
            "actions": [
                {
                    "action": a.action,
                    "status": status[a.search.status],
                    "witness": a.search.witnesses[0].to_json() if a.search.witnesses else None,
                    "reason": a.search.reason or None,
                }
                for a in answers
            ],
        }
        json.dump(out, sys.stdout, indent=2)
        print()
    else:
        console = make_console()
        for a in answers:
            if a.search.status is Status.PROVEN:
                console.print(f"{a.action}: [green]not granted[/] (proven)")
            elif a.search.status is Status.WITNESSED:
                console.print(witness_table(f"{a.action}: [red]granted[/]", a.search.witnesses))
            else:
                console.print(f"{a.action}: [magenta]unknown[/] — {a.search.reason}")
    granted = any(a.search.status is Status.WITNESSED for a in answers)
    unknown = any(a.search.status is Status.UNKNOWN for a in answers)
    return 1 if granted or (unknown and args.unknown == "fail") else 0
