"""The `reach` verb end to end: exit codes, JSON and SARIF shapes, located input errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyreason.cli import main

ROOT = Path(__file__).parents[2]
SNAPSHOTS = ROOT.parent / "shared/corpora/batfish-aws-snapshots"
WEB = str(ROOT / "examples/networks/public-web.net")
NAT = str(ROOT / "examples/networks/private-nat.net")


def test_help_does_not_load_the_solver() -> None:
    code = (
        "import sys\n"
        "from policyreason.cli import main\n"
        "try:\n    main(['reach', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'cvc5' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--exposures" in done.stdout and "examples:" in done.stdout


def test_exposures_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", WEB, "--exposures", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    found = {(e["target"], tuple(map(tuple, e["ports"]))) for e in doc["exposures"]}
    assert found == {("i-web", ((22, 22),)), ("i-web", ((443, 443),))}
    path = doc["exposures"][0]["path"]
    assert path["hops"][0]["component"] == "internet"
    assert path["hops"][-1]["component"] == "eni-i-web"
    assert path["return_hops"][-1]["component"] == "internet"
    assert set(path["packet"]) == {"src", "dst", "protocol", "src_port", "dst_port"}


def test_exposures_sarif_points_at_the_opening_rule(tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    assert main(["reach", WEB, "--exposures", "--format", "sarif", "--output", str(out)]) == 1
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    text = Path(WEB).read_text().splitlines()
    assert {text[n - 1].strip().split("#")[0].strip() for n in lines} == {
        "in tcp 443 from 0.0.0.0/0",
        "in tcp 22 from 0.0.0.0/0",
    }


def test_reach_json_reachable_and_blocked(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["reach", NAT, "--from", "i-app", "--to", "8.8.8.8", "--protocol", "tcp"]
    assert main([*args, "--port", "443", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["reachable"] is True and doc["blocked"] is None
    kinds = [h["kind"] for h in doc["paths"][0]["hops"]]
    assert "nat-gateway" in kinds and "internet-gateway" in kinds
    assert main(["reach", NAT, "--from", "internet", "--to", "i-app", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["reachable"] is False and doc["paths"] == []
    assert doc["blocked"]["code"] == "NO_ROUTE_TO_DESTINATION"


def test_reach_text_on_a_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = str(SNAPSHOTS / "test-public-subnet")
    args = ["reach", snapshot, "--from", "internet", "--to", "i-06669a407b2ef3ae5"]
    assert main([*args, "--protocol", "tcp", "--port", "80"]) == 0
    out = capsys.readouterr().out
    assert "not reachable" in out and "ENI_SG_RULES_MISMATCH" in out


def test_bad_inputs_are_located_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.net"
    bad.write_text("vpc v 10.0.0.0/16 {\n  nonsense here\n}\n")
    assert main(["reach", str(bad), "--exposures"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "error:" in err and "Traceback" not in err
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "Vpcs.json").write_text('{"Vpcs": [')
    assert main(["reach", str(folder), "--exposures"]) == 2
    assert "Vpcs.json:1:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--exposures", "--protocol", "nope"],
        ["--from", "internet"],
        ["--from", "internet", "--to", "i-nowhere"],
        ["--from", "internet", "--to", "i-web", "--protocol", "icmp", "--port", "3"],
    ],
)
def test_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", WEB, *args]) == 2
    assert "error" in capsys.readouterr().err


def test_reach_sarif_points_at_the_blocking_rule(tmp_path: Path) -> None:
    snapshot = str(SNAPSHOTS / "test-public-subnet")
    out = tmp_path / "r.sarif"
    args = ["reach", snapshot, "--from", "internet", "--to", "i-06669a407b2ef3ae5"]
    assert (
        main(
            [*args, "--port", "80", "--protocol", "tcp", "--format", "sarif", "--output", str(out)]
        )
        == 0
    )
    (result,) = json.loads(out.read_text())["runs"][0]["results"]
    assert result["ruleId"] == "NET003"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("NetworkAcls.json") or location[
        "artifactLocation"
    ]["uri"].endswith("SecurityGroups.json")


def test_unknown_fails_closed(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["reach", WEB, "--from", "internet", "--to", "i-web", "--rlimit", "1"]
    assert main([*args, "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["reachable"] is None


DX = str(SNAPSHOTS / "test-direct-connect-gateway")


def test_onprem_declarations_from_the_flag_and_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["reach", DX, "--from", "i-dx01", "--to", "10.10.0.1", "--format", "json"]
    assert main(args) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "unknown" and doc["reachable"] is None
    assert [u["component"] for u in doc["unknown_components"]] == ["tgw-rtb-dx01"]
    assert doc["candidate"]["disposition"] == "unknown"
    assert main([*args, "--onprem", "10.10.0.0/16=dc"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "witnessed" and doc["paths"][0]["hops"][-1]["kind"] == "on-premises"
    assert any("declared prefixes" in a for a in doc["assumptions"])
    (tmp_path / ".policyreason.toml").write_text('onprem = { "10.10.0.0/16" = "dc" }\n')
    assert main([*args[:3], "dc", "--to", "i-dx01", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["paths"][0]["source"] == "onprem:dc"
    # Not reachable past the declared prefixes: a proof, exit 0.
    assert main([*args[:5], "10.20.0.1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "proven"


@pytest.mark.parametrize("declared", ["10.10.0.0/16", "nonsense=dc", "10.10.0.0/16="])
def test_bad_onprem_declarations_are_usage_errors(
    declared: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["reach", DX, "--from", "i-dx01", "--to", "10.10.0.1", "--onprem", declared]
    assert main(args) == 2
    assert "error" in capsys.readouterr().err


def test_exposures_json_says_its_status_and_assumptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", WEB, "--exposures", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "witnessed" and doc["possible"] == [] and doc["assumptions"] == []
    assert main(["reach", NAT, "--exposures", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "proven" and doc["exposures"] == []


HUB = str(ROOT / "examples/networks/hub-inspection.net")


def test_the_inspection_example_answers_unknown_with_what_it_depends_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["reach", HUB, "--exposures", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "unknown" and doc["exposures"] == []
    (https,) = doc["possible"]
    assert (https["protocol"], https["ports"]) == ("tcp", [[443, 443]])
    assert [u["component"] for u in https["unless"]] == ["vpce-inspect"]
    assert main(["reach", HUB, "--from", "i-web", "--to", "10.20.0.5", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [u["component"] for u in doc["unknown_components"]] == ["vgw-dc"]
    args = ["reach", HUB, "--onprem", "10.20.0.0/16=dc", "--from", "dc", "--to", "i-web"]
    assert main([*args, "--protocol", "tcp", "--port", "22", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "witnessed" and doc["paths"][0]["source"] == "onprem:dc"
