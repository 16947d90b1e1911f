"""The answer contract: its invariants, and that only the solver session issues proofs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyreason.ir.answer import Answer, Proof, Status

PACKAGE = Path(__file__).parents[1] / "policyreason"


def test_invariants_hold() -> None:
    with pytest.raises(ValueError):
        Answer(Status.WITNESSED)
    with pytest.raises(ValueError):
        Answer(Status.PROVEN)
    with pytest.raises(ValueError):
        Answer(Status.UNKNOWN)
    with pytest.raises(ValueError):
        Answer(Status.PROVEN, witnesses=("w",), proof=Proof())
    assert Answer.witnessed(["w"]).witness == "w"
    assert Answer.proven(Proof(3)).queries == 3


def test_a_weakened_proof_is_unknown_and_witnesses_stand() -> None:
    proven: Answer[str] = Answer.proven(Proof())
    weak = proven.weakened("the template value X was not resolved")
    assert weak.status is Status.UNKNOWN and "X" in weak.reason
    seen = Answer.witnessed(["w"])
    assert seen.weakened("anything") == seen


def test_only_the_solver_session_creates_proofs() -> None:
    makers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bProof\(", path.read_text())
    }
    assert makers <= {"ir/answer.py", "smt/session.py"}
