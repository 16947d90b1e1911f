"""Reading policy files for the verbs that take policies by path (not a verb itself)."""

from __future__ import annotations

import sys
from pathlib import Path

from policyreason.ir.policy import Policy, PolicyKind

KIND_CHOICES = [k.value for k in PolicyKind]


class InputError(Exception):
    """The input could not be used; the message is already printed."""


def read_policy(path: str, kind: str | None = None) -> Policy:
    """Parse one policy file, printing located diagnostics; raises InputError if unusable."""
    from policyreason.parse.policy import parse_policy_text

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: error: cannot read the file: {exc}", file=sys.stderr)
        raise InputError(path) from None
    parsed = parse_policy_text(text, path, PolicyKind(kind) if kind else None, name=Path(path).stem)
    for diag in parsed.diagnostics:
        print(str(diag), file=sys.stderr)
    if parsed.policy is None:
        raise InputError(path)
    return parsed.policy
