"""Shared test setup: every test gets its own result cache, so no test reads an answer another
run stored and none writes to the user's cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYREASON_CACHE_DIR", str(tmp_path / "policyreason-cache"))
