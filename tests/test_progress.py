"""Progress of a large batch: plain lines on a stream that is no terminal (a CI log), without
loading rich; rich's bar where rich is told the stream is a terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW = (
    "import sys\n"
    "from policyreason.commands.check import PROGRESS_MIN_FILES as n, BatchProgress\n"
    "progress = BatchProgress()\n"
    "for done in range(1, n + 1):\n"
    "    progress(done, n)\n"
    "progress.close()\n"
    "print('rich.progress' in sys.modules)\n"
)


def _show(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        capture_output=True,
        text=True,
        check=True,
        env={**base, **env},
    )


def test_progress_without_a_terminal_is_lines_and_loads_no_rich() -> None:
    done = _show()
    assert done.stdout.strip() == "False"
    assert "policyreason: checked 20/20 files (100%)" in done.stderr


@pytest.mark.parametrize("setting", [{"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}])
def test_a_stream_rich_is_told_is_a_terminal_gets_rich_s_bar(setting: dict[str, str]) -> None:
    done = _show(**setting)
    assert done.stdout.strip() == "True"
    assert "policyreason: checked" not in done.stderr
