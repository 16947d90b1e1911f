"""Shared helpers for the benchmark scripts: percentiles and the machine description."""

from __future__ import annotations

import io
import os
import platform
import subprocess
import tarfile
import tempfile
from functools import cache
from pathlib import Path
from typing import Any


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds (nearest-rank)."""
    if not samples:
        return {}
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50_ms": round(rank(0.50), 2),
        "p95_ms": round(rank(0.95), 2),
        "p99_ms": round(rank(0.99), 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "count": len(ordered),
    }


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def export_revision(rev: str, into: Path) -> Path:
    """The package as it was at git revision `rev`, extracted under `into` (for peers measured
    in the same run as the working tree); returns the folder to put on PYTHONPATH."""
    root = Path(__file__).resolve().parents[1]
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", rev],
        capture_output=True,
        check=True,
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


@cache
def installed_env() -> dict[str, str]:
    """The environment for a measured process: byte code compiled once into a private cache
    folder and reused, as an installed package has it (a wheel install compiles it), even where
    PYTHONDONTWRITEBYTECODE is set (then every new process would compile every module it
    imports, about 0.1 s of a one-file check)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="policyreason-pyc-")
    return env
