"""Every error the tool raises on purpose, under one base. Nothing here is shown to users as a
traceback: commands turn them into located messages and exit code 2, analyses into *unknown*.

Exceptions used only for control flow inside one module (a stop signal, an alarm) stay private
to that module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Types only: every layer imports this module, so it imports none of them when it runs.
    from policyreason.ir.span import Span


class PolicyreasonError(Exception):
    """Base of every error the tool raises on purpose."""


class LocatedError(PolicyreasonError):
    """A problem at a place in the user's file; `message` says what, `span` where."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


# Reading input.


class JsonSyntaxError(LocatedError):
    """Invalid JSON, located."""


class YamlSyntaxError(LocatedError):
    """Invalid YAML, located."""


class NetworkDslError(LocatedError):
    """A syntax or reference error in a network description, located."""

    def __str__(self) -> str:
        return f"{self.span}: {self.message}"


class InputError(LocatedError):
    """A located problem that makes a whole file unreadable; `code` names the kind of problem
    (its diagnostic's code)."""

    def __init__(self, code: str, message: str, span: Span) -> None:
        super().__init__(message, span)
        self.code = code


class PatternError(PolicyreasonError):
    """A malformed pattern; `offset` is the 0-based character index of the problem and `code`
    says what is wrong with the variable there (see `parse/pattern.py`)."""

    def __init__(self, message: str, offset: int, code: str = "malformed-variable") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code


class UnusableInput(PolicyreasonError):
    """A verb that takes one policy could not use its file; the reasons are already printed."""


class GitError(PolicyreasonError):
    """Not a repository, an unknown revision, or git itself failing; exit 2."""


class Undecidable(PolicyreasonError):
    """A question that cannot be answered as asked: a policy not read in full, or template
    values (`missing`, as users spell them) that only a deployment gives."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


# Settings and arguments.


class ConfigError(PolicyreasonError):
    """An invalid configuration file or value; the gate exits with 2."""


class BaselineError(PolicyreasonError):
    """A baseline file that cannot be read."""


class ZoneError(PolicyreasonError, ValueError):
    """A zone-of-trust entry that is neither a 12-digit account nor an organization id."""


class ResourceTypeError(PolicyreasonError, ValueError):
    """A resource type public and external access are not judged for."""


class SchedulerError(PolicyreasonError):
    """The Dask scheduler cannot be used (extra not installed, unreachable); exit 2."""


# Reasoning.


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
