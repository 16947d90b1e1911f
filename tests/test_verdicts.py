"""Verdicts do not flip unexplained between releases.

A sample of the AWS managed policies is compared with deterministic mutants of itself
(`tests/mutants.py`); the verdicts are stored in `tests/verdicts/policies.json`. A change that
flips any of them fails here until the snapshot is updated together with a reason, which must
appear in CHANGELOG.md under "Verdict changes":

    python -m tests.test_verdicts --update --reason "one line: why these verdicts changed"

`--reason` may name the flips it explains ("more_permissive->equivalent: ..."), once per kind of
flip; a plain reason explains every flip.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policyreason.analysis.compare import compare
from policyreason.parse.policy import parse_policy_text
from tests.corpus import CORPUS
from tests.mutants import mutants

ROOT = Path(__file__).parents[1]
SNAPSHOT = Path(__file__).parent / "verdicts" / "policies.json"
CHANGELOG = ROOT / "CHANGELOG.md"
STEP = 100  # every 100th policy in name order: 16 policies, about 75 comparisons


def sample() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))[::STEP]


def verdicts(files: list[Path]) -> Iterator[tuple[str, str]]:
    """(policy/mutation, verdict) for every mutant of every file."""
    for file in files:
        doc = json.loads(file.read_text())
        original = parse_policy_text(file.read_text(), file.name).policy
        assert original is not None, file
        for mutation, _expected, mutated in mutants(doc):
            changed = parse_policy_text(json.dumps(mutated), file.name).policy
            assert changed is not None, (file, mutation)
            yield f"{file.stem}/{mutation}", compare(original, changed, witnesses=1).verdict.value


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return data


# One test per policy, so that two workers share the comparisons evenly; together they take
# about 150 CPU-seconds.
@pytest.mark.slow
@pytest.mark.parametrize("policy", sample(), ids=lambda p: p.stem)
def test_verdicts_match_the_snapshot(policy: Path) -> None:
    stored: dict[str, str] = load()["verdicts"]
    now = dict(verdicts([policy]))
    assert now, policy.name
    flips = {k: (stored.get(k), v) for k, v in now.items() if stored.get(k) != v}
    assert not flips, (
        f"{len(flips)} verdict(s) changed, e.g. {sorted(flips.items())[:5]}: if on purpose, run "
        "`python -m tests.test_verdicts --update --reason ...` and say why in CHANGELOG.md"
    )


def test_every_recorded_change_is_explained_in_the_changelog() -> None:
    changelog = CHANGELOG.read_text()
    section = changelog.partition("### Verdict changes")[2]
    assert section, "CHANGELOG.md has no 'Verdict changes' section"
    for change in load()["changes"]:
        assert change["reason"] in section, change["reason"]


def update(reasons: list[str]) -> None:
    """Recompute the snapshot and record what flipped, each kind of flip with its reason."""
    by_kind = dict(r.split(": ", 1) for r in reasons if "->" in r.split(": ", 1)[0])
    plain = [r for r in reasons if "->" not in r.split(": ", 1)[0]]
    old = load() if SNAPSHOT.exists() else {"verdicts": {}, "changes": []}
    now = dict(verdicts(sample()))
    flips: dict[tuple[str | None, str], list[str]] = {}
    for key, verdict in sorted(now.items()):
        before = old["verdicts"].get(key)
        if before != verdict:
            flips.setdefault((before, verdict), []).append(key)
    changes = list(old["changes"])
    missing: list[str] = []
    for (before, after), keys in sorted(flips.items(), key=lambda kv: str(kv[0])):
        reason = by_kind.get(f"{before}->{after}") or (plain[0] if plain else "")
        if not reason:
            missing.append(f"{before}->{after} ({len(keys)}, e.g. {keys[0]})")
        changes.append({"from": before, "to": after, "count": len(keys), "reason": reason})
    if missing:
        raise SystemExit("no reason given for: " + "; ".join(missing))
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(
        json.dumps({"verdicts": now, "changes": changes}, indent=1, sort_keys=True) + "\n"
    )
    for change in changes:
        if change["reason"] not in CHANGELOG.read_text():
            print(f"add to CHANGELOG.md under 'Verdict changes': - {change['reason']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="update the verdict snapshot")
    parser.add_argument("--update", action="store_true", required=True)
    parser.add_argument(
        "--reason", action="append", default=[], help="why the verdicts changed, one line"
    )
    update(parser.parse_args().reason)
