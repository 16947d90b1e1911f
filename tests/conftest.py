"""Shared test setup: every test gets its own result cache, so no test reads an answer another
run stored and none writes to the user's cache folder; the independent referee
(`tests/referee`) is available as the `referee` fixture and replays every witness a test's
solver questions produce."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.referee.plugin import referee, referee_holder, witnesses_replayed

__all__ = ["referee", "referee_holder", "witnesses_replayed"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYREASON_CACHE_DIR", str(tmp_path / "policyreason-cache"))
