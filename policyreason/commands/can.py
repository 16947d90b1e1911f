"""`policyreason can POLICY... --action A --resource R`: concrete evaluation of one request."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyreason.commands._policy_files import read_policy
from policyreason.errors import UnusableInput

if TYPE_CHECKING:
    from policyreason.ir.policy import Policy

PRINCIPAL_TYPES = ["AWS", "Service", "Federated", "CanonicalUser"]

EXAMPLES = """\
examples:
  policyreason can examples/policies/s3-read.json --action s3:GetObject \\
      --resource arn:aws:s3:::team-data/home/alice/notes.txt \\
      --principal arn:aws:iam::111122223333:user/alice \\
      --context aws:SecureTransport=true --context aws:SourceIp=203.0.113.7
  policyreason can role.json --action s3:PutObject --resource arn:aws:s3:::b/k \\
      --principal arn:aws:iam::111122223333:role/app --resource-policy bucket.json \\
      --context aws:SourceIp=203.0.113.7 --context aws:TagKeys=env --context aws:TagKeys=team
  policyreason can role.json --action ec2:RunInstances --resource '*' \\
      --scp root.json --scp ou.json,ou-extra.json --boundary boundary.json --format json

Each --scp/--rcp is one level of the organization tree (root, OU, ..., account); every level
must allow. Several policies attached at the same level go in one argument, comma-separated.
Repeating --context with the same key makes a multivalued key (a set).
The principal's account is taken from its ARN (or account id) and the resource's account from
the resource ARN unless --principal-account / --resource-account say otherwise; when the two
differ the request is cross-account and needs both an identity and a resource policy Allow.

exit codes: 0 = allowed; 1 = denied (explicitly or implicitly); 2 = usage or input error."""


_ROLE = re.compile(r"arn:([^:]+):iam::(\d{12}):role/(.*/)?([^/]+)")


def register(sub: Any) -> None:
    """Add the verb to the CLI."""
    p = sub.add_parser(
        "can",
        help="evaluate one concrete request against policies: allowed or denied, and why",
        description=(
            "Evaluate one request with AWS's policy evaluation logic (no solver): identity "
            "policies (POLICY...), an optional resource policy, permissions boundary, session "
            "policies, SCP/RCP levels and a VPC endpoint policy. Prints the decision and the "
            "statements that made it."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("policies", metavar="POLICY", nargs="*", help="identity policy files")
    p.add_argument("--action", required=True, help="the action, e.g. s3:GetObject")
    p.add_argument("--resource", required=True, help='the resource ARN (or "*")')
    p.add_argument("--principal", help="the caller: an ARN, account id or service name")
    p.add_argument(
        "--principal-type",
        choices=PRINCIPAL_TYPES,
        help="the kind of caller (default: AWS when --principal is given)",
    )
    p.add_argument("--principal-account", metavar="ACCT", help="the caller's account id")
    p.add_argument("--resource-account", metavar="ACCT", help="the resource owner's account id")
    p.add_argument(
        "--context",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        type=_context_item,
        help="a condition key value; repeat a key for a multivalued key",
    )
    p.add_argument("--resource-policy", metavar="FILE", help="the resource's policy")
    p.add_argument("--boundary", metavar="FILE", help="the caller's permissions boundary")
    p.add_argument(
        "--session",
        metavar="FILE",
        action="append",
        default=[],
        help="a session policy (repeatable)",
    )
    p.add_argument(
        "--scp",
        metavar="FILE[,FILE...]",
        action="append",
        default=[],
        help="the SCPs of one organization level (repeat per level)",
    )
    p.add_argument(
        "--rcp",
        metavar="FILE[,FILE...]",
        action="append",
        default=[],
        help="the RCPs of one organization level (repeat per level)",
    )
    p.add_argument("--endpoint", metavar="FILE", help="the VPC endpoint policy")
    p.add_argument(
        "--template-value",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        type=_context_item,
        help="the value of a template value the policies name (${NAME}, or a parameter of a "
        "template), e.g. --template-value BucketName=logs or AWS::AccountId=111122223333",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=run)


def _argument_problems(args: argparse.Namespace) -> list[str]:
    """Every typo in the request: an action, resource ARN, condition key or account id that
    does not exist would otherwise be evaluated as asked, and simply denied."""
    from policyreason.commands import _query_args as check

    found = [
        ("--action", check.action_problem(args.action, patterns=False)),
        ("--resource", check.resource_problem(args.resource, False, args.action)),
    ]
    found += [("--context", check.condition_key_problem(key)) for key in dict(args.context)]
    if args.principal is not None:
        found.append(("--principal", check.principal_problem(args.principal)))
    for flag, account in (
        ("--principal-account", args.principal_account),
        ("--resource-account", args.resource_account),
    ):
        if account is not None:
            found.append((flag, check.account_problem(account)))
    return [f"{flag}: {problem}" for flag, problem in found if problem is not None]


def _context_item(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _account_of(text: str | None) -> str | None:
    """The 12-digit account in an account id or in an ARN's account segment, if any."""
    if text is None:
        return None
    if len(text) == 12 and text.isdigit():
        return text
    parts = text.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None


