"""`not-granted`: proofs and witnesses, through the library and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policyreason.analysis.access import not_granted
from policyreason.analysis.evaluate import allows
from policyreason.cli import main
from policyreason.ir.answer import Status
from policyreason.parse.policy import parse_policy_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples/policies/s3-read-widened.json"


def test_writes_are_proven_not_granted_and_reads_are_witnessed() -> None:
    policy = parse_policy_text(EXAMPLE.read_text(), str(EXAMPLE)).policy
    assert policy is not None
    answers = not_granted(policy, ["s3:PutObject", "s3:Get*"], ["arn:aws:s3:::team-data/*"])
    put, get = answers
    assert put.search.status is Status.PROVEN
    assert get.search.status is Status.WITNESSED
    witness = get.search.witnesses[0]
    assert allows(policy, witness)
    assert witness.action.lower().startswith("s3:get")
    assert witness.resource.startswith("arn:aws:s3:::team-data/")
    # The Deny on secrets/ holds: nothing there is readable.
    secret = not_granted(policy, ["s3:GetObject"], ["arn:aws:s3:::team-data/secrets/*"])
    assert secret[0].search.status is Status.PROVEN


def test_cli_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["not-granted", str(EXAMPLE), "--action", "s3:PutObject"]) == 0
    capsys.readouterr()
    code = main(["not-granted", str(EXAMPLE), "--action", "s3:GetObject", "--format", "json"])
    assert code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["actions"][0]["status"] == "granted"
    assert out["actions"][0]["witness"]["action"] == "s3:GetObject"
