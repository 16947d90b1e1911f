"""Configuration: discovery, validation, precedence, suppressions with mandatory reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.cli import main
from policyreason.config import Config, Suppression, find_config, load_config, parse_severity
from policyreason.errors import ConfigError
from policyreason.ir.severity import Severity

ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _json_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_defaults_without_a_file() -> None:
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.fail_on is Severity.SECURITY_WARNING
    assert cfg.unknown == "fail"


def test_pyproject_table_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.policyreason]\nfail-on = "warning"\n'
        'zone-of-trust = ["123456789012", "o-abcdef1234"]\n'
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    found = find_config(nested)
    assert found == (tmp_path / "pyproject.toml").resolve()
    cfg = load_config(found)
    assert cfg.fail_on is Severity.WARNING
    assert cfg.zone_of_trust == ("123456789012", "o-abcdef1234")


def test_own_file_wins_and_pyproject_without_table_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(tmp_path) is None
    (tmp_path / ".policyreason.toml").write_text('unknown = "pass"\n')
    found = find_config(tmp_path)
    assert found is not None and found.name == ".policyreason.toml"
    assert load_config(found).unknown == "pass"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail-on = "LOUD"', "unknown severity"),
        ('unknown = "maybe"', "'fail' or 'pass'"),
        ('zone-of-trust = ["12"]', "zone of trust"),
        ('disabel = ["PR101"]', "unknown setting 'disabel'"),
        ("enable = 5", "list of strings"),
        ("max-file-size-mb = -1", "positive"),
        ("parameters = { 'AWS::AccountId' = 1 }", "table of strings"),
        ('[[suppress]]\npaths = ["x/*"]\nrules = ["PR101"]\n', "has no reason"),
        ('[[suppress]]\npaths = ["x/*"]\nreason = "  "\n', "has no reason"),
        ('[[suppress]]\nreason = "r"\nwhy = "x"\n', "unknown key 'why'"),
        ("fail-on = ", "invalid TOML"),
    ],
)
def test_invalid_settings_are_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".policyreason.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}: error: ")


def test_severity_names() -> None:
    assert parse_severity("security-warning") is Severity.SECURITY_WARNING
    assert parse_severity("Suggestion") is Severity.SUGGESTION


def test_suppression_matching() -> None:
    rule = Suppression(paths=("legacy/*",), rules=("PR207",), reason="migrating in Q3")
    assert rule.matches("legacy/old/admin.json", "PR207")
    assert not rule.matches("legacy/admin.json", "PR501")
    assert not rule.matches("current/admin.json", "PR207")
    every_rule = Suppression(paths=("*.json",), rules=(), reason="sandbox")
    assert every_rule.matches("a.json", "PR501")


def test_precedence_flag_over_file_over_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "admin.json").write_text(json.dumps(ADMIN))
    (tmp_path / ".policyreason.toml").write_text("")
    assert _json_check(capsys, "admin.json")[0] == 1  # default SECURITY_WARNING
    (tmp_path / ".policyreason.toml").write_text('fail-on = "ERROR"\n')
    code, report = _json_check(capsys, "admin.json")
    assert code == 0 and report["summary"]["fail_on"] == "ERROR"
    code, report = _json_check(capsys, "admin.json", "--fail-on", "warning")
    assert code == 1 and report["summary"]["fail_on"] == "WARNING"


def test_explicit_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policyreason.toml").write_text("")
    (tmp_path / "admin.json").write_text(json.dumps(ADMIN))
    (tmp_path / "ci.toml").write_text('fail-on = "ERROR"\n')
    assert _json_check(capsys, "--config", "ci.toml", "admin.json")[0] == 0
    assert main(["check", "--config", "missing.toml", "admin.json"]) == 2
    assert "missing.toml: error: cannot read" in capsys.readouterr().err


def test_suppressions_apply_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "admin.json").write_text(json.dumps(ADMIN))
    (tmp_path / ".policyreason.toml").write_text(
        '[[suppress]]\npaths = ["legacy/*"]\nreason = "legacy account, being retired"\n'
    )
    # Run from a subfolder: paths in the file are relative to the file, not the cwd.
    monkeypatch.chdir(tmp_path / "legacy")
    code, report = _json_check(capsys, ".")
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["suppressed"] >= 1


def test_suppression_without_reason_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "admin.json").write_text(json.dumps(ADMIN))
    (tmp_path / ".policyreason.toml").write_text('[[suppress]]\npaths = ["*"]\n')
    assert main(["check", "admin.json"]) == 2
    assert "has no reason" in capsys.readouterr().err


def test_configured_cloudformation_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "key.yaml").write_text(
        """Parameters:
  Who:
    Type: String
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Ref Who}
            Action: kms:Describe*
            Resource: "*"
"""
    )
    (tmp_path / ".policyreason.toml").write_text("")
    code, report = _json_check(capsys, "key.yaml")
    # Unset, the parameter is one principal the deployment names: not anyone.
    assert code == 0, report["findings"]
    (tmp_path / ".policyreason.toml").write_text('[parameters]\nWho = "*"\n')
    code, report = _json_check(capsys, "key.yaml")
    assert code == 1
    assert [f["rule_id"] for f in report["findings"]] == ["PR601"]
