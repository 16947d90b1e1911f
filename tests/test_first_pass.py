"""The concrete first pass of the solver-backed checks: the guesses and cuts that decide a
question without the solver. A guess only proposes (the evaluator and the request typing judge
it), so the properties here are that what `meet` proposes is what it claims to be, that a cut
never changes an answer, and that guesses now decide questions the solver could only leave
undecided within its resource limit.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyreason.analysis.escalation.meet import may_meet, meet
from policyreason.analysis.escalation.paths import ANY_CALLER, Cuts, _instances, path_answer
from policyreason.analysis.evaluate import (
    Decision,
    arn_match,
    evaluate,
    glob_match,
    statement_matches,
)
from policyreason.analysis.real_request import fits, is_real
from policyreason.data.escalation import catalogue
from policyreason.data.requests import arn_format, typings
from policyreason.ir.answer import Status
from policyreason.ir.policy import PolicySet
from policyreason.ir.request import Request
from policyreason.parse.pattern import parse_pattern
from tests.strategies import policy_documents, requests, to_policy

ACCOUNT = "111122223333"
PATHS = {p.id: p for p in catalogue()}
# Formats with a literal, a plain name, a path-like name and two variables in one part.
ACTIONS = [
    "ecs:RegisterTaskDefinition",
    "iam:PassRole",
    "cloudformation:CreateStack",
    "lambda:CreateFunction",
    "s3:GetObject",
    "logs:GetLogEvents",
]
FORMATS = [t.format for a in ACTIONS for t in typings(a) if not t.format.wildcard]


@st.composite
def resource_patterns(draw: st.DrawFn) -> str:
    """ARN patterns in the shape policies write them, over a small alphabet so that they
    often, but not always, meet a format."""
    service = draw(st.sampled_from(["ecs", "iam", "cloudformation", "lambda", "s3", "logs", "*"]))
    region = draw(st.sampled_from(["", "*", "us-east-1", "eu-west-1"]))
    account = draw(st.sampled_from(["", "*", ACCOUNT, "444455556666"]))
    pieces = st.sampled_from(
        [
            "task-definition/",
            "role/",
            "stack/",
            "function:",
            "log-group:",
            "a",
            "b",
            "-",
            ":",
            "/",
            "*",
            "?",
            "${*}",
            "${?}",
        ]
    )
    resource = "".join(draw(st.lists(pieces, min_size=1, max_size=6)))
    return f"arn:aws:{service}:{region}:{account}:{resource}"


@settings(max_examples=300, deadline=None)
@given(text=resource_patterns(), index=st.integers(0, len(FORMATS) - 1))
def test_what_meet_proposes_has_the_format_and_matches_the_pattern(text: str, index: int) -> None:
    fmt = FORMATS[index]
    pattern = parse_pattern(text)
    found = meet(pattern, fmt, "aws", ACCOUNT, {})
    if found is None:
        return
    typing = next(t for a in ACTIONS for t in typings(a) if t.format == fmt)
    assert fits(typing, found), (text, fmt.text, found)
    assert glob_match(pattern, found, {}), (text, found)


_CONTEXTS = st.dictionaries(
    st.sampled_from(["aws:username", "aws:userid", "aws:sourceip"]),
    st.lists(st.sampled_from(["a", "b-c", "d/e"]), max_size=2).map(tuple),
    max_size=3,
)


# Heads that meet a format whatever the variable after them takes, beside random patterns.
_MEETING = [
    f"arn:aws:iam::{ACCOUNT}:role/",
    "arn:aws:lambda:*:*:function:a",
    "arn:aws:ecs:*:*:task-definition/",
    "arn:aws:*:*:*:",
]


@settings(max_examples=100, deadline=None)
@given(
    text=st.sampled_from(_MEETING) | resource_patterns(),
    variable=st.sampled_from(["", "${aws:username}", "${aws:userid, 'u'}"]),
    contexts=st.lists(_CONTEXTS, min_size=1, max_size=3),
)
def test_kept_arns_of_a_pattern_are_the_ones_made_afresh(
    text: str, variable: str, contexts: list[dict[str, tuple[str, ...]]]
) -> None:
    """Cuts keep what `meet` and `_instances` give for a pattern under the values its
    variables take in a context (the only part of the context either reads), and what the
    walks give is kept by the pattern's parts across policy sets: a second Cuts, over the
    same pattern parsed anew, gets what the walks give afresh."""
    for cuts in (Cuts(PolicySet(identity=())), Cuts(PolicySet(identity=()))):
        pattern = parse_pattern(text + variable)
        for ctx in contexts:
            for fmt in FORMATS:
                kept = cuts.meet(pattern, fmt, "aws", ACCOUNT, ctx)
                assert kept == meet(pattern, fmt, "aws", ACCOUNT, ctx)
                assert cuts.may_meet(pattern, fmt) is may_meet(pattern, fmt)
            kept_arns = cuts.instances(pattern, "aws", ACCOUNT, ctx)
            assert kept_arns == _instances(pattern, "aws", ACCOUNT, ctx)


def test_a_task_definition_named_by_prefix_gets_a_revision() -> None:
    fmt = arn_format("ecs", "task-definition")
    assert fmt is not None
    pattern = parse_pattern("arn:aws:ecs:*:*:task-definition/AWSTransform*")
    found = meet(pattern, fmt, "aws", ACCOUNT, {})
    assert found == f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/AWSTransform:x"


def test_an_escaped_star_is_a_star_in_the_arn() -> None:
    fmt = arn_format("s3", "object")
    assert fmt is not None
    pattern = parse_pattern("arn:aws:s3:::reports/${*}")
    assert meet(pattern, fmt, "aws", ACCOUNT, {}) == "arn:aws:s3:::reports/*"


def test_no_arn_when_the_pattern_and_the_format_share_none() -> None:
    fmt = arn_format("iam", "role")
    assert fmt is not None
    assert meet(parse_pattern("arn:aws:iam::*:user/*"), fmt, "aws", ACCOUNT, {}) is None
    assert meet(parse_pattern("arn:aws:iam::444455556666:role/*"), fmt, "aws", ACCOUNT, {}) is None


def policies(*statements: dict[str, Any]) -> PolicySet:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return PolicySet(identity=(to_policy(doc),))


def witnessed_without_solver(ps: PolicySet, path_id: str) -> None:
    answer = path_answer(ps, PATHS[path_id], ANY_CALLER)
    assert answer is not None and answer.status is Status.WITNESSED, answer
    assert answer.queries == 0
    for req in answer.witnesses:
        assert is_real(req), req
        assert evaluate(ps, req).decision is Decision.ALLOWED, req


def tagged(action: str, resource: str, **condition: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": action,
        "Resource": resource,
        "Condition": {
            "StringEquals": {
                "aws:ResourceAccount": "${aws:PrincipalAccount}",
                **condition,
            }
        },
    }


def test_task_definitions_named_by_prefix_are_guessed() -> None:
    ps = policies(
        tagged(
            "iam:PassRole",
            "arn:aws:iam::*:role/Deploy-Task-Role",
            **{"iam:PassedToService": "ecs-tasks.amazonaws.com"},
        ),
        tagged(
            "ecs:RegisterTaskDefinition",
            "arn:aws:ecs:*:*:task-definition/Deploy*",
            **{"aws:RequestTag/CreatedBy": "Deploy"},
        ),
        tagged(
            "ecs:RunTask",
            "arn:aws:ecs:*:*:task-definition/Deploy*",
            **{"aws:ResourceTag/CreatedBy": "Deploy"},
        ),
    )
    witnessed_without_solver(ps, "ecs-004")


def test_a_key_naming_a_later_requests_resource_is_guessed() -> None:
    ps = policies(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {
                "StringEqualsIfExists": {"iam:PassedToService": "cloudformation.amazonaws.com"},
                "StringLike": {
                    "iam:AssociatedResourceArn": "arn:aws:cloudformation:*:*:stack/app-*/*"
                },
            },
        },
        {
            "Effect": "Allow",
            "Action": "cloudformation:CreateStack",
            "Resource": "arn:aws:cloudformation:*:*:stack/app-*/*",
        },
    )
    witnessed_without_solver(ps, "cloudformation-001")


def test_a_condition_naming_a_policy_variable_is_guessed() -> None:
    ps = policies(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::*:role/service-role/Agent_*",
            "Condition": {
                "StringLike": {"aws:RequestTag/SourceInstanceARN": "${ec2:SourceInstanceARN}"}
            },
        }
    )
    witnessed_without_solver(ps, "sts-001")


def test_a_deny_spared_by_its_negated_condition_is_guessed() -> None:
    ps = policies(
        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "arn:aws:ec2:*:*:instance/*",
            "Condition": {"StringNotEquals": {"ec2:InstanceMarketType": "spot"}},
        },
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        },
    )
    witnessed_without_solver(ps, "ec2-001")


def test_a_function_the_caller_may_also_invoke_is_guessed() -> None:
    """The first function the policy lets the caller create is one it may not invoke: the
    guess goes back to the next one (AWS's SageMakerStudioProjectProvisioningRolePolicy)."""
    tag = {"Null": {"aws:ResourceTag/Project": "false"}}
    ps = policies(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::*:role/app_role_*",
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        },
        {
            "Effect": "Allow",
            "Action": "lambda:CreateFunction",
            "Resource": "arn:aws:lambda:*:*:function:catalog*",
            "Condition": tag,
        },
        {
            "Effect": "Allow",
            "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
            "Resource": "arn:aws:lambda:*:*:function:ide-*",
            "Condition": tag,
        },
    )
    witnessed_without_solver(ps, "lambda-001")


