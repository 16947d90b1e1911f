"""Query arguments of `can` and `not-granted`: a typo in an action, a resource ARN or a
condition key is a usage error (exit 2) with a did-you-mean, never an answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyreason.cli import main
from policyreason.commands._query_args import (
    account_problem,
    action_problem,
    condition_key_problem,
    principal_problem,
    resource_problem,
)
from policyreason.data import reference as ref
from policyreason.data.global_keys import GLOBAL_KEYS

S3_READ = str(Path(__file__).resolve().parent.parent / "examples" / "policies" / "s3-read.json")
OBJECT = "arn:aws:s3:::team-data/home/alice/notes.txt"
ACTIONS = [
    a.full_name for p in ("s3", "iam", "ec2", "sqs", "kms") for a in ref.actions_matching(f"{p}:*")
]


@pytest.mark.parametrize(
    ("text", "patterns", "says"),
    [
        ("s3:GetObjekt", True, "unknown action 's3:GetObjekt' (did you mean 's3:GetObject'?)"),
        ("S3:getobjekt", False, "(did you mean 's3:GetObject'?)"),
        (
            "s4:GetObject",
            True,
            "unknown service prefix 's4' in 's4:GetObject' (did you mean 's3'?)",
        ),
        ("GetObject", True, "not of the form service:Action (did you mean one of"),
        ("AssumeRoleWithSAML", True, "(did you mean 'sts:AssumeRoleWithSAML'?)"),
        ("s3:Gett*", True, "'s3:Gett*' matches no action"),
        ("s3:Get*", False, "not a pattern"),
        ("*", False, "not '*'"),
    ],
)
def test_action_typos(text: str, patterns: bool, says: str) -> None:
    problem = action_problem(text, patterns)
    assert problem is not None and says in problem


@pytest.mark.parametrize("text", ["*", "s3:*", "s3:Get*", "*:Get*", "s3:?etObject", "IAM:passrole"])
def test_action_patterns_that_match(text: str) -> None:
    assert action_problem(text, patterns=True) is None


@given(st.sampled_from(ACTIONS))
def test_every_documented_action_is_accepted(action: str) -> None:
    assert action_problem(action, patterns=False) is None
    assert action_problem(action.upper(), patterns=True) is None


@given(st.sampled_from(ACTIONS), st.data())
def test_a_mistyped_action_is_refused_or_is_another_action(
    action: str, data: st.DataObject
) -> None:
    service, _, name = action.partition(":")
    index = data.draw(st.integers(0, len(name) - 1))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    typo = f"{service}:{name[:index]}{letter}{name[index + 1 :]}"
    problem = action_problem(typo, patterns=False)
    assert (problem is None) == (ref.action(typo) is not None)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("bucket", 'is not an ARN (arn:partition:service:region:account:resource) or "*"'),
        ("arn:aws:s3::bucket", "is not an ARN"),
        (
            "arn:aws:s4:::bucket",
            "unknown service 's4' in the ARN 'arn:aws:s4:::bucket' (did you mean 's3'?)",
        ),
        (
            "arn:awz:s3:::bucket",
            "unknown partition 'awz' in 'arn:awz:s3:::bucket' (did you mean 'aws'?)",
        ),
        ("arn:aws:iam::1234:role/x", "must be 12 digits, not '1234'"),
        ("arn:aws:sqs:us-east-1:111122223333:", "names no resource"),
    ],
)
def test_malformed_arns(text: str, says: str) -> None:
    problem = resource_problem(text, patterns=True)
    assert problem is not None and says in problem


@pytest.mark.parametrize(
    "text",
    [
        "*",
        OBJECT,
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws-cn:ec2:cn-north-1:111122223333:instance/i-1",
        "arn:aws:execute-api:us-east-1:111122223333:api/stage/GET/x",
        "arn:aws:sts::111122223333:assumed-role/r/s",
    ],
)
def test_well_formed_arns(text: str) -> None:
    assert resource_problem(text, patterns=False) is None


def test_arn_patterns_only_where_patterns_are_taken() -> None:
    assert resource_problem("arn:*:s3:::team-*", patterns=True) is None
    assert resource_problem("arn:aws:iam::*:role/admin*", patterns=True) is None
    assert resource_problem("arn:aws:iam::*:role/admin", patterns=False) is not None


def test_a_bare_bucket_for_an_s3_action_gets_its_arn() -> None:
    problem = resource_problem("team-data/notes.txt", False, "s3:GetObject")
    assert problem is not None and "(did you mean 'arn:aws:s3:::team-data/notes.txt'?)" in problem


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (
            "aws:SoureIp",
            "'aws:SoureIp' is not a global condition key (did you mean 'aws:SourceIp'?)",
        ),
        ("s3:prefx", "s3 has no condition key 's3:prefx' (did you mean 's3:prefix'?)"),
        ("s4:prefix", "unknown prefix 's4' (did you mean 's3'?)"),
        ("SourceIp", "has no prefix"),
    ],
)
def test_condition_key_typos(key: str, says: str) -> None:
    problem = condition_key_problem(key)
    assert problem is not None and says in problem


@pytest.mark.parametrize(
    "key",
    [
        "aws:sourceip",
        "aws:PrincipalTag/team",
        "aws:RequestTag/cost-center",
        "s3:x-amz-acl",
        "ec2:ResourceTag/env",
        "token.actions.githubusercontent.com:sub",
        "saml:aud",
    ],
)
def test_documented_condition_keys(key: str) -> None:
    assert condition_key_problem(key) is None


@given(st.sampled_from(sorted(GLOBAL_KEYS)))
def test_every_global_key_is_accepted(key: str) -> None:
    concrete = key.replace("${TagKey}", "team").replace("${", "").replace("}", "")
    assert condition_key_problem(concrete) is None


def test_accounts_and_principals() -> None:
    assert account_problem("111122223333") is None
    assert account_problem("11112222333") is not None
    assert principal_problem("arn:aws:iam::111122223333:role/app") is None
    assert principal_problem("lambda.amazonaws.com") is None
    assert principal_problem("arn:aws:iam::role") is not None
    assert principal_problem("12345") is not None


# -- end to end: exit 2, nothing answered ---------------------------------------------------------


def test_not_granted_refuses_a_typo_instead_of_proving_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["not-granted", S3_READ, "--action", "s3:GetObjekt"]) == 2
    captured = capsys.readouterr()
    assert "not granted" not in captured.out
    assert "did you mean 's3:GetObject'?" in captured.err
    code = main(["not-granted", S3_READ, "--action", "s3:PutObject", "--resource", "bucket"])
    assert code == 2
    assert "--resource: resource 'bucket' is not an ARN" in capsys.readouterr().err


def test_can_reports_every_bad_argument(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["can", S3_READ, "--action", "s3:GetObjekt", "--resource", "team-data"]
    args += ["--context", "aws:usrname=alice", "--context", "aws:SecureTransport=true"]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = captured.err.splitlines()
    assert [e.split(":")[2].strip() for e in errors] == ["--action", "--resource", "--context"]
    assert "did you mean 'aws:username'?" in errors[2]


def test_can_still_answers_good_requests(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["can", S3_READ, "--action", "s3:GetObject", "--resource", OBJECT]
    args += ["--principal", "arn:aws:iam::111122223333:user/alice"]
    args += ["--context", "aws:SecureTransport=true", "--context", "aws:SourceIp=203.0.113.7"]
    assert main(args) == 0
