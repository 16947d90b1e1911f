"""`policyreason public PATH...`: is each resource or trust policy public?"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from policyreason.commands._policy_files import Answer, answer_access_policies

if TYPE_CHECKING:
    from policyreason.ir.policy import Policy

EXAMPLES = """\
examples:
  policyreason public examples/policies/bucket-public.json
  policyreason public bucket.json --resource-type AWS::S3::Bucket --format json

"public" follows S3 Block Public Access: a grant is non-public only when pinned to fixed
values of the principal, aws:PrincipalOrgID, aws:SourceArn, aws:SourceAccount, aws:SourceVpc(e)
and similar keys, or to aws:SourceIp ranges no wider than /8 (IPv4, outside RFC 1918) or /32
(IPv6). aws:Referer and aws:UserAgent never make a grant private.

exit codes: 0 = no policy is public (proven); 1 = a policy is public, or unknown (unless
--unknown=pass); 2 = usage or input error."""


def register(sub: Any) -> None:
    """Add the verb to the CLI."""
    p = sub.add_parser(
        "public",
        help="is a resource or trust policy public? a witness request or a proof",
        description="Decide whether resource and trust policies grant access to anyone.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--resource-type",
        metavar="TYPE",
        help="the resource the policy is attached to, e.g. AWS::S3::Bucket (default: "
        "inferred from the Resource ARNs)",
    )
    p.add_argument("--kind", choices=("resource", "trust"), help="policy kind of raw JSON")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--unknown", choices=["fail", "pass"], default="fail")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from policyreason.api import is_public
    from policyreason.errors import ResourceTypeError
    from policyreason.ir.resource_type import resource_type
    from policyreason.report.access import public_json, render_public

    try:
        # Checked once up front: a misspelt type is a usage error, not one per policy.
        if args.resource_type:
            resource_type(args.resource_type)
    except ResourceTypeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def ask(policy: Policy, name: str) -> Answer:
        result = is_public(policy, args.resource_type)
        return Answer(
            public_json(result, policy, name),
            lambda console: render_public(console, result, policy, name),
            bool(result.public) or (result.public is None and args.unknown == "fail"),
        )

    return answer_access_policies(args, ask, one_object=True)
