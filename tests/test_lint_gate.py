"""What decides whether a team keeps the lint on: the policy type of each file, suppressions
with reasons, owners and expiry dates, baselines summarised, output that survives a CI log,
Ctrl-C, and Access Analyzer codes and the reference date in every report."""

from __future__ import annotations

import datetime
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from policyreason.cli import main
from policyreason.report.text import render_text

REGION_LOCK = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Sid": "DenyOutsideRegions",
            "Effect": "Deny",
            "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*", "cloudfront:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
            },
        },
    ],
}
PASS_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Deploy", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    ],
}
LONG_ROLE = "arn:aws:iam::111122223333:role/a-very-long-role-name-that-would-wrap-in-a-table"
PUBLIC_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-site-with-a-long-bucket-name-for-wrapping/*",
        }
    ],
}


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "json", "--no-cache", *args])
    return code, json.loads(capsys.readouterr().out)


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) if not isinstance(document, str) else document)
    return path


# -- policy type per file -----------------------------------------------------------------------


def test_a_region_lock_scp_is_not_linted_as_an_identity_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "scps" / "region-lock.json", REGION_LOCK)
    (tmp_path / ".policyreason.toml").write_text("")
    code, report = _check(capsys, "scps")
    assert code == 1, "read as an identity policy, the Allow * is full of security warnings"
    # Escalation paths (one finding for all of them), iam:PassRole on every role, ...
    assert report["summary"]["by_severity"]["SECURITY_WARNING"] >= 3
    assert {"PR604", "PR527"} <= {f["rule_id"] for f in report["findings"]}
    (tmp_path / ".policyreason.toml").write_text(
        '[[policy-type]]\npaths = ["scps/*.json"]\ntype = "scp"\n'
    )
    code, report = _check(capsys, "scps")
    assert report["files"][0]["documents"] == [{"name": "region-lock", "kind": "scp"}]
    assert code == 0 and report["summary"]["by_severity"]["SECURITY_WARNING"] == 0


def test_an_organizations_export_says_its_policy_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = {
        "Policy": {
            "PolicySummary": {
                "Id": "p-a1b2c3d4",
                "Name": "RegionLock",
                "Type": "SERVICE_CONTROL_POLICY",
            },
            "Content": json.dumps(REGION_LOCK),
        }
    }
    path = _write(tmp_path / "describe-policy.json", export)
    code, report = _check(capsys, str(path))
    assert report["files"][0]["documents"][0]["kind"] == "scp"
    assert code == 0


def test_policy_type_entries_are_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path / "c.toml", '[[policy-type]]\npaths = ["*"]\ntype = "scps"\n')
    assert main(["check", "--config", str(config), str(tmp_path)]) == 2
    assert "type must be one of" in capsys.readouterr().err


# -- suppressions -------------------------------------------------------------------------------


def _suppress(tmp_path: Path, entry: str) -> None:
    (tmp_path / ".policyreason.toml").write_text("[[suppress]]\n" + textwrap.dedent(entry))


def test_suppression_by_path_and_sid_with_owner_and_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "roles" / "deployer.json", PASS_ANY_ROLE)
    _suppress(
        tmp_path,
        """
        paths = ["roles/*"]
        rules = ["PASS_ROLE_WITH_STAR_IN_RESOURCE"]
        sids = ["Deploy"]
        reason = "the deployer passes every application role, reviewed in SEC-12"
        owner = "platform-team"
        expires = 2999-12-31
        """,
    )
    code, report = _check(capsys, "roles")
    assert code == 0
    assert report["summary"]["suppressed"] == 1
    assert not any(f["rule_id"] == "PR503" for f in report["findings"])
    # Another Sid is not covered.
    other = dict(PASS_ANY_ROLE, Statement=[dict(PASS_ANY_ROLE["Statement"][0], Sid="Other")])
    _write(tmp_path / "roles" / "deployer.json", other)
    code, report = _check(capsys, "roles")
    assert code == 1 and any(f["rule_id"] == "PR503" for f in report["findings"])


def test_an_expired_suppression_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "roles" / "deployer.json", PASS_ANY_ROLE)
    _suppress(
        tmp_path,
        """
        paths = ["roles/*"]
        rules = ["PR503"]
        reason = "until the deployer is split"
        owner = "platform-team"
        expires = 2020-01-31
        """,
    )
    code, report = _check(capsys, "roles", "--fail-on", "ERROR")
    assert code == 1, "an expired suppression fails even below the threshold"
    (expired,) = report["expired_suppressions"]
    assert "until the deployer is split" in expired and "platform-team" in expired
    assert "2020-01-31" in expired
    assert any(f["rule_id"] == "PR503" for f in report["findings"]), "no longer suppressed"
    main(["check", "--no-cache", "roles", "--fail-on", "ERROR"])
    assert "expired suppression (fails the gate)" in capsys.readouterr().out


def test_a_suppression_of_an_unknown_rule_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "p.json", PASS_ANY_ROLE)
    _suppress(tmp_path, 'rules = ["PR9999"]\nreason = "typo"\n')
    assert main(["check", "p.json"]) == 2
    assert "unknown rule 'PR9999'" in capsys.readouterr().err


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  SiteBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Metadata:
      policyreason:
        suppress:
          - rules: [PR601]
            reason: Public website content, reviewed in SEC-42
            owner: web-team
            expires: 2999-06-30
    Properties:
      Bucket: site
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::site/*
  DataBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: data
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::data/*
"""


def test_cloudformation_metadata_suppresses_inside_its_resource_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "stack.yaml", TEMPLATE)
    code, report = _check(capsys, "stack.yaml")
    public = [f for f in report["findings"] if f["rule_id"] == "PR601"]
    assert [f["document"] for f in public] == ["DataBucketPolicy.PolicyDocument"]
    assert report["summary"]["suppressed"] == 1
    assert code == 1


def test_cloudformation_metadata_suppression_needs_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path / "stack.yaml",
        TEMPLATE.replace("reason: Public website content, reviewed in SEC-42", "owner2: x"),
    )
    code, report = _check(capsys, "stack.yaml")
    assert code == 2
    (error,) = [e for e in report["errors"] if e["code"] == "suppression"]
    assert error["location"]["line"] == 8
    assert "unknown key 'owner2'" in error["message"]


# -- baselines, CI output, interruption ---------------------------------------------------------


def test_baselined_findings_are_summarised_not_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "p.json", PASS_ANY_ROLE)
    assert main(["baseline", "p.json", "--output", "base.json"]) == 0
    capsys.readouterr()
    assert main(["check", "--no-cache", "p.json", "--baseline", "base.json"]) == 0
    out = capsys.readouterr().out
    assert "PR503" not in out.split("finding(s)")[0], "baselined findings are not listed"
    assert "in baseline, not shown (" in out and "PR503 ×1" in out


def test_no_table_breaks_an_arn_without_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "bucket.json", PUBLIC_BUCKET)
    monkeypatch.setenv("COLUMNS", "60")
    main(["check", "--no-cache", "bucket.json"])
    out = capsys.readouterr().out
    resource = "arn:aws:s3:::acme-site-with-a-long-bucket-name-for-wrapping/"
    assert any(resource in line and "witness.resource:" in line for line in out.splitlines())


def test_progress_lines_on_stderr_for_long_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for i in range(25):
        _write(tmp_path / "many" / f"p{i:02d}.json", PASS_ANY_ROLE)
    main(["check", "--no-cache", "-j", "1", "many"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("policyreason: checked")]
    assert lines and lines[-1] == "policyreason: checked 25/25 files (100%)"
    assert 2 <= len(lines) <= 13


def test_ctrl_c_prints_the_partial_report_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import policyreason.inputs as inputs

    monkeypatch.chdir(tmp_path)
    for i in range(5):
        _write(tmp_path / "many" / f"p{i}.json", PASS_ANY_ROLE)
    real = inputs.load_file

    def interrupted(path: Path, options: Any = None) -> Any:
        if path.name == "p3.json":
            raise KeyboardInterrupt
        return real(path, options)

    monkeypatch.setattr(inputs, "load_file", interrupted)
    code, report = _check(capsys, "-j", "1", "many")
    assert code == 130
    assert report["summary"]["interrupted"] is True
    assert [f["path"] for f in report["files"]] == [f"many/p{i}.json" for i in range(3)]
    assert report["unchecked"] == ["many/p3.json", "many/p4.json"]
    assert report["findings"], "what was checked is reported"


# -- Access Analyzer codes, rule docs and the reference date in every format -------------------


def test_reports_carry_access_analyzer_codes_and_the_reference_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "p.json", PASS_ANY_ROLE)
    _code, report = _check(capsys, str(path))
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "PR503"]
    assert finding["aa_code"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE"
    assert finding["sid"] == "Deploy"
    assert report["service_reference"]["date"]
    main(["check", "--no-cache", "--format", "sarif", str(path)])
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["properties"]["serviceReference"] == report["service_reference"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["PR503"]["properties"]["aaCode"] == "PASS_ROLE_WITH_STAR_IN_RESOURCE"
    assert "## Fails" in rules["PR503"]["help"]["markdown"]
    main(["check", "--no-cache", str(path)])
    text = capsys.readouterr().out
    assert "PR503 PASS_ROLE_WITH_STAR_IN_RESOURCE" in text
    assert f"service reference {report['service_reference']['date']}" in text


def test_the_witness_is_in_the_sarif_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "bucket.json", PUBLIC_BUCKET)
    main(["check", "--no-cache", "--format", "sarif", str(path)])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    (public,) = [r for r in results if r["ruleId"] == "PR601"]
    message = public["message"]["text"]
    assert (
        "Witness request: anyone (anonymous) calls s3:GetObject on arn:aws:s3:::acme-site"
        in message
    )


def test_reader_errors_name_their_rule_and_access_analyzer_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}],
    }
    path = _write(tmp_path / "bad.json", bad)
    code, report = _check(capsys, str(path))
    assert code == 2
    (error,) = report["errors"]
    assert (error["code"], error["rule_id"], error["aa_code"]) == (
        "bad-effect",
        "PR006",
        "INVALID_EFFECT",
    )
    main(["check", "--no-cache", "--format", "sarif", str(path)])
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["ruleId"] == "PR006" and result["properties"]["aaCode"] == "INVALID_EFFECT"
    main(["check", "--no-cache", str(path)])
    assert "[bad-effect, PR006 INVALID_EFFECT]" in capsys.readouterr().out


def test_a_trust_policy_wildcard_is_its_own_access_analyzer_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci-*"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    path = _write(tmp_path / "trust.json", trust)
    _code, report = _check(capsys, str(path))
    assert report["errors"][0]["aa_code"] == "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PR601", "# PR601: Public access"),
        ("equivalent_to_null_false", "`EQUIVALENT_TO_NULL_FALSE`"),
        ("INVALID_KMS_KEY_VALUE", "policyreason does not check it"),
    ],
)
def test_explain_prints_a_rules_documentation(
    name: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", name]) == 0
    assert expected in capsys.readouterr().out


def test_explain_of_an_unknown_rule_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "NO_SUCH_CHECK"]) == 2
    assert "no rule or Access Analyzer code" in capsys.readouterr().err


def test_text_report_renders_offline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from policyreason.gate import run
    from policyreason.run.options import RunOptions

    path = _write(tmp_path / "bucket.json", PUBLIC_BUCKET)
    report = run([str(path)], RunOptions(today=datetime.date(2030, 1, 1)))
    text = render_text(report, width=40)
    assert "arn:aws:s3:::acme-site-with-a-long-bucket-name-for-wrapping/" in text
