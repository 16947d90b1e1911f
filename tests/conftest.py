"""Shared test setup: every test gets its own result cache, so no test reads an answer another
run stored and none writes to the user's cache folder; the independent referee
(`tests/referee`) is available as the `referee` fixture and replays every witness a test's
solver questions produce."""

from __future__ import annotations

import json
import os
import resource
from collections.abc import Generator
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


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """With POLICYREASON_TEST_CPU=FILE, each test's CPU seconds (its process and the processes
    it waited for) are appended to FILE as JSON lines: wall time on a shared machine says more
    about the machine than about the test (`perf/test_suite.py` ranks tests by this)."""
    out = os.environ.get("POLICYREASON_TEST_CPU")
    if not out:
        return (yield)
    before = _cpu_seconds()
    try:
        return (yield)
    finally:
        line = {"test": item.nodeid, "cpu_s": round(_cpu_seconds() - before, 3)}
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
