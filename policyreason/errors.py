"""One exception per stage. Nothing here is shown to users as a traceback; the CLI maps them."""

from __future__ import annotations


class PolicyreasonError(Exception):
    """Base of every error the tool raises on purpose."""


class EncodeError(PolicyreasonError):
    """A construct the SMT encoding does not support; analyses turn it into an *unknown*."""


class SolverError(PolicyreasonError):
    """cvc5 rejected a query (a bug in the encoding, never a user error)."""


class DecodeError(PolicyreasonError):
    """A model could not be turned back into a request or packet."""


class ModelInvalid(PolicyreasonError):
    """The concrete evaluator disagrees with a solver witness: an internal bug, never shown
    as a finding."""


def too_deep(exc: BaseException) -> bool:
    """True when `exc` is, or was raised while handling, a RecursionError: libraries wrap it
    (Lark's VisitError keeps it as the context), so the chain is followed a few links down."""
    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return False
        if isinstance(seen, RecursionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
