"""What one `check` run needs besides the paths: the configuration, how to read files, the
baseline, where the configuration lives and today's date (suppressions expire)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from policyreason.config import Config
from policyreason.inputs import LoadOptions


@dataclass(frozen=True)
class RunOptions:
    """Everything one run needs besides the paths."""

    config: Config = field(default_factory=Config)
    load: LoadOptions = field(default_factory=LoadOptions)
    baseline: Counter[str] | None = None
    config_dir: Path | None = None
    today: datetime.date = field(default_factory=datetime.date.today)