def test_a_function_a_passed_roles_condition_names_is_guessed() -> None:
    """The role may be passed only to functions named `lifecycle-*`, and the caller may
    create `lifecycle*`: the function guessed must meet both (AWSQuickSetupSSMDeploymentRole
    Policy)."""
    ps = policies(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::*:role/Lifecycle*",
            "Condition": {
                "ArnLike": {"iam:AssociatedResourceARN": "arn:aws:lambda:*:*:function:lifecycle-*"},
                "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"},
            },
        },
        {
            "Effect": "Allow",
            "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
            "Resource": "arn:aws:lambda:*:*:function:lifecycle*",
        },
    )
    witnessed_without_solver(ps, "lambda-001")


# -- the resource cut: statements whose Resource cannot name the request's type ------------------

STACKS = [
    "arn:aws:cloudformation:*:*:stack/app",  # no stack ARN: the format has /${Id}
    "arn:aws:cloudformation:*:*:stack/app/*",
    "arn:aws:cloudformation:*:*:stack/app*",
    "arn:aws:cloudformation:us-east-1:*:stack/?pp/x",
    "arn:aws:cloudformation:*:*:changeSet/*",
    "arn:aws:cloudformation:*:*:stack/${aws:username}/*",
    "arn:aws:s3:::app/*",
    "*",
]
STACK_CONDITIONS: list[dict[str, Any]] = [
    {},
    {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "ml"}},
]


