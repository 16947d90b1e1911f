"""`policyreason diff` on real history: a temporary git repository built from AWS managed
policies, edited commit by commit, each verdict and witness checked by the concrete evaluator."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policyreason.analysis.evaluate import allows
from policyreason.cli import main
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.request import Request
from policyreason.parse.policy import parse_policy_text
from tests.corpus import CORPUS

S3_READ = "AmazonS3ReadOnlyAccess.json"
MEDIASTORE = "AWSElementalMediaStoreFullAccess.json"
SQS_READ = "AmazonSQSReadOnlyAccess.json"
MACIE = "AmazonMacieHandshakeRole.json"
Json = dict[str, Any]


def git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def corpus(name: str) -> Json:
    data: Json = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return data


def write(repo: Path, path: str, data: Json, indent: int = 2) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=indent) + "\n", encoding="utf-8")


def move(repo: Path, old: str, new: str) -> None:
    (repo / new).parent.mkdir(parents=True, exist_ok=True)
    git(repo, "mv", old, new)


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    # Keep the run independent of any configuration above the temporary folder.
    (root / ".policyreason.toml").write_text("")
    for name in (S3_READ, MEDIASTORE, SQS_READ, MACIE):
        write(root, f"policies/{name}", corpus(name))
    commit(root, "managed policies")
    monkeypatch.chdir(root)
    return root


def diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Json]:
    code = main(["diff", *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def policy_at(repo: Path, rev: str, path: str) -> Policy:
    text = git(repo, "show", f"{rev}:{path}")
    parsed = parse_policy_text(text, path, PolicyKind.IDENTITY)
    assert parsed.policy is not None
    return parsed.policy


def requests(access: Json) -> list[Request]:
    out = []
    for w in access["witnesses"]:
        r = dict(w["request"])
        r["context"] = {
            k: tuple(v) if isinstance(v, list) else (v,) for k, v in r["context"].items()
        }
        out.append(Request(**r))
    return out


def edit(repo: Path, path: str, change: Callable[[Json], None]) -> None:
    data = json.loads((repo / path).read_text(encoding="utf-8"))
    change(data)
    write(repo, path, data)


def check_witnesses(repo: Path, change: Json, old_path: str, new_path: str) -> None:
    """Every new-access witness is allowed by head and not by base, and the reverse."""
    old = policy_at(repo, "HEAD~1", old_path)
    new = policy_at(repo, "HEAD", new_path)
    for r in requests(change["new_access"]):
        assert allows(new, r) and not allows(old, r), r
    for r in requests(change["lost_access"]):
        assert allows(old, r) and not allows(new, r), r


def test_widened_wildcard_is_new_access_and_fails(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"policies/{S3_READ}"

    def widen(d: Json) -> None:
        d["Statement"][0]["Action"][0] = "s3:*"

    edit(repo, path, widen)
    commit(repo, "widen")
    # By default new access within the account is reported, not failing.
    code, out = diff(capsys, "--base", "HEAD~1")
    assert code == 0
    assert out["changes"][0]["findings"][0]["failing"] is False
    code, out = diff(capsys, "--base", "HEAD~1", "--fail-on", "new-access")
    assert code == 1
    (change,) = out["changes"]
    assert change["policy"] == path
    assert change["verdict"] == "more_permissive"
    assert change["new_access"]["result"] == "witnessed"
    assert change["lost_access"]["result"] == "none"
    witnesses = requests(change["new_access"])
    assert len({w.action for w in witnesses}) == len(witnesses) >= 2
    assert all(w.action.startswith("s3:") for w in witnesses)
    assert not any(w.action.startswith(("s3:Get", "s3:List", "s3:Describe")) for w in witnesses)
    check_witnesses(repo, change, path, path)
    (finding,) = change["findings"]
    assert finding["category"] == "new-access"
    assert finding["severity"] == "WARNING"
    assert finding["failing"] is True
    assert finding["location"].startswith(f"{path}:4:")
    assert change["summary"].startswith("now allows s3:")


def test_a_change_keeps_its_fingerprint_wherever_the_policy_moves_in_its_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"policies/{S3_READ}"
    edit(repo, path, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    _, out = diff(capsys, "--base", "HEAD")
    (finding,) = out["changes"][0]["findings"]
    # The same policy written wider: every key of every statement on another line and column.
    write(repo, path, json.loads((repo / path).read_text(encoding="utf-8")), indent=6)
    _, out = diff(capsys, "--base", "HEAD")
    (moved,) = out["changes"][0]["findings"]
    assert moved["location"] != finding["location"]
    assert moved["fingerprint"] == finding["fingerprint"]


def test_dropped_condition_is_new_access(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = f"policies/{MEDIASTORE}"
    edit(repo, path, lambda d: d["Statement"][0].pop("Condition"))
    commit(repo, "drop condition")
    code, out = diff(capsys, "--base", "HEAD~1", "--head", "HEAD", "--fail-on", "new-access")
    assert code == 1
    (change,) = out["changes"]
    assert change["verdict"] == "more_permissive"
    witnesses = requests(change["new_access"])
    assert witnesses
    # Only requests without secure transport are new.
    assert all(w.context.get("aws:SecureTransport") != ("true",) for w in witnesses)
    check_witnesses(repo, change, path, path)


def test_removed_action_is_lost_access_and_passes_by_default(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"policies/{SQS_READ}"
    edit(repo, path, lambda d: d["Statement"][0]["Action"].remove("sqs:ListQueues"))
    commit(repo, "remove an action")
    code, out = diff(capsys, "--base", "HEAD~1")
    assert code == 0
    (change,) = out["changes"]
    assert change["verdict"] == "less_permissive"
    (lost,) = requests(change["lost_access"])
    assert lost.action.lower() == "sqs:listqueues"
    check_witnesses(repo, change, path, path)
    (finding,) = change["findings"]
    assert (finding["category"], finding["failing"]) == ("lost-access", False)
    assert change["summary"].startswith("no longer allows sqs:ListQueues")
    code, _ = diff(capsys, "--base", "HEAD~1", "--fail-on", "lost-access")
    assert code == 1


def test_equivalent_rewrites_produce_no_finding(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = f"policies/{SQS_READ}"
    s3 = f"policies/{S3_READ}"

    def split(d: Json) -> None:
        first = d["Statement"][0]
        second = dict(first, Action=first["Action"][3:], Sid="Second")
        first["Action"] = list(reversed(first["Action"][:3]))
        d["Statement"].append(second)

    edit(repo, sqs, split)
    # Reformat and reorder keys: the same document.
    data = json.loads((repo / s3).read_text())
    data["Statement"][0] = dict(reversed(list(data["Statement"][0].items())))
    write(repo, s3, data, indent=7)
    move(repo, f"policies/{MACIE}", "moved/macie.json")
    commit(repo, "equivalent rewrites")
    code, out = diff(capsys, "--base", "HEAD~1")
    assert code == 0
    assert out["summary"]["findings"] == 0
    assert [c["verdict"] for c in out["changes"]] == ["equivalent"]
    assert out["changes"][0]["policy"] == sqs
    # The reformatted and the renamed policy are the same JSON: not even compared.
    assert out["summary"]["policies_unchanged"] == 2


def test_renamed_and_edited_policy_file_keeps_its_pair(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = f"policies/{MACIE}"
    new = "roles/macie-handshake.json"
    move(repo, old, new)

    def widen(doc: Json) -> None:
        # Any service's linked role, not only Macie's. (Widening the Action to
        # iam:*ServiceLinkedRole would add no real access: iam:AWSServiceName is sent with
        # CreateServiceLinkedRole only, so ForAnyValue fails for the others.)
        doc["Statement"][0]["Condition"] = {"ForAnyValue:StringLike": {"iam:AWSServiceName": "*"}}

    edit(repo, new, widen)
    commit(repo, "rename and widen")
    code, out = diff(capsys, "--base", "HEAD~1", "--fail-on", "new-access")
    assert code == 1
    (change,) = out["changes"]
    assert change["status"] == "moved"
    assert (change["old"]["file"], change["new"]["file"]) == (old, new)
    assert change["verdict"] == "more_permissive"
    check_witnesses(repo, change, old, new)


def test_added_and_deleted_policies(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / f"policies/{SQS_READ}").unlink()
    write(repo, "policies/new.json", corpus(MEDIASTORE))
    # The working tree, untracked file included.
    code, out = diff(capsys, "--base", "HEAD", "--fail-on", "new-access")
    assert code == 1
    by_status = {c["status"]: c for c in out["changes"]}
    assert set(by_status) == {"added", "deleted"}
    assert by_status["added"]["verdict"] == "more_permissive"
    assert by_status["deleted"]["verdict"] == "less_permissive"
    lost = requests(by_status["deleted"]["lost_access"])
    base = policy_at(repo, "HEAD", f"policies/{SQS_READ}")
    assert lost and all(allows(base, r) for r in lost)


def test_public_bucket_widening_fails_with_security_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::site/*",
            }
        ],
    }
    write(repo, "buckets/site.json", bucket)
    commit(repo, "site bucket")
    bucket["Statement"][0]["Action"] = "s3:*"
    write(repo, "buckets/site.json", bucket)
    commit(repo, "widen")
    code, out = diff(capsys, "--base", "HEAD~1", "--fail-on", "public")
    assert code == 1
    (change,) = out["changes"]
    (finding,) = change["findings"]
    assert finding["category"] == "public"
    assert finding["severity"] == "SECURITY_WARNING"
    assert "public" in finding["tags"] and "new-access" in finding["tags"]
    public = [w for w in change["new_access"]["witnesses"] if "public" in w["tags"]]
    # "Anyone" as S3 Block Public Access means it: anonymous, or a principal the policy
    # does not name.
    assert public
    request = public[0]["request"]
    assert request["principal"] is None or request["principal_account"] != "111122223333"
    assert public[0]["location"].startswith("buckets/site.json:")
    new = parse_policy_text((repo / "buckets/site.json").read_text(), "x").policy
    assert new is not None
    assert all(allows(new, r) for r in requests(change["new_access"]))


def test_accepted_change_passes_and_reason_is_mandatory(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"policies/{S3_READ}"

    def widen(d: Json) -> None:
        d["Statement"][0]["Action"].append("s3:PutObject")

    edit(repo, path, widen)
    commit(repo, "allow uploads")
    config = repo / ".policyreason.toml"
    config.write_text(
        '[[accept]]\npolicy = "policies/AmazonS3*"\ndirection = "new-access"\n'
        'actions = ["s3:Put*"]\nreason = "uploads reviewed in TICKET-7"\n'
    )
    code, out = diff(capsys, "--base", "HEAD~1", "--fail-on", "new-access")
    assert code == 0
    (finding,) = out["changes"][0]["findings"]
    assert finding["accepted"] == ["uploads reviewed in TICKET-7"]
    assert finding["failing"] is False

    # Access beyond the accepted actions still fails, and its witness is not accepted.
    edit(repo, path, lambda d: d["Statement"][0]["Action"].append("s3:DeleteObject"))
    code, out = diff(capsys, "--base", "HEAD~1", "--fail-on", "new-access")
    assert code == 1
    witnesses = requests(out["changes"][0]["new_access"])
    assert {w.action for w in witnesses} == {"s3:DeleteObject"}

    config.write_text('[[accept]]\npolicy = "*"\ndirection = "new-access"\nactions = ["s3:Put*"]\n')
    assert main(["diff", "--base", "HEAD~1"]) == 2
    assert "has no reason" in capsys.readouterr().err


def test_bad_ref_and_outside_a_repository(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["diff", "--base", "no-such-branch"]) == 2
    assert "unknown revision 'no-such-branch'" in capsys.readouterr().err
    assert main(["diff", "--base", "HEAD", "--head", "HEAD~5"]) == 2
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["diff", "--base", "HEAD"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_bad_head_file_is_a_located_error_and_others_are_compared(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / f"policies/{SQS_READ}").write_text('{"Version": "2012-10-17", "Statement": [\n')
    edit(repo, f"policies/{MEDIASTORE}", lambda d: d["Statement"][0].pop("Condition"))
    code, out = diff(capsys, "--base", "HEAD")
    assert code == 2
    (error,) = out["errors"]
    assert error["location"].startswith(f"policies/{SQS_READ}:")
    assert [c["policy"] for c in out["changes"]] == [f"policies/{MEDIASTORE}"]


def test_staged_compares_head_with_the_index(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"policies/{SQS_READ}"
    edit(repo, path, lambda d: d["Statement"][0]["Action"].append("sqs:SendMessage"))
    code, out = diff(capsys, "--staged")
    assert (code, out["changes"]) == (0, [])  # nothing staged yet
    git(repo, "add", path)
    edit(repo, path, lambda d: d["Statement"][0]["Action"].pop())  # unstaged undo: ignored
    code, out = diff(capsys, "--staged", "--fail-on", "new-access")
    assert code == 1
    (witness,) = requests(out["changes"][0]["new_access"])
    assert witness.action == "sqs:SendMessage"


def test_unreadable_base_version_is_unknown(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = "policies/broken.json"
    (repo / path).write_text('{"Version": "2012-10-17", "Statement": [\n')
    commit(repo, "broken")
    write(repo, path, corpus(SQS_READ))
    commit(repo, "fixed")
    code, out = diff(capsys, "--base", "HEAD~1")
    assert code == 1
    (change,) = out["changes"]
    assert change["verdict"] == "unknown"
    (finding,) = change["findings"]
    assert finding["category"] == "unknown"
    assert "base version could not be read" in finding["message"]
    code, _ = diff(capsys, "--base", "HEAD~1", "--unknown", "pass")
    assert code == 0


def test_pairing_by_document_name_needs_a_unique_name() -> None:
    from policyreason.inputs import InputType, SourceFile
    from policyreason.inputs.document import Document
    from policyreason.inputs.git import pair

    def source(path: str, names: list[str], action: str) -> SourceFile:
        text = json.dumps({"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
        docs = tuple(
            Document(
                parse_policy_text(text, path, PolicyKind.IDENTITY), PolicyKind.IDENTITY, path, name
            )
            for name in names
        )
        return SourceFile(path, InputType.CLOUDFORMATION, docs)

    old = [
        source("a.yaml", ["Shared", "OnlyA"], "s3:GetObject"),
        source("b.yaml", ["Shared"], "s3:GetObject"),
    ]
    # Both templates moved: "OnlyA" is unique and pairs across files, "Shared" does not.
    new = [
        source("c.yaml", ["Shared", "OnlyA"], "s3:GetObject"),
        source("d.yaml", ["Shared"], "s3:PutObject"),
    ]
    pairs, unchanged = pair(old, new)
    assert unchanged == 1  # OnlyA, paired by name and the same
    statuses = sorted((p.status, p.key) for p in pairs)
    assert statuses == [
        ("added", "c.yaml#Shared"),
        ("added", "d.yaml#Shared"),
        ("deleted", "a.yaml#Shared"),
        ("deleted", "b.yaml#Shared"),
    ]
    # With the renames known, each "Shared" pairs within its own file.
    pairs, unchanged = pair(old, new, {"a.yaml": "c.yaml", "b.yaml": "d.yaml"})
    assert unchanged == 2
    ((moved),) = pairs
    assert (moved.status, moved.key) == ("moved", "d.yaml#Shared")


def test_an_analysis_failure_is_unknown_not_a_traceback(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import policyreason.analysis.change as change_module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(change_module, "compare", broken)
    edit(repo, f"policies/{SQS_READ}", lambda d: d["Statement"][0]["Action"].pop())
    code, out = diff(capsys, "--base", "HEAD")
    assert code == 1
    (finding,) = out["changes"][0]["findings"]
    assert finding["category"] == "unknown"
    assert "internal error: RuntimeError: boom" in finding["message"]


def test_org_pinned_grant_is_new_access_but_not_public(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Org",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::shared/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ],
    }
    write(repo, "buckets/shared.json", bucket)
    commit(repo, "shared bucket")
    # (s3:ListBucket would add nothing: it acts on buckets, and the Resource names objects.)
    bucket["Statement"][0]["Action"] = ["s3:GetObject", "s3:PutObject"]
    write(repo, "buckets/shared.json", bucket)
    commit(repo, "put too")
    code, out = diff(capsys, "--base", "HEAD~1", "--fail-on", "public")
    assert code == 0
    (change,) = out["changes"]
    (finding,) = change["findings"]
    assert "public" not in finding["tags"]


def test_a_new_org_restricted_policy_does_not_block_by_default(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::shared/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ],
    }
    write(repo, "buckets/shared.json", bucket)
    code, out = diff(capsys, "--base", "HEAD")
    assert code == 0
    (finding,) = out["changes"][0]["findings"]
    assert finding["category"] == "new-access" and finding["failing"] is False
    assert not {"public", "cross-account"} & set(finding["tags"])
    # Naming the organization that is trusted makes access for another one cross-account.
    code, out = diff(capsys, "--base", "HEAD", "--zone-of-trust", "o-zzzzzzzzzz")
    assert code == 1
    assert "cross-account" in out["changes"][0]["findings"][0]["tags"]
    # Another account named outright is cross-account and fails by default.
    bucket["Statement"][0].pop("Condition")
    bucket["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::444455556666:root"}
    write(repo, "buckets/shared.json", bucket)
    code, out = diff(capsys, "--base", "HEAD")
    assert code == 1
    assert "cross-account" in out["changes"][0]["findings"][0]["tags"]


def test_diff_fail_on_in_the_configuration(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = f"policies/{S3_READ}"
    edit(repo, path, lambda d: d["Statement"][0]["Action"].append("s3:PutObject"))
    (repo / ".policyreason.toml").write_text('diff-fail-on = ["new-access"]\n')
    code, _out = diff(capsys, "--base", "HEAD")
    assert code == 1
    (repo / ".policyreason.toml").write_text('diff-fail-on = ["new-acess"]\n')
    assert main(["diff", "--base", "HEAD"]) == 2
    assert "diff-fail-on: unknown category 'new-acess'" in capsys.readouterr().err
