"""`policyreason can`: one concrete request, decision, exit code, JSON and located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.cli import main

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
OBJECT = "arn:aws:s3:::bucket/key"


def write(tmp_path: Path, name: str, *statements: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2),
        encoding="utf-8",
    )
    return str(path)


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def can_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()  # drop what earlier calls printed
    code = main(["can", *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_allowed_exits_zero_and_names_the_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pol = write(tmp_path, "id.json", {"Sid": "Read", **allow()})
    code = main(["can", pol, "--action", "s3:GetObject", "--resource", OBJECT])
    out = capsys.readouterr().out.replace("\n", "")  # long temporary paths wrap
    assert code == 0
    assert "Allowed" in out
    assert "Read" in out and "id.json:4:5" in out


def test_implicit_deny_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pol = write(tmp_path, "id.json", allow())
    code, data = can_json(capsys, pol, "--action", "s3:PutObject", "--resource", OBJECT)
    assert code == 1
    assert data["decision"] == "ImplicitlyDenied"
    assert data["deciding_statements"] == []


def test_explicit_deny_exits_one_and_reports_the_deny(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pol = write(tmp_path, "id.json", allow("s3:*"), {"Sid": "NoGet", **deny()})
    code, data = can_json(capsys, pol, "--action", "s3:getobject", "--resource", OBJECT)
    assert code == 1
    assert data["decision"] == "ExplicitlyDenied"
    [stmt] = data["deciding_statements"]
    assert stmt["statement"] == "NoGet" and stmt["effect"] == "Deny"
    assert stmt["policy"] == "id"
    assert stmt["location"].endswith("id.json:9:5")


def test_json_echoes_the_request_with_multivalued_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cond = {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}
    pol = write(tmp_path, "id.json", allow("ec2:CreateTags", Condition=cond))
    argv = ["--action", "ec2:CreateTags", "--resource", "*", "--principal", ROLE]
    code, data = can_json(
        capsys, pol, *argv, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=team"
    )
    assert code == 0
    assert data["schema_version"] == 1
    assert data["request"]["context"] == {"aws:TagKeys": ["env", "team"]}
    # A role calls through a session, whose aws:PrincipalArn is the role.
    assert data["request"]["principal"] == "arn:aws:sts::111122223333:assumed-role/app/policyreason"
    assert data["request"]["principal_arn"] == ROLE
    assert data["request"]["principal_type"] == "AWS"
    # The account is read from the principal's ARN.
    assert data["request"]["principal_account"] == ACCOUNT
    code, data = can_json(
        capsys, pol, *argv, "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=cost"
    )
    assert code == 1


def test_context_values_feed_conditions_and_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pol = write(
        tmp_path,
        "id.json",
        allow(
            "s3:GetObject",
            "arn:aws:s3:::home/${aws:username}/*",
            Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        ),
    )
    base = ["can", pol, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::home/alice/x"]
    alice = ["--principal", "arn:aws:iam::111122223333:user/alice"]
    bob = ["--principal", "arn:aws:iam::111122223333:user/bob"]
    ip = ["--context", "aws:SourceIp=203.0.113.9"]
    assert main([*base, *alice, *ip]) == 0
    assert main([*base, *alice]) == 1
    assert main([*base, *bob, *ip]) == 1
    # aws:username is the caller's: a value given in the context is an error, not a guess.
    assert main([*base, "--context", "aws:username=alice", *ip]) == 2
    assert "derived from the request" in capsys.readouterr().err
    # A value may itself contain "=": only the first one separates key and value.
    code, data = can_json(capsys, pol, *base[2:], "--context", "aws:UserAgent=a=b")
    assert data["request"]["context"] == {"aws:UserAgent": "a=b"}
    assert code == 1


def test_resource_policy_alone_grants_within_the_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = write(tmp_path, "bucket.json", allow(Principal={"AWS": ROLE}, resource=OBJECT))
    argv = ["--action", "s3:GetObject", "--resource", OBJECT, "--principal", ROLE]
    code, data = can_json(capsys, "--resource-policy", bucket, *argv)
    assert code == 0
    assert [s["policy"] for s in data["deciding_statements"]] == ["bucket"]
    # Another principal is not named by the bucket policy.
    other = f"arn:aws:iam::{ACCOUNT}:role/other"
    assert main(["can", "--resource-policy", bucket, *argv[:4], "--principal", other]) == 1


def test_cross_account_needs_identity_and_resource_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    caller = f"arn:aws:iam::{OTHER}:role/app"
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
    identity = write(tmp_path, "id.json", allow("sqs:SendMessage"))
    resource = write(tmp_path, "queue.json", allow("sqs:SendMessage", Principal={"AWS": OTHER}))
    argv = ["--action", "sqs:SendMessage", "--resource", queue, "--principal", caller]
    # The resource account comes from the queue ARN, the caller's from its ARN: cross-account.
    assert main(["can", identity, *argv]) == 1
    assert main(["can", "--resource-policy", resource, *argv]) == 1
    code, data = can_json(capsys, identity, "--resource-policy", resource, *argv)
    assert code == 0
    assert data["request"]["resource_account"] == ACCOUNT
    assert data["request"]["principal_account"] == OTHER
    # Explicit accounts override what the ARNs say: same account, identity alone suffices.
    same = ["--principal-account", ACCOUNT, "--resource-account", ACCOUNT]
    assert main(["can", identity, *argv, *same]) == 0


def test_service_principal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = write(
        tmp_path,
        "bucket.json",
        allow("s3:PutObject", Principal={"Service": "logging.s3.amazonaws.com"}),
    )
    argv = ["can", "--resource-policy", bucket, "--action", "s3:PutObject", "--resource", OBJECT]
    assert (
        main([*argv, "--principal", "logging.s3.amazonaws.com", "--principal-type", "Service"]) == 0
    )
    # The same name as an AWS principal is someone else.
    assert main([*argv, "--principal", "logging.s3.amazonaws.com"]) == 1


def test_trust_policy_as_resource_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust = write(
        tmp_path,
        "trust.json",
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    )
    argv = ["--action", "sts:AssumeRole", "--resource", ROLE, "--principal", "ec2.amazonaws.com"]
    code, data = can_json(capsys, "--resource-policy", trust, *argv, "--principal-type", "Service")
    assert code == 0
    assert data["deciding_statements"][0]["policy"] == "trust"


def test_boundary_and_session_limit_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = write(tmp_path, "id.json", allow("*"))
    only_s3 = write(tmp_path, "s3.json", allow("s3:*"))
    only_ec2 = write(tmp_path, "ec2.json", allow("ec2:*"))
    argv = ["can", identity, "--action", "s3:GetObject", "--resource", OBJECT]
    assert main([*argv, "--boundary", only_s3]) == 0
    assert main([*argv, "--boundary", only_ec2]) == 1
    assert main([*argv, "--session", only_ec2, "--session", only_s3]) == 0
    assert main([*argv, "--session", only_ec2]) == 1


def test_scp_levels_and_policies_within_a_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = write(tmp_path, "id.json", allow("*"))
    full = write(tmp_path, "full.json", allow("*"))
    only_s3 = write(tmp_path, "s3.json", allow("s3:*"))
    only_ec2 = write(tmp_path, "ec2.json", allow("ec2:*"))
    argv = ["can", identity, "--action", "s3:GetObject", "--resource", OBJECT]
    assert main([*argv, "--scp", full, "--scp", only_s3]) == 0
    # Every level must allow...
    assert main([*argv, "--scp", full, "--scp", only_ec2]) == 1
    # ...but within one level, one policy allowing is enough.
    assert main([*argv, "--scp", full, "--scp", f"{only_ec2},{only_s3}"]) == 0
    code, data = can_json(capsys, *argv[1:], "--scp", only_ec2)
    assert code == 1
    assert "service control policy" in data["reason"]


def test_rcp_and_endpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    identity = write(tmp_path, "id.json", allow("*"))
    rcp_s3 = write(tmp_path, "rcp.json", allow("s3:*", Principal="*"))
    rcp_deny = write(tmp_path, "rcp-deny.json", allow("*", Principal="*"), deny(Principal="*"))
    endpoint_ec2 = write(tmp_path, "vpce.json", allow("ec2:*", Principal="*"))
    argv = ["can", identity, "--action", "s3:GetObject", "--resource", OBJECT]
    assert main([*argv, "--rcp", rcp_s3]) == 0
    assert main([*argv, "--rcp", rcp_deny]) == 1
    assert main([*argv, "--endpoint", endpoint_ec2]) == 1


def test_invalid_policy_is_an_input_error_with_a_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:*",}\n  ]\n}')
    code = main(["can", str(bad), "--action", "s3:GetObject", "--resource", OBJECT])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{bad}:3:42: error: invalid JSON" in err


def test_structural_error_in_a_secondary_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = write(tmp_path, "id.json", allow())
    # A boundary may not name a Principal.
    boundary = write(tmp_path, "boundary.json", allow(Principal="*"))
    code = main(
        ["can", identity, "--boundary", boundary, "--action", "s3:GetObject", "--resource", OBJECT]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "[principal-not-allowed]" in err and "boundary.json:" in err


def test_missing_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.json")
    assert main(["can", missing, "--action", "s3:GetObject", "--resource", OBJECT]) == 2
    assert "nope.json:1:1: error: no such file" in capsys.readouterr().err


def test_resource_policy_without_principal_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read as a resource policy, never silently as one that applies to everybody.
    no_principal = write(tmp_path, "bucket.json", allow())
    code = main(
        ["can", "--resource-policy", no_principal, "--action", "s3:GetObject", "--resource", OBJECT]
    )
    assert code == 2
    assert "[missing-principal]" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--action", "s3:GetObject", "--resource", OBJECT],  # no policy at all
        ["POLICY", "--resource", OBJECT],  # no --action
        ["POLICY", "--action", "s3:GetObject"],  # no --resource
        ["POLICY", "--action", "a:b", "--resource", "*", "--context", "novalue"],
        ["POLICY", "--action", "a:b", "--resource", "*", "--principal-type", "Robot"],
        ["POLICY", "--action", "a:b", "--resource", "*", "--principal-type", "AWS"],
        ["POLICY", "--action", "a:b", "--resource", "*", "--format", "xml"],
    ],
)
def test_usage_errors_exit_two(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pol = write(tmp_path, "id.json", allow())
    argv = [pol if a == "POLICY" else a for a in argv]
    code: int | str | None
    try:
        code = main(["can", *argv])
    except SystemExit as exc:
        code = exc.code  # argparse reports usage errors by exiting
    assert code == 2
    assert "error" in capsys.readouterr().err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["can", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "--resource-policy" in out and "exit codes" in out


def test_the_help_example_works(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).parent.parent / "examples" / "policies" / "s3-read.json"
    argv = [
        "can",
        str(example),
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::team-data/home/alice/notes.txt",
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
        "--context",
        "aws:SecureTransport=true",
        "--context",
        "aws:SourceIp=203.0.113.7",
    ]
    assert main(argv) == 0
    assert main(argv[:-2]) == 1
