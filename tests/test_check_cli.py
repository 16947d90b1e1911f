"""`policyreason check`, `baseline` and `explain` end to end: exit codes, formats, the gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.analysis.findings import Finding, Status
from policyreason.cli import main
from policyreason.ir.policy import Policy
from policyreason.ir.severity import Severity

CLEAN = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadReports",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-reports/*",
        }
    ],
}
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
PUBLIC_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-site/*",
        }
    ],
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No configuration file of the surrounding checkout may leak into these runs.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policyreason.toml").write_text("")


def _write(name: str, value: object) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_clean_policy_passes(capsys: pytest.CaptureFixture[str]) -> None:
    _write("clean.json", CLEAN)
    code, report = _json(capsys, "clean.json")
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["exit_code"] == 0


def test_findings_at_threshold_fail(capsys: pytest.CaptureFixture[str]) -> None:
    _write("admin.json", ADMIN)
    code, report = _json(capsys, "admin.json")
    assert code == 1
    assert {f["severity"] for f in report["findings"]} >= {"SECURITY_WARNING"}
    # Raising the threshold above the findings passes the gate.
    code, _ = _json(capsys, "admin.json", "--fail-on", "ERROR")
    assert code == 0


def test_default_path_is_the_working_directory(capsys: pytest.CaptureFixture[str]) -> None:
    _write("policies/admin.json", ADMIN)
    code = main(["check"])
    out = capsys.readouterr().out
    assert code == 1
    assert "policies/admin.json" in out
    assert "gate failed" in out


def test_bad_input_exits_2_and_other_files_are_still_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _write("admin.json", ADMIN)
    Path("truncated.json").write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n')
    Path("types.json").write_text('{\n  "Version": "2012-10-17",\n  "Statement": 5\n}\n')
    Path("junk.json").write_bytes(b"\x00\x01\x02\xff" * 100)
    code = main(["check", "--format", "json", "."])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 2
    assert {f["location"]["file"] for f in report["findings"]} == {"admin.json"}
    assert {e["location"]["file"] for e in report["errors"]} == {
        "truncated.json",
        "types.json",
        "junk.json",
    }
    lines = captured.err.splitlines()
    assert any(line.startswith("types.json:3:16: error: ") for line in lines)
    assert any(line.startswith("truncated.json:3:") for line in lines)
    assert "Traceback" not in captured.err


def test_text_report_shows_input_errors_compiler_style(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("types.json").write_text('{\n  "Statement": 5\n}\n')
    code = main(["check", "types.json"])
    out = capsys.readouterr().out
    assert code == 2
    (line,) = [x for x in out.splitlines() if x.startswith("types.json:2:16: error: ")]
    # The diagnostic code is shown as written, not eaten as console markup.
    assert line.rstrip().endswith("]")


def test_missing_path_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "does-not-exist.json"])
    assert code == 2
    assert "no such file or folder" in capsys.readouterr().out


def _unknown_checks(monkeypatch: pytest.MonkeyPatch, severity: Severity) -> None:
    def fake(policy: Policy, *args: Any, **kwargs: Any) -> list[Finding]:
        return [
            Finding(
                rule_id="PR999",
                severity=severity,
                title="undecided",
                message="the solver gave up",
                span=policy.span,
                status=Status.UNKNOWN,
            )
        ]

    monkeypatch.setattr("policyreason.checks.run_checks", fake)


def test_unknown_results_fail_closed_unless_configured(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _unknown_checks(monkeypatch, Severity.SECURITY_WARNING)
    _write("clean.json", CLEAN)
    assert _json(capsys, "clean.json")[0] == 1
    assert _json(capsys, "clean.json", "--unknown=pass")[0] == 0
    Path(".policyreason.toml").write_text('unknown = "pass"\n')
    assert _json(capsys, "clean.json")[0] == 0
    # The flag beats the file.
    assert _json(capsys, "clean.json", "--unknown=fail")[0] == 1


def test_unknown_below_threshold_does_not_fail(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _unknown_checks(monkeypatch, Severity.SUGGESTION)
    _write("clean.json", CLEAN)
    assert _json(capsys, "clean.json")[0] == 0


def test_internal_error_in_a_check_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(policy: Policy, *args: Any, **kwargs: Any) -> list[Finding]:
        raise RuntimeError("boom")

    monkeypatch.setattr("policyreason.checks.run_checks", broken)
    _write("clean.json", CLEAN)
    code, report = _json(capsys, "clean.json")
    assert code == 2
    assert report["errors"][0]["code"] == "internal-error"


def test_enable_and_disable(capsys: pytest.CaptureFixture[str]) -> None:
    _write("admin.json", ADMIN)
    _, report = _json(capsys, "admin.json")
    rules = {f["rule_id"] for f in report["findings"]}
    assert rules
    code, report = _json(capsys, "admin.json", *[f"--disable={r}" for r in sorted(rules)])
    assert code == 0 and report["findings"] == []
    first = sorted(rules)[0]
    _, report = _json(capsys, "admin.json", f"--enable={first}")
    assert {f["rule_id"] for f in report["findings"]} == {first}


def test_unknown_check_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    _write("clean.json", CLEAN)
    assert main(["check", "--disable", "PR0000", "clean.json"]) == 2
    assert "unknown check id" in capsys.readouterr().err


def test_bad_flag_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--fail-on", "LOUD"])
    assert exit_info.value.code == 2
    assert main(["check", "--zone-of-trust", "12345"]) == 2
    assert "zone of trust" in capsys.readouterr().err


def test_output_file_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    _write("bucket.json", PUBLIC_BUCKET)
    for fmt in ("text", "json", "sarif", "markdown"):
        assert main(["check", "--format", fmt, "--output", f"out.{fmt}", "bucket.json"]) == 1
        assert Path(f"out.{fmt}").read_text().strip()
    assert capsys.readouterr().out == ""
    sarif = json.loads(Path("out.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert "PublicRead" in Path("out.markdown").read_text()


def test_baseline_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    _write("admin.json", ADMIN)
    assert main(["baseline", ".", "--output", "base.json"]) == 0
    capsys.readouterr()
    assert main(["check", "--baseline", "base.json", "."]) == 0
    capsys.readouterr()
    # Moving the statement down (a new statement above it) keeps its fingerprint...
    moved = {
        "Version": "2012-10-17",
        "Statement": [CLEAN["Statement"][0], ADMIN["Statement"][0]],  # type: ignore[index]
    }
    _write("admin.json", moved)
    code, report = _json(capsys, "--baseline", "base.json", ".")
    assert code == 0
    # The added statement is new, and proven redundant next to `*` (a suggestion).
    old = [f for f in report["findings"] if f["rule_id"] != "PR605"]
    assert old and {f["baseline"] for f in old} == {"unchanged"}
    # ...while a new problem in another file is new and fails the gate.
    _write("bucket.json", PUBLIC_BUCKET)
    code, report = _json(capsys, "--baseline", "base.json", ".")
    assert code == 1
    new = [f for f in report["findings"] if f["baseline"] == "new" and f["rule_id"] != "PR605"]
    assert {f["location"]["file"] for f in new} == {"bucket.json"}
    assert report["summary"]["unchanged"] >= 1


def test_baseline_from_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    _write("admin.json", ADMIN)
    assert main(["baseline", "--output", ".policyreason-baseline.json"]) == 0
    Path(".policyreason.toml").write_text('baseline = ".policyreason-baseline.json"\n')
    capsys.readouterr()
    assert main(["check"]) == 0


def test_bad_baseline_file(capsys: pytest.CaptureFixture[str]) -> None:
    _write("clean.json", CLEAN)
    Path("base.json").write_text("[1, 2]")
    assert main(["check", "--baseline", "base.json", "clean.json"]) == 2
    assert "not a policyreason baseline" in capsys.readouterr().err


def test_baseline_refuses_when_inputs_are_broken(capsys: pytest.CaptureFixture[str]) -> None:
    Path("broken.json").write_text("{")
    assert main(["baseline", "--output", "base.json"]) == 2
    assert not Path("base.json").exists()
    assert "broken.json:1:1: error:" in capsys.readouterr().err


def test_explain_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    _write("bucket.json", PUBLIC_BUCKET)
    assert main(["explain", "bucket.json:7"]) == 0
    out = capsys.readouterr().out
    assert "bucket.json:7:" in out
    assert "PublicRead" in out
    assert "fix:" in out
    assert main(["explain", "bucket.json:2"]) == 0
    assert "no findings at bucket.json:2" in capsys.readouterr().out
    assert main(["explain", "bucket.json"]) == 0
    assert "PublicRead" in capsys.readouterr().out


def test_network_snapshots_are_pointed_to_reach(capsys: pytest.CaptureFixture[str]) -> None:
    _write("snapshot/vpcs.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})
    code, report = _json(capsys, "snapshot")
    assert code == 0
    (entry,) = report["files"]
    assert entry["input_type"] == "aws-describe"
    assert any("policyreason reach" in note for note in entry["notes"])
