"""Regenerate docs/rules/ from the rules' docstrings (one page per rule and an index).

Usage: python scripts/gen_rule_docs.py

Pages of rules that no longer exist are removed. tests/test_rule_docs.py fails when the
committed pages differ from what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from policyreason.checks.rule_docs import pages

OUT = Path(__file__).resolve().parents[1] / "docs" / "rules"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for stale in OUT.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (OUT / name).write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(wanted)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