@st.composite
def stack_policies(draw: st.DrawFn) -> PolicySet:
    actions = ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"]
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        stmt: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
            "Action": draw(st.lists(st.sampled_from(actions), min_size=1, unique=True)),
            "Resource": draw(st.lists(st.sampled_from(STACKS), min_size=1, max_size=2)),
        }
        condition = draw(st.sampled_from(STACK_CONDITIONS))
        if condition:
            stmt["Condition"] = condition
        statements.append(stmt)
    return policies(*statements)


def _decided(answer: Any) -> str:
    """What the check reports of a path: taken, or not (proven, or no question needed)."""
    return "not taken" if answer is None or answer.status is Status.PROVEN else answer.status.value


@settings(max_examples=25, deadline=None)
@given(ps=stack_policies())
def test_the_resource_cut_never_changes_a_paths_answer(ps: PolicySet) -> None:
    import policyreason.analysis.escalation.paths as paths

    path = PATHS["cloudformation-005"]
    cut = path_answer(ps, path, ANY_CALLER)
    # Cuts keep what may_meet says across policy sets: the cut asks Cuts.
    original = paths.Cuts.may_meet
    paths.Cuts.may_meet = lambda self, pattern, fmt: True  # type: ignore[method-assign]
    try:
        whole = path_answer(ps, path, ANY_CALLER)
    finally:
        paths.Cuts.may_meet = original  # type: ignore[method-assign]
    assert _decided(cut) == _decided(whole), (cut, whole)


