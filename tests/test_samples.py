"""Guesses read off the statements: real requests, judged alike by the evaluator and the
solver, and what makes the comparisons of small policies decide instead of giving up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.analysis.evaluate import allows
from policyreason.analysis.real_request import problems
from policyreason.analysis.samples import MAX_SAMPLES, samples
from policyreason.ir.policy import Policy
from policyreason.parse.policy import parse_policy_text
from tests.corpus import CORPUS, every_policy
from tests.mutants import mutants
from tests.pinning import holds_for


def _policy(text: str) -> Policy:
    parsed = parse_policy_text(text, "policy.json")
    assert parsed.policy is not None
    return parsed.policy


# Every 50th managed policy: identity policies of every size, a few seconds in all.
_SAMPLED = every_policy()[::50]


@pytest.mark.parametrize("path", _SAMPLED, ids=lambda p: p.stem)
def test_guesses_are_real_requests_the_solver_confirms(path: Path) -> None:
    policy = _policy(path.read_text())
    guesses = list(samples([policy]))
    assert len(guesses) <= MAX_SAMPLES
    for req, _typing in guesses[:4]:
        assert problems(req) == [], req
        # A guess the evaluator allows is one the solver confirms pinned to it (the search
        # shows it only then). The converse is not asked: a guess leaves some of the request
        # open (the account of a `*` resource), which the solver may choose.
        if allows(policy, req):
            assert holds_for([policy], req, lambda enc: enc.allows(policy)), req


def test_a_resource_policy_is_guessed_anonymous_first() -> None:
    policy = _policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::site/*",
                },
            }
        )
    )
    first, _typing = next(samples([policy]))
    assert first.principal is None and first.resource == "arn:aws:s3:::site/example"


def test_a_condition_naming_the_callers_tag_is_guessed_with_the_tag_sent() -> None:
    """`aws:RequestTag/owner` must equal the caller's own tag: the guess sends the tag and the
    same value (AWS's AwsGlueSessionUserRestrictedServiceRole), and the solver confirms it."""
    policy = _policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "glue:CreateSession",
                    "Resource": "arn:aws:glue:*:*:session/*",
                    "Condition": {
                        "StringEquals": {
                            "aws:RequestTag/owner": "${aws:PrincipalTag/owner}",
                            "aws:ResourceAccount": "${aws:PrincipalAccount}",
                        }
                    },
                },
            }
        )
    )
    first, _typing = next(samples([policy]))
    context = {k.lower(): v for k, v in first.context.items()}
    assert context["aws:requesttag/owner"] == context["aws:principaltag/owner"] == ("example",)
    assert problems(first) == [] and allows(policy, first)
    assert holds_for([policy], first, lambda enc: enc.allows(policy))


# The four-statement policy whose mutants reached the resource limit (CHANGELOG, "Verdict
# changes"): lost access with a wildcard log-group name took the solver its whole limit.
PANORAMA = CORPUS / "AWSPanoramaApplianceServiceRolePolicy.json"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mutation", "expected", "mutated"),
    list(mutants(json.loads(PANORAMA.read_text()))),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_small_policy_comparisons_decide(
    mutation: str, expected: set[CompareVerdict], mutated: dict[str, object]
) -> None:
    result = compare(_policy(PANORAMA.read_text()), _policy(json.dumps(mutated)))
    assert result.verdict in expected, (mutation, result.reason)


@pytest.mark.parametrize(
    "action",
    ["s3:GetObject", "s3:ListBucket", "ec2:RunInstances", "iam:PassRole", "sts:GetCallerIdentity"],
)
def test_a_formats_example_kept_by_its_text_is_the_typings_own(action: str) -> None:
    """The guesses keep a format's example by the format's text: the same as
    `example_resource` of each typing (`*` for an action of no resource type)."""
    from policyreason.analysis import samples as module
    from policyreason.analysis.witness import example_resource
    from policyreason.data.requests import typings

    for typing in typings(action):
        assert module._example(typing) == example_resource(typing)
        assert module._example(typing) == example_resource(typing)
