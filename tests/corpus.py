"""The AWS managed policies (1,523 real documents nobody here wrote) as the tests take them.

Reading and syntactic checks go over every policy. Tests that ask the solver about each policy
take a deterministic sample by default (every `STEP`-th in name order, plus the policies they
name), so the suite stays within a CI budget; `POLICYREASON_CORPUS=all` runs them over all.
"""

from __future__ import annotations

import os
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared/corpora/aws-managed-policies"
STEP = 8


def every_policy() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


def solver_sample(*always: str) -> list[Path]:
    """The policies a solver-heavy corpus test runs over (see the module docstring)."""
    files = every_policy()
    if os.environ.get("POLICYREASON_CORPUS") == "all":
        return files
    wanted = {f"{name}.json" for name in always}
    return [f for i, f in enumerate(files) if i % STEP == 0 or f.name in wanted]