@settings(max_examples=300, deadline=None)
@given(
    text=resource_patterns(),
    index=st.integers(0, len(FORMATS) - 1),
    fillers=st.lists(
        st.sampled_from(["a", "b", "x", "a-b", "a/b", "a:b", "AWSTransform"]),
        min_size=8,
        max_size=8,
    ),
)
def test_a_pattern_that_cannot_meet_a_format_matches_none_of_its_arns(
    text: str, index: int, fillers: list[str]
) -> None:
    fmt = FORMATS[index]
    pattern = parse_pattern(text)
    if may_meet(pattern, fmt):
        return
    values = iter(fillers)
    arn = []
    for comp in fmt.components:
        part = ""
        for piece in comp:
            if isinstance(piece, str):
                part += piece
            elif piece.kind == "partition":
                part += "aws"
            elif piece.kind == "account":
                part += ACCOUNT
            else:
                value = next(values, "x")
                part += value if piece.kind == "any" or not set(value) & set(":/") else "x"
        arn.append(part)
    assert not arn_match(pattern, ":".join(arn), {}), (text, ":".join(arn))


def test_a_resource_naming_a_principal_tag_is_guessed() -> None:
    ps = policies(
        tagged(
            "iam:PassRole",
            "arn:aws:iam::*:role/${aws:PrincipalTag/RoleName}",
            **{"iam:PassedToService": ["sagemaker.amazonaws.com", "glue.amazonaws.com"]},
        ),
        tagged(
            "glue:CreateJob",
            "arn:aws:glue:*:*:job/*",
            **{"aws:ResourceTag/Project": "${aws:PrincipalTag/Project}"},
        ),
        tagged("glue:StartJobRun", "arn:aws:glue:*:*:job/*"),
    )
    witnessed_without_solver(ps, "glue-003")


def test_a_statement_asking_for_a_tag_is_shown_needed_by_a_plain_request() -> None:
    from policyreason.analysis.evaluate import allows
    from policyreason.analysis.redundancy import _samples, redundant_statements

    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:CreateNetworkInterface",
                "Resource": "arn:aws:ec2:*:*:network-interface/*",
                "Condition": {"Null": {"aws:RequestTag/Managed": "false"}},
            },
            {
                "Effect": "Allow",
                "Action": "ec2:CreateNetworkInterface",
                "Resource": "arn:aws:ec2:*:*:subnet/*",
            },
            {
                "Effect": "Allow",
                "Action": "ec2:RunInstances",
                "Resource": "arn:aws:ec2:*:*:network-interface/*",
            },
        ],
    }
    policy = to_policy(doc)
    reduced = policy.model_copy(update={"statements": policy.statements[1:]})
    assert any(allows(policy, r) and not allows(reduced, r) for r in _samples(policy.statements[0]))
    assert [r.index for r in redundant_statements(policy)] == []


def test_a_statement_is_shown_needed_on_a_resource_in_its_actions_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`crawler-public*` filled plainly is a bucket, which s3:GetObject does not take; the
    object `crawler-public/x` shows the statement grants what the other does not, and so do
    the caller's tags a Resource names."""
    import policyreason.analysis.redundancy as redundancy

    def no_solver(*args: object, **kwargs: object) -> object:
        raise AssertionError("the solver was asked")

    monkeypatch.setattr(redundancy, "Searcher", no_solver)
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::aws-glue-*/*",
            },
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::crawler-public*", "arn:aws:s3:::aws-glue-*"],
            },
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::${aws:PrincipalTag/bucket}/shared/*",
                "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
            },
        ],
    }
    assert redundancy.redundant_statements(to_policy(doc)) == []


# Statements of a few S3 actions, so that one often covers another's, on patterns whose plain
# fillings are of no format an action takes, or that name a caller's tag.
_FORMAT_RESOURCES = [
    "arn:aws:s3:::b*",
    "arn:aws:s3:::b*/*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::*/k*",
    "*",
    "arn:aws:s3:::${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::${aws:PrincipalTag/team}*",
]
_FORMAT_CONDITIONS: list[dict[str, Any]] = [
    {},
    {},
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
    {"Null": {"aws:PrincipalTag/team": "false"}},
    {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
]


@st.composite
def covering_documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = []
    for _ in range(draw(st.integers(2, 3))):
        statement: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"])),
            "Action": draw(
                st.lists(
                    st.sampled_from(["s3:GetObject", "s3:Get*", "s3:ListBucket"]),
                    min_size=1,
                    max_size=2,
                )
            ),
            "Resource": draw(st.lists(st.sampled_from(_FORMAT_RESOURCES), min_size=1, max_size=2)),
        }
        condition = draw(st.sampled_from(_FORMAT_CONDITIONS))
        if condition:
            statement["Condition"] = condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


