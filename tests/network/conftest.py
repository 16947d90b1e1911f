from pathlib import Path

import pytest

from tests.network.edits import SNAPSHOTS


@pytest.fixture
def snapshots() -> Path:
    if not SNAPSHOTS.is_dir():
        pytest.fail(f"corpus missing: {SNAPSHOTS}")
    return SNAPSHOTS
