from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parents[2].parent / "shared/corpora/batfish-aws-snapshots"


@pytest.fixture
def snapshots() -> Path:
    if not SNAPSHOTS.is_dir():
        pytest.fail(f"corpus missing: {SNAPSHOTS}")
    return SNAPSHOTS