def _resource_policy_kind(path: str) -> str:
    """A role's trust policy has no Resource element, so it must not be read as a resource
    policy (which requires one); anything else given as --resource-policy is one."""
    from policyreason.inputs import load_file
    from policyreason.ir.policy import PolicyKind

    if not Path(path).is_file():
        return PolicyKind.RESOURCE.value  # read_policy reports the problem, located
    kinds = {d.kind for d in load_file(Path(path)).documents}
    return PolicyKind.TRUST.value if kinds == {PolicyKind.TRUST} else PolicyKind.RESOURCE.value


def _levels(groups: list[str], kind: str) -> tuple[tuple[Policy, ...], ...]:
    return tuple(
        tuple(read_policy(path.strip(), kind) for path in group.split(",") if path.strip())
        for group in groups
    )


def run(args: argparse.Namespace) -> int:
    from policyreason.analysis.evaluate import DERIVED_KEYS, Decision
    from policyreason.api import can
    from policyreason.errors import Undecidable
    from policyreason.ir.policy import PolicySet, PrincipalType
    from policyreason.ir.request import Request
    from policyreason.ir.template import template_name
    from policyreason.report.answers import evaluation_json, render_evaluation
    from policyreason.report.console import make_console

    if not args.policies and args.resource_policy is None:
        print(
            "policyreason can: error: give at least one identity POLICY or --resource-policy",
            file=sys.stderr,
        )
        return 2
    if args.principal_type is not None and args.principal is None:
        print("policyreason can: error: --principal-type needs --principal", file=sys.stderr)
        return 2
    problems = _argument_problems(args)
    for problem in problems:
        print(f"policyreason can: error: {problem}", file=sys.stderr)
    if problems:
        return 2
    try:
        policies = PolicySet(
            identity=tuple(read_policy(path, "identity") for path in args.policies),
            resource=(
                read_policy(args.resource_policy, _resource_policy_kind(args.resource_policy))
                if args.resource_policy
                else None
            ),
            boundary=read_policy(args.boundary, "boundary") if args.boundary else None,
            session=tuple(read_policy(path, "session") for path in args.session),
            scps=_levels(args.scp, "scp"),
            rcps=_levels(args.rcp, "rcp"),
            endpoint=read_policy(args.endpoint, "endpoint") if args.endpoint else None,
        )
    except UnusableInput:
        return 2

    bindings = {template_name(k) or k: v for k, v in args.template_value}
    context: dict[str, tuple[str, ...]] = {}
    for key, value in args.context:
        if key.lower() in DERIVED_KEYS:
            print(
                f"policyreason can: error: {key} is derived from the request, not given in its "
                "context: name the caller with --principal (for aws:username, an IAM user ARN) "
                "and the resource's account with --resource-account",
                file=sys.stderr,
            )
            return 2
        context[key] = (*context.get(key, ()), value)
    principal_type = None
    if args.principal is not None:
        principal_type = PrincipalType(args.principal_type or "AWS")
    principal_account = args.principal_account
    if principal_account is None and principal_type is PrincipalType.AWS:
        principal_account = _account_of(args.principal)
    principal, principal_arn = args.principal, None
    if principal_type is PrincipalType.AWS and _ROLE.fullmatch(principal or ""):
        # A role calls through a session; the session's aws:PrincipalArn is the role's ARN.
        principal_arn = principal
        principal = _ROLE.sub(r"arn:\1:sts::\2:assumed-role/\4/policyreason", principal)
    request = Request(
        principal=principal,
        principal_arn=principal_arn,
        principal_type=principal_type,
        principal_account=principal_account,
        action=args.action,
        resource=args.resource,
        resource_account=args.resource_account or _account_of(args.resource),
        context=context,
        bindings=bindings,
    )
    try:
        evaluation = can(policies, request)
    except Undecidable as exc:
        # A decision would hold for some deployments only: ask for the values instead.
        hint = "; give each with --template-value NAME=VALUE" if exc.missing else ""
        print(f"policyreason can: error: {exc}{hint}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(evaluation_json(evaluation, request), sys.stdout, indent=2)
        print()
    else:
        render_evaluation(make_console(), evaluation)
    return 0 if evaluation.decision is Decision.ALLOWED else 1