@settings(max_examples=30, deadline=None)
@given(doc=covering_documents())
def test_a_guess_in_the_actions_format_never_changes_a_redundancy_answer(
    doc: dict[str, Any],
) -> None:
    """A question the guesses of `_met` settle is one the solver, asked, does not prove: a
    guess decides only on a real request the concrete evaluator sees the statement matter to.
    The other questions are asked as before."""
    import policyreason.analysis.redundancy as redundancy

    policy = to_policy(doc)
    guessed = {r.index: r.status for r in redundancy.redundant_statements(policy)}
    original = redundancy._met
    redundancy._met = lambda stmt: iter(())
    try:
        asked = {r.index: r.status for r in redundancy.redundant_statements(policy)}
    finally:
        redundancy._met = original
    assert set(guessed) <= set(asked)
    assert {i: asked[i] for i in guessed} == guessed
    assert all(asked[i] is not Status.PROVEN for i in set(asked) - set(guessed))


def test_the_role_for_the_paths_service_is_guessed_after_the_others() -> None:
    def pass_to(service: str, role: str) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::*:role/{role}*",
            "Condition": {"StringLike": {"iam:PassedToService": f"{service}.amazonaws.com"}},
        }

    ps = policies(
        pass_to("glue", "GlueRole"),
        pass_to("ec2", "NotebookRole"),
        pass_to("lambda", "FunctionRole"),
        pass_to("sagemaker", "SageMakerRole"),
        {
            "Effect": "Allow",
            "Action": "sagemaker:CreateNotebookInstance",
            "Resource": "arn:aws:sagemaker:*:*:notebook-instance/aws-glue-*",
        },
    )
    witnessed_without_solver(ps, "sagemaker-001")


# -- the statement cut of a redundancy question ---------------------------------------------------


@pytest.mark.slow  # several CPU-seconds: the whole suite, not the fast loop
@settings(max_examples=200, deadline=None)
@given(doc=policy_documents(), probes=st.lists(requests(), min_size=10, max_size=10))
def test_statements_that_cannot_meet_never_apply_to_one_request(
    doc: dict[str, Any], probes: list[Request]
) -> None:
    """The cut of PR605 drops a statement only when no request can meet both: no probe does."""
    from policyreason.analysis.redundancy import _may_meet

    a, *rest = to_policy(doc).statements
    for b in rest:
        if not _may_meet(a, b):
            assert not any(statement_matches(a, r) and statement_matches(b, r) for r in probes)


@settings(max_examples=20, deadline=None)
@given(doc=policy_documents())
def test_the_statement_cut_never_changes_a_redundancy_answer(doc: dict[str, Any]) -> None:
    import policyreason.analysis.redundancy as redundancy

    policy = to_policy(doc)
    cut = redundancy.redundant_statements(policy)
    original = redundancy._may_meet
    redundancy._may_meet = lambda a, b: True
    try:
        whole = redundancy.redundant_statements(policy)
    finally:
        redundancy._may_meet = original
    decided = {(r.index, r.status) for r in cut if r.status is not Status.UNKNOWN}
    both = {(r.index, r.status) for r in whole if r.status is not Status.UNKNOWN}
    # Either side may leave a question undecided; what both decide, they decide alike.
    common = {i for i, _ in decided} & {i for i, _ in both}
    assert {d for d in decided if d[0] in common} == {d for d in both if d[0] in common}
