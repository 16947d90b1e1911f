"""What a joint question asks about each of its requests, apart from the encoder: analyses
plan questions (and drop those no statement can allow) without loading cvc5."""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import PolicySet


@dataclass(frozen=True)
class Part:
    """One request of a joint question: the policies that can apply to it, the action and
    resource patterns the question asks about (registered with its request space), and the
    actions the request may have (None: any; a known action keeps its request space small)."""

    policies: PolicySet
    actions: tuple[tuple[Pattern, ...], ...] = ()
    resources: tuple[Pattern, ...] = ()
    only: tuple[str, ...] | None = None
