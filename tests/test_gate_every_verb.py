"""The one gate applies suppressions and baselines to `diff` and `reach` as it does to
`check`, when the user opts in: a suppressed finding does not fail the gate, a baselined one
neither, a new one does; a suppression written for `check` hides no change and no path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.cli import main
from tests.test_diff import commit, git, write

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BUCKET = {
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


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose last commit makes a bucket public."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".policyreason.toml").write_text("")
    write(root, "buckets/site.json", {"Version": "2012-10-17", "Statement": []})
    commit(root, "private bucket")
    write(root, "buckets/site.json", BUCKET)
    commit(root, "public bucket")
    monkeypatch.chdir(root)
    return root


def _diff(
    capsys: pytest.CaptureFixture[str], *args: str, base: str = "HEAD~1"
) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["diff", "--base", base, *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _suppress(root: Path, rules: str, paths: str = '["buckets/*"]') -> None:
    (root / ".policyreason.toml").write_text(
        f'[[suppress]]\nrules = {rules}\npaths = {paths}\nreason = "a public website"\n'
    )


def test_diff_new_finding_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _diff(capsys)
    assert code == 1
    (finding,) = out["changes"][0]["findings"]
    assert finding["category"] == "public" and finding["failing"]
    assert finding["baseline"] is None


def test_diff_suppression_naming_the_rule_passes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _suppress(repo, '["public"]')
    code, out = _diff(capsys)
    assert code == 0
    assert out["changes"][0]["findings"] == []
    assert out["gate"]["suppressed"] == 1


def test_diff_suppression_elsewhere_or_for_check_does_not(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _suppress(repo, '["public"]', '["other/*"]')
    assert _diff(capsys)[0] == 1
    # Written for check (every rule, or a rule of check): changes are not its business.
    (repo / ".policyreason.toml").write_text(
        '[[suppress]]\npaths = ["buckets/*"]\nreason = "lint noise"\n'
    )
    assert _diff(capsys)[0] == 1


def test_diff_expired_suppression_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".policyreason.toml").write_text(
        '[[suppress]]\nrules = ["public"]\nreason = "until launch"\nexpires = 2020-01-01\n'
    )
    code, out = _diff(capsys)
    assert code == 1
    assert out["gate"]["expired_suppressions"]


def test_diff_baseline_passes_what_it_holds_and_fails_what_is_new(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "diff-baseline.json"
    assert _diff(capsys, "--write-baseline", str(baseline))[0] == 1
    code, out = _diff(capsys, "--baseline", str(baseline))
    assert code == 0
    (finding,) = out["changes"][0]["findings"]
    assert finding["baseline"] == "unchanged" and not finding["failing"]
    # The same change grants one more action: a finding the baseline does not hold.
    widened = json.loads(json.dumps(BUCKET))
    widened["Statement"][0]["Action"] = ["s3:GetObject", "s3:PutObject"]
    write(repo, "buckets/site.json", widened)
    code, out = _diff(capsys, "--baseline", str(baseline))
    assert code == 1
    (finding,) = out["changes"][0]["findings"]
    assert finding["baseline"] == "new" and finding["failing"]


def test_unknown_rule_in_a_suppression_is_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _suppress(repo, '["no-such-rule"]')
    assert main(["diff", "--base", "HEAD~1"]) == 2
    assert "unknown rule" in capsys.readouterr().err


WEB = str(EXAMPLES / "networks/public-web.net")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty configuration in a working folder of its own."""
    (tmp_path / ".policyreason.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _reach(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["reach", WEB, *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_reach_exposures_fail_unless_suppressed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _reach(capsys, "--exposures")
    assert code == 1
    assert {f["rule_id"] for f in out["findings"]} == {"NET001"}
    assert all(f["failing"] for f in out["findings"])
    (folder / ".policyreason.toml").write_text(
        '[[suppress]]\nrules = ["NET001"]\npaths = ["*/public-web.net"]\nreason = "a web server"\n'
    )
    code, out = _reach(capsys, "--exposures")
    assert code == 0
    assert out["findings"] == [] and out["gate"]["suppressed"] == 2
    # The answer itself is reported whole: the gate only decides what fails.
    assert len(out["exposures"]) == 2


def test_reach_suppression_of_another_rule_or_for_check_does_not(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / ".policyreason.toml").write_text(
        '[[suppress]]\nrules = ["NET002"]\nreason = "paths between our own hosts"\n'
        '[[suppress]]\nreason = "every lint rule"\n'
    )
    assert _reach(capsys, "--exposures")[0] == 1


def test_reach_baseline_passes_what_it_holds_and_fails_what_is_new(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = folder / "reach-baseline.json"
    assert main(["reach", WEB, "--exposures", "--write-baseline", str(baseline)]) == 1
    code, out = _reach(capsys, "--exposures", "--baseline", str(baseline))
    assert code == 0
    assert {f["baseline"] for f in out["findings"]} == {"unchanged"}
    # A path the baseline does not hold fails; a proof of no path passes anyway.
    ssh = ["--from", "internet", "--to", "i-web", "--protocol", "tcp", "--port", "22"]
    code, out = _reach(capsys, *ssh, "--baseline", str(baseline))
    assert code == 1
    (finding,) = out["findings"]
    assert finding["rule_id"] == "NET002" and finding["baseline"] == "new"


def test_reach_markdown(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", WEB, "--exposures", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("### policyreason reach: gate failed")
    assert "| `NET001` |" in out and "public-web.net:18:5" in out
    assert "forward:" in out and "return:" in out


def _template(statement: dict[str, Any], suppress: list[dict[str, Any]]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": "site",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        },
    }
    if suppress:
        resource["Metadata"] = {"policyreason": {"suppress": suppress}}
    return {"Resources": {"SitePolicy": resource}}


def test_diff_template_suppression_covers_its_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".policyreason.toml").write_text("")
    private = dict(BUCKET["Statement"][0], Principal={"AWS": "arn:aws:iam::111122223333:root"})
    write(root, "site.json", _template(private, []))
    commit(root, "private bucket")
    monkeypatch.chdir(root)
    public = BUCKET["Statement"][0]
    # Written for check's rule: the change still fails.
    lint = [{"rules": ["PR601"], "reason": "public website"}]
    write(root, "site.json", _template(public, lint))
    code, out = _diff(capsys, base="HEAD")
    assert code == 1 and out["gate"]["suppressed"] == 0
    # Naming the change's rule: suppressed.
    change = [{"rules": ["public", "cross-account"], "reason": "public website, SEC-42"}]
    write(root, "site.json", _template(public, change))
    code, out = _diff(capsys, base="HEAD")
    assert code == 0 and out["gate"]["suppressed"] >= 1


def test_text_and_markdown_say_what_the_screening_took_out(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _suppress(repo, '["public", "cross-account"]')
    out = repo / "diff.md"
    assert main(["diff", "--base", "HEAD~1", "--also", f"markdown={out}"]) == 0
    assert "1 suppressed" in capsys.readouterr().out
    assert "1 finding(s) suppressed by configuration." in out.read_text()
