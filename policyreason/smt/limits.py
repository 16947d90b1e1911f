"""The solver's default limits, apart from the session so that analyses can name them in their
signatures without loading cvc5 (a policy decided without a query never loads it)."""

from __future__ import annotations

DEFAULT_RLIMIT = 2_000_000
# The outer guard only: far above what DEFAULT_RLIMIT costs on a loaded machine, so answers
# are decided by the resource limit, never by the clock.
DEFAULT_TLIMIT_MS = 300_000
