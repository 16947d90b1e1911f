"""`policyreason diff` over CloudFormation templates and Terraform plans (pairing by logical id
and resource address), and its SARIF and markdown reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyreason.analysis.evaluate import allows
from policyreason.cli import main
from policyreason.ir.policy import PolicyKind
from policyreason.ir.request import Request
from policyreason.parse.policy import parse_policy_text
from tests.test_diff import commit, git, requests

Json = dict[str, Any]
PARTNER = "arn:aws:iam::444455556666:root"


def bucket_policy(action: str, principal: Any = None) -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PartnerRead",
                "Effect": "Allow",
                "Principal": principal or {"AWS": PARTNER},
                "Action": action,
                "Resource": "arn:aws:s3:::logs/*",
            }
        ],
    }


def reader_policy() -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}],
    }


def template(action: str) -> Json:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "LogsBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": "logs", "PolicyDocument": bucket_policy(action)},
            },
            "ReaderPolicy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": reader_policy()},
            },
        },
    }


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".policyreason.toml").write_text("")
    monkeypatch.chdir(root)
    return root


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Json]:
    code = main(["diff", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_template_renamed_and_rewritten_as_yaml_pairs_by_logical_id(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "stack.json").write_text(json.dumps(template("s3:GetObject"), indent=2))
    commit(repo, "stack")
    (repo / "stack.json").unlink()
    (repo / "infra").mkdir()
    (repo / "infra/stack.yaml").write_text(yaml.safe_dump(template("s3:Get*")))
    commit(repo, "yaml, wider read")
    code, out = run_json(capsys, "--base", "HEAD~1")
    assert code == 1
    # The reader policy is the same in both files: paired, unchanged, not compared.
    assert out["summary"]["policies_unchanged"] == 1
    (change,) = out["changes"]
    assert change["status"] == "moved"
    assert change["old"] == {"file": "stack.json", "name": "LogsBucketPolicy.PolicyDocument"}
    assert change["new"]["file"] == "infra/stack.yaml"
    assert change["verdict"] == "more_permissive"
    (finding,) = change["findings"]
    # The partner account is outside the (empty) zone of trust: cross-account new access.
    assert finding["category"] == "cross-account"
    assert finding["severity"] == "SECURITY_WARNING"
    old = parse_policy_text(json.dumps(bucket_policy("s3:GetObject")), "old").policy
    new = parse_policy_text(json.dumps(bucket_policy("s3:Get*")), "new").policy
    assert old is not None and new is not None
    witnesses = requests(change["new_access"])
    assert witnesses and all(allows(new, r) and not allows(old, r) for r in witnesses)
    assert any(w.principal_account == "444455556666" for w in witnesses)

    # With the partner in the zone of trust it is plain new access.
    code, out = run_json(capsys, "--base", "HEAD~1", "--zone-of-trust", "444455556666")
    (finding,) = out["changes"][0]["findings"]
    assert finding["category"] == "new-access"


def plan(changes: list[tuple[str, str, Json | None, Json | None]]) -> Json:
    def values(policy: Json | None) -> Json | None:
        return None if policy is None else {"name": "p", "policy": json.dumps(policy)}

    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": [
            {
                "address": address,
                "mode": "managed",
                "type": kind,
                "name": address.split(".")[-1],
                "change": {
                    "actions": ["update"],
                    "before": values(before),
                    "after": values(after),
                    "after_unknown": {},
                },
            }
            for address, kind, before, after in changes
        ],
    }


def test_plan_compares_before_and_after_of_every_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no git repository needed
    (tmp_path / ".policyreason.toml").write_text("")
    widened = reader_policy()
    widened["Statement"][0]["Action"] = "sqs:*"
    document = plan(
        [
            ("aws_iam_policy.reader", "aws_iam_policy", reader_policy(), widened),
            ("aws_iam_policy.same", "aws_iam_policy", reader_policy(), reader_policy()),
            ("aws_iam_policy.gone", "aws_iam_policy", reader_policy(), None),
            (
                "aws_s3_bucket_policy.site",
                "aws_s3_bucket_policy",
                None,
                bucket_policy("s3:GetObject", "*"),
            ),
        ]
    )
    (tmp_path / "plan.json").write_text(json.dumps(document, indent=2))
    code, out = run_json(capsys, "--plan", "plan.json")
    assert code == 1
    changes = {c["new"]["name"] if c["new"] else c["old"]["name"]: c for c in out["changes"]}
    assert set(changes) == {
        "aws_iam_policy.reader.policy",
        "aws_iam_policy.gone.policy",
        "aws_s3_bucket_policy.site.policy",
    }
    assert out["summary"]["policies_unchanged"] == 1
    reader = changes["aws_iam_policy.reader.policy"]
    assert reader["verdict"] == "more_permissive"
    assert all(w.action.startswith("sqs:") for w in requests(reader["new_access"]))
    assert changes["aws_iam_policy.gone.policy"]["status"] == "deleted"
    site = changes["aws_s3_bucket_policy.site.policy"]
    assert site["status"] == "added"
    assert {f["category"] for f in site["findings"]} == {"public"}
    # Positions point into the plan file, at the statement inside the JSON string.
    assert site["findings"][0]["location"].startswith("plan.json:")

    (tmp_path / "plan.json").write_text('{"format_version": ')
    assert main(["diff", "--plan", "plan.json"]) == 2
    assert "plan.json:1:" in capsys.readouterr().err


def test_sarif_points_at_the_granting_statement_and_markdown_is_short(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = bucket_policy("s3:GetObject")
    first["Statement"].insert(
        0,
        {
            "Sid": "Deny",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteBucket",
            "Resource": "arn:aws:s3:::logs",
        },
    )
    (repo / "bucket.json").write_text(json.dumps(first, indent=2))
    commit(repo, "bucket")
    second = json.loads(json.dumps(first))
    second["Statement"][1]["Action"] = ["s3:GetObject", "s3:PutObject"]
    second["Statement"][1]["Principal"] = "*"
    (repo / "bucket.json").write_text(json.dumps(second, indent=2))
    commit(repo, "public uploads")

    assert main(["diff", "--base", "HEAD~1", "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    (run,) = sarif["runs"]
    (result,) = run["results"]
    assert result["ruleId"] == "public"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bucket.json"
    lines = (repo / "bucket.json").read_text().splitlines()
    # The statement that grants the new access (the second one), not the Deny.
    assert '"Sid": "PartnerRead"' in "\n".join(lines[location["region"]["startLine"] - 1 :][:3])
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"new-access", "public", "cross-account", "lost-access"} <= rules
    witness = result["properties"]["witnesses"][0]["request"]
    policy = parse_policy_text(json.dumps(second), "x", PolicyKind.RESOURCE).policy
    assert policy is not None
    assert allows(policy, Request(**{**witness, "context": {}}))

    assert main(["diff", "--base", "HEAD~1", "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("### policyreason diff: gate failed")
    assert "| :rotating_light: SECURITY_WARNING (failing) | public |" in markdown
    assert "```json" in markdown
    assert len(markdown) < 4000

    assert main(["diff", "--base", "HEAD~1"]) == 1
    text = capsys.readouterr().out
    assert "bucket.json" in text and "public" in text and "gate failed" in text

    # One run, several reports (what the pull-request workflow does).
    args = ["--format", "markdown", "--output", "diff.md", "--also", "sarif=diff.sarif"]
    assert main(["diff", "--base", "HEAD~1", *args]) == 1
    assert (repo / "diff.md").read_text() == markdown
    assert json.loads((repo / "diff.sarif").read_text())["runs"][0]["results"] == run["results"]
    assert main(["diff", "--base", "HEAD~1", "--also", "pdf=x.pdf"]) == 2


@pytest.mark.slow
def test_pre_commit_hook_blocks_a_staged_widening(tmp_path: Path) -> None:
    from tests.test_precommit import PRE_COMMIT, ROOT, _run

    assert PRE_COMMIT is not None
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["policyreason-diff"]
    local = {k: hook[k] for k in ("id", "name", "entry", "pass_filenames", "always_run")}
    config = {"repos": [{"repo": "local", "hooks": [{**local, "language": "system"}]}]}
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    (repo / ".policyreason.toml").write_text("")
    assert _run(["git", "init", "-q"], repo).returncode == 0
    (repo / "bucket.json").write_text(json.dumps(bucket_policy("s3:GetObject"), indent=2))
    _run(["git", "add", "."], repo)
    # The first commit has no HEAD to compare with: everything staged is new access.
    first = _run([PRE_COMMIT, "run"], repo)
    assert first.returncode == 1, first.stdout + first.stderr
    assert _run(["git", "commit", "-q", "--no-verify", "-m", "bucket"], repo).returncode == 0
    same = _run([PRE_COMMIT, "run"], repo)
    assert same.returncode == 0, same.stdout + same.stderr
    (repo / "bucket.json").write_text(json.dumps(bucket_policy("s3:*"), indent=2))
    _run(["git", "add", "bucket.json"], repo)
    risky = _run([PRE_COMMIT, "run"], repo)
    assert risky.returncode == 1, risky.stdout + risky.stderr
    assert "now allows s3:" in risky.stdout


def test_public_access_is_found_even_when_the_witnesses_show_another_account(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "bucket.json").write_text(json.dumps(bucket_policy("s3:GetObject"), indent=2))
    commit(repo, "bucket")
    wider = bucket_policy("s3:*")
    wider["Statement"].append(
        {
            "Sid": "PublicList",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::logs",
        }
    )
    (repo / "bucket.json").write_text(json.dumps(wider, indent=2))
    code, out = run_json(capsys, "--base", "HEAD", "--fail-on", "public")
    assert code == 1
    (finding,) = out["changes"][0]["findings"]
    assert finding["category"] == "public"
    assert set(finding["tags"]) == {"new-access", "public", "cross-account"}
    public = [w for w in out["changes"][0]["new_access"]["witnesses"] if "public" in w["tags"]]
    assert public[0]["request"]["action"] == "s3:ListBucket"
    assert public[0]["statement"] == "PublicList"


def test_terraform_plan_renamed_in_git_pairs_by_resource_address(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    widened = reader_policy()
    widened["Statement"][0]["Action"] = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    before = plan([("module.q.aws_iam_policy.reader", "aws_iam_policy", None, reader_policy())])
    after = plan([("module.q.aws_iam_policy.reader", "aws_iam_policy", None, widened)])
    (repo / "plans").mkdir()
    (repo / "plans/dev.json").write_text(json.dumps(before, indent=2))
    commit(repo, "plan")
    (repo / "plans/dev.json").unlink()
    (repo / "prod.plan.json").write_text(json.dumps(after, indent=4))
    code, out = run_json(capsys, "--base", "HEAD", "--fail-on", "new-access")
    assert code == 1
    (change,) = out["changes"]
    assert change["status"] == "moved"
    assert change["old"]["file"] == "plans/dev.json"
    assert change["new"]["name"] == "module.q.aws_iam_policy.reader.policy"
    (witness,) = requests(change["new_access"])
    assert witness.action == "sqs:DeleteMessage"
