"""Nothing is skipped silently: a file named on the command line that yields no policy fails
the gate unless the user opts out; files found in a folder without a policy are listed as
skipped; what used to be skipped with a green gate is read, or is a located error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.cli import main
from policyreason.config import load_config
from policyreason.errors import ConfigError

PUBLIC_TRUST = {
    "Role": {
        "RoleName": "deploy",
        "Arn": "arn:aws:iam::444455556666:role/deploy",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        },
    }
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policyreason.toml").write_text("")


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "json", "--no-cache", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("empty.json", "", "empty file"),
        ("blank.yaml", "\n  \n", "empty file"),
        ("package.json", '{"name": "app", "version": "1.0.0"}', "not a policy"),
        ("workflow.yml", "on: push\njobs: {}\n", "not a policy"),
    ],
)
def test_a_named_file_without_a_policy_fails_the_gate(
    capsys: pytest.CaptureFixture[str], name: str, content: str, why: str
) -> None:
    Path(name).write_text(content)
    code, report = _check(capsys, name)
    assert code == 2
    (error,) = report["errors"]
    assert error["code"] == "no-policy"
    assert error["location"] == {
        "file": name,
        "line": 1,
        "column": 1,
        "end_line": 1,
        "end_column": 1,
    }
    assert why in error["message"] and "--no-policy=skip" in error["message"]


def test_the_user_may_opt_out_by_flag_or_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("empty.json").write_text("")
    code, report = _check(capsys, "empty.json", "--no-policy", "skip")
    assert (code, report["errors"], report["summary"]["skipped"]) == (0, [], 1)
    Path(".policyreason.toml").write_text('no-policy = "skip"\n')
    code, report = _check(capsys, "empty.json")
    assert (code, report["errors"]) == (0, [])
    # The flag wins over the file.
    code, _report = _check(capsys, "empty.json", "--no-policy", "fail")
    assert code == 2


def test_no_policy_setting_is_validated(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('no-policy = "ignore"\n')
    with pytest.raises(ConfigError, match="no-policy must be 'fail' or 'skip'"):
        load_config(config)


def test_files_found_in_a_folder_are_listed_as_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("repo").mkdir()
    Path("repo/package.json").write_text('{"name": "app"}')
    Path("repo/empty.json").write_text("")
    code, report = _check(capsys, "repo")
    assert (code, report["errors"], report["summary"]["skipped"]) == (0, [], 2)
    assert main(["check", "--no-cache", "repo"]) == 0
    assert "2 skipped without a policy" in capsys.readouterr().out
    assert main(["check", "--no-cache", "--verbose", "repo"]) == 0
    out = capsys.readouterr().out
    assert "repo/empty.json: skipped: empty file" in out
    assert "repo/package.json: skipped: not a policy" in out


def test_a_named_network_snapshot_points_at_reach(capsys: pytest.CaptureFixture[str]) -> None:
    Path("vpcs.json").write_text(json.dumps({"Vpcs": []}))
    code, report = _check(capsys, "vpcs.json")
    assert code == 2
    assert "policyreason reach" in report["errors"][0]["message"]


def test_get_role_output_is_checked_not_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    Path("role.json").write_text(json.dumps(PUBLIC_TRUST, indent=2))
    code, report = _check(capsys, "role.json")
    assert code == 1
    assert report["files"][0]["documents"] == [{"name": "role", "kind": "trust"}]
    assert "PR601" in {f["rule_id"] for f in report["findings"]}


def test_lowercase_keys_are_a_located_error_with_a_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("lower.json").write_text(
        '{"version": "2012-10-17",\n "statement": [{"effect": "Allow", "action": "*",'
        ' "resource": "*"}]}\n'
    )
    code, report = _check(capsys, "lower.json")
    assert code == 2
    first = report["errors"][0]
    assert (first["location"]["line"], first["location"]["column"]) == (1, 2)
    assert "did you mean 'Version'?" in first["message"]
    assert any("did you mean 'Statement'?" in e["message"] for e in report["errors"])


def test_a_plan_without_format_version_with_a_public_endpoint_policy_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    resource = {
        "address": "aws_vpc_endpoint.s3",
        "mode": "managed",
        "type": "aws_vpc_endpoint",
        "values": {"policy": json.dumps(policy)},
    }
    Path("plan.json").write_text(
        json.dumps({"planned_values": {"root_module": {"resources": [resource]}}})
    )
    _code, report = _check(capsys, "plan.json")
    assert report["errors"] == []
    assert report["files"][0]["input_type"] == "terraform-plan"
    assert report["files"][0]["documents"] == [
        {"name": "aws_vpc_endpoint.s3.policy", "kind": "endpoint"}
    ]
