"""`policyreason findings PATH... --zone-of-trust ...`: external access, like IAM Access
Analyzer's findings."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from policyreason.commands._policy_files import Answer, answer_access_policies

if TYPE_CHECKING:
    from policyreason.ir.policy import Policy

EXAMPLES = """\
examples:
  policyreason findings examples/policies/ --zone-of-trust 111122223333
  policyreason findings bucket.json --zone-of-trust o-a1b2c3d4e5 --format json

Each finding is a class of access: a principal (anyone, an account, an ARN, a service...),
the fixed condition values that restrict it, the statements and actions that grant it, and a
witness request. The set is minimal and covers every access from outside the zone of trust.

exit codes: 0 = no external access (proven); 1 = findings, or unknown (unless --unknown=pass);
2 = usage or input error."""


def register(sub: Any) -> None:
    """Add the verb to the CLI."""
    p = sub.add_parser(
        "findings",
        help="external access granted by resource and trust policies, with witnesses",
        description=(
            "List who outside the zone of trust can access each resource or trust policy's "
            "resource: a minimal covering set of findings, each with a witness request."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--zone-of-trust",
        action="append",
        default=[],
        metavar="ACCOUNT|o-ORGID",
        help="account or organization whose access is not external (repeatable; without "
        "it, every principal is reported)",
    )
    p.add_argument("--resource-type", metavar="TYPE", help="e.g. AWS::KMS::Key (default: inferred)")
    p.add_argument("--kind", choices=("resource", "trust"), help="policy kind of raw JSON")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--unknown", choices=["fail", "pass"], default="fail")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from policyreason.analysis.external import external_access
    from policyreason.analysis.scope import parse_zone
    from policyreason.errors import ResourceTypeError, ZoneError
    from policyreason.ir.resource_type import resource_type
    from policyreason.report.access import findings_json, render_findings

    try:
        zone = parse_zone(args.zone_of_trust)
        rtype = resource_type(args.resource_type) if args.resource_type else None
    except (ZoneError, ResourceTypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def ask(policy: Policy, name: str) -> Answer:
        result = external_access(policy, zone, rtype)
        return Answer(
            findings_json(result, policy, name),
            lambda console: render_findings(console, result, policy, name),
            bool(result.findings) or (not result.complete and args.unknown == "fail"),
        )

    return answer_access_policies(args, ask, one_object=False)
