"""The one way to make a rich console.

Reports print user text (file locations, ARNs, rule text); rich would read `:100:` in
`policy.json:100:5` as an emoji code and print `policy.json💯5`, so emoji codes are off.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console


def make_console(**options: Any) -> Console:
    """A rich console that prints text as written (no emoji codes); `options` go to rich."""
    return Console(emoji=False, **options)
