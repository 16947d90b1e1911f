"""Small edits of the corpus snapshots, the ground the network tests build on."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.cidr import Cidr
from policyreason.ir.diagnostic import Level
from policyreason.ir.network import Network, OnPremNetwork

SNAPSHOTS = Path(__file__).parents[2].parent / "shared/corpora/batfish-aws-snapshots"


Edit = Callable[[dict[str, Any]], None]


def edited(tmp_path: Path, name: str, **edits: Edit | None) -> Path:
    """A copy of the corpus snapshot `name` with `edits` applied: file stem -> a function that
    changes that file's JSON in place (a new file when the stem is not there), or None to
    remove the file."""
    source = SNAPSHOTS / name / "aws_configs"
    if not source.is_dir():
        pytest.fail(f"corpus missing: {source}")
    target = tmp_path / name
    shutil.copytree(source, target)
    for stem, edit in edits.items():
        path = next(target.rglob(f"{stem}.json"), target / f"{stem}.json")
        if edit is None:
            path.unlink()
            continue
        data = json.loads(path.read_text()) if path.exists() else {}
        edit(data)
        path.write_text(json.dumps(data, indent=1))
    return target


def load(path: Path, onprem: dict[str, str] | None = None) -> Network:
    """A snapshot read without errors, with declared on-premises networks (CIDR -> name)."""
    network, diagnostics = read_snapshot(path)
    assert [d for d in diagnostics if d.level is Level.ERROR] == []
    declared = tuple(OnPremNetwork(cidr=Cidr.parse(c), name=n) for c, n in (onprem or {}).items())
    return network.model_copy(update={"onprem": declared})
