"""Shared test setup: every test gets its own result cache, so no test reads an answer another
run stored and none writes to the user's cache folder; the independent referee
(`tests/referee`) is available as the `referee` fixture and replays every witness a test's
solver questions produce."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.referee.plugin import referee, referee_holder, witnesses_replayed

__all__ = ["referee", "referee_holder", "witnesses_replayed"]

# The same examples on every run and machine, so that a red run can be replayed; exploring new
# examples is the campaign's job (`perf/referee_campaign.py`) and HYPOTHESIS_PROFILE=explore's.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYREASON_CACHE_DIR", str(tmp_path / "policyreason-cache"))
