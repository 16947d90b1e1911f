"""A network snapshot is read once per run: `check` builds the network of a describe-* export
from the tree it already parsed, `reach` reads each file of a snapshot folder once whichever
question it answers, and a describe-* export at a git revision is read as it is there."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policyreason import api
from policyreason.cli import main
from policyreason.inputs.git import load_at, open_repository
from policyreason.ir.diagnostic import Level
from policyreason.pipeline.reach import read_network
from tests.test_diff import commit, git

EXPORT = Path(__file__).resolve().parents[1] / "data" / "inputs" / "network-snapshot.json"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often each file is opened for reading (`read_text` and `read_bytes` open through
    `Path.open`)."""
    counts: Counter[str] = Counter()
    real = Path.open

    def counting(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "r" in mode:
            counts[self.name] += 1
        return real(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting)
    yield counts


def _split_snapshot(folder: Path) -> list[str]:
    """The example export as a folder of one file per resource kind."""
    folder.mkdir()
    export = json.loads(EXPORT.read_text(encoding="utf-8"))
    for kind, items in export.items():
        (folder / f"{kind}.json").write_text(json.dumps({kind: items}, indent=2))
    return sorted(f"{kind}.json" for kind in export)


def test_check_reads_each_file_of_an_export_once(
    tmp_path: Path, reads: Counter[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = _split_snapshot(tmp_path / "snapshot")
    code = main(["check", "--no-cache", "--jobs", "1", "--format", "json", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {f["input_type"] for f in report["files"]} == {"aws-describe"}
    assert {name: reads[name] for name in files} == dict.fromkeys(files, 1)


def test_reach_reads_each_file_of_a_snapshot_once(
    tmp_path: Path, reads: Counter[str], capsys: pytest.CaptureFixture[str]
) -> None:
    files = _split_snapshot(tmp_path / "snapshot")
    assert main(["reach", str(tmp_path / "snapshot"), "--exposures", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["exposures"] == []
    assert {name: reads[name] for name in files} == dict.fromkeys(files, 1)


def test_questions_over_one_snapshot_share_one_read(tmp_path: Path, reads: Counter[str]) -> None:
    files = _split_snapshot(tmp_path / "snapshot")
    network, diagnostics = read_network(str(tmp_path / "snapshot"))
    assert network is not None and not diagnostics
    assert api.exposures(network).exposures == ()
    result = api.reach(network, "internet", "subnet-0a1", 6, 443)
    assert result.answer.status.value == "proven"
    assert {name: reads[name] for name in files} == dict.fromkeys(files, 1)


def test_an_export_at_a_revision_is_read_as_it_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    export = json.loads(EXPORT.read_text(encoding="utf-8"))
    (root / "vpcs.json").write_text(json.dumps({**export, "Subnets": "subnet-0a1"}, indent=2))
    commit(root, "a broken export")
    (root / "vpcs.json").write_text(json.dumps(export, indent=2))
    monkeypatch.chdir(root)
    repo = open_repository()
    errors = [
        d.message for d in load_at(repo, "HEAD", "vpcs.json").diagnostics if d.level is Level.ERROR
    ]
    assert errors == ["Subnets must be a list"]
    assert not load_at(repo, ":worktree:", "vpcs.json").diagnostics


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_reach_reads_an_export_as_windows_shells_write_it(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "vpcs.json"
    path.write_bytes(EXPORT.read_text(encoding="utf-8").encode(encoding))
    network, diagnostics = read_network(str(path))
    assert network is not None and not diagnostics
    assert [v.id for v in network.vpcs] == ["vpc-0a1"]


def test_an_export_that_is_not_text_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "vpcs.json"
    path.write_bytes(b'{"Vpcs": [\n  "\xff"]}')
    _network, diagnostics = read_network(str(path))
    (error,) = diagnostics
    assert error.code == "NET-READ" and error.level is Level.ERROR
    assert (error.span.line, error.span.column) == (2, 4)
    assert error.message == "cannot read file: not UTF-8 text (a binary file?)"
