"""Locate files shipped with the package (grammars, data), installed or in a source checkout."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def grammar_text(name: str) -> str:
    """The text of `grammars/<name>`; inside a wheel the folder is mapped into the package."""
    packaged = resources.files("policyreason") / "grammars" / name
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # A source checkout keeps grammars/ at the top level, beside the package.
    return (Path(__file__).resolve().parent.parent / "grammars" / name).read_text(encoding="utf-8")
