"""Conditions that only test whether a key is present: a condition is equivalent to
`"Null": {key: "false"}` when it holds for every request that has the key and for none that
lacks it (`"StringLike": {key: "*"}`), and to `"Null": {key: "true"}` when it holds exactly for
the requests that lack it (`"StringNotLike": {key: "*"}`).

Decided in two steps: a few concrete values first (the concrete evaluator refutes nearly every
condition with one of them, at no solver cost), then, for what survives, the solver proves the
equivalence by comparing a policy that allows everything under the condition with one that
allows everything under the Null test: equivalent in both directions, or not reported. A
condition whose key has one value and whose Like operator lists `*` cannot tell one value from
another, so the values tried already decide it: the solver is not asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from policyreason.analysis.evaluate import condition_holds
from policyreason.analysis.questions import more_permissive
from policyreason.analysis.search import Searcher
from policyreason.data.reference import multivalued
from policyreason.data.requests import key_type, principal_family
from policyreason.ir.answer import Status
from policyreason.ir.pattern import MATCH_ALL, AnyChar, Part, Text, Variable
from policyreason.ir.policy import (
    OPERATORS,
    Comparison,
    Condition,
    ConditionValue,
    Effect,
    Family,
    Policy,
    PolicyKind,
    Statement,
)
from policyreason.ir.span import Span
from policyreason.smt.limits import DEFAULT_RLIMIT

# A suggestion is not a safety claim: a short limit, and an undecided condition is not shown.
QUICK_RLIMIT = DEFAULT_RLIMIT // 10

_PROBES: dict[Family, tuple[str, ...]] = {
    Family.STRING: (
        "",
        "policyreason-probe",
        "arn:aws:iam::111122223333:role/probe",
        "o-a1b2c3d4e5",
    ),
    Family.ARN: ("arn:aws:iam::111122223333:role/probe", "arn:aws-cn:s3:::probe/key", "probe"),
    Family.NUMERIC: ("0", "1", "-1", "86400", "4294967296"),
    Family.DATE: ("1970-01-01T00:00:00Z", "2020-06-30T12:00:00Z", "2100-01-01T00:00:00Z"),
    Family.BOOL: ("true", "false"),
    Family.IP: ("203.0.113.7", "10.1.2.3", "2001:db8::1"),
    Family.BINARY: ("QUJD", "cHJvYmU="),
}


# Where the solver's questions say they were written (nowhere a user wrote them).
_SPAN = Span(file="<null-equivalence>", line=1, column=1, end_line=1, end_column=1)


class NullForm(StrEnum):
    """What a condition is equivalent to."""

    PRESENT = "present"  # "Null": {key: "false"}
    ABSENT = "absent"  # "Null": {key: "true"}


@dataclass(frozen=True)
class NullEquivalence:
    """A condition proven equivalent to a Null test."""

    form: NullForm

    @property
    def null_value(self) -> str:
        """The Null operator's value that means the same: "false" (present) or "true"."""
        return "false" if self.form is NullForm.PRESENT else "true"


def null_equivalence(
    cond: Condition, rlimit: int | None = QUICK_RLIMIT, only: NullForm | None = None
) -> NullEquivalence | None:
    """The Null test `cond` is equivalent to, when the solver proves one; None otherwise (not
    equivalent, or not decided within the limit). With `only`, a condition that could only be
    equivalent to the other form is dismissed before any work."""
    if cond.op.family is Family.NULL:
        return None
    form = NullForm.ABSENT if condition_holds(cond, {}) else NullForm.PRESENT
    if only is not None and form is not only:
        return None
    if _refuted(cond, form):
        return None
    if _presence_only(cond):
        # What the condition says of a present key, the probes read; of an absent one, `form`.
        return NullEquivalence(form)
    return proven_equivalence(cond, form, rlimit)


# The policies of a folder repeat their conditions (the managed policies' 4,064 conditions
# that reach the values are 1,482 as written): each is tried once. A value is kept as read, not
# only as written: `${...}` is a policy variable or not by the policy's version and format.
_REFUTED: dict[tuple[str, str, tuple[str, ...], tuple[tuple[Part, ...] | None, ...]], bool] = {}


def _refuted(cond: Condition, form: NullForm) -> bool:
    """A value tried (`_probe_sets`, `_variable_probes`) shows `cond` is not the Null test of
    `form` (which `form` is, the condition's answer without its key decides)."""
    read = (
        cond.operator_text,
        cond.key_text,
        tuple(v.text for v in cond.values),
        tuple(None if v.pattern is None else v.pattern.parts for v in cond.values),
    )
    found = _REFUTED.get(read)
    if found is None:
        wanted = form is NullForm.PRESENT
        probes = [*({cond.key: values} for values in _probe_sets(cond)), *_variable_probes(cond)]
        found = _REFUTED[read] = any(condition_holds(cond, probe) != wanted for probe in probes)
    return found


def proven_equivalence(
    cond: Condition, form: NullForm, rlimit: int | None
) -> NullEquivalence | None:
    """The solver's answer: `cond` and the Null test of `form` allow the same requests."""
    return _proven(_unplaced(cond), form, rlimit)


# The policies of a folder repeat their conditions (`aws:ResourceAccount` against the caller's
# account, one tag test in many policies): each is asked once, wherever it is written.
@lru_cache(maxsize=256)
def _proven(cond: Condition, form: NullForm, rlimit: int | None) -> NullEquivalence | None:
    # `compare`'s two questions over one encoding, but the second is not asked once the first
    # is not proven: the policies are then not equivalent, whatever it says. The values tried
    # (`_probe_sets`) found the condition as the Null test on the key present and absent; the
    # requests that are left to tell them apart are those the condition adds (a variable's
    # value met on a present key, for the corpus's "absent" ones), asked first.
    cond_all, null_all = _allow_all(cond), _allow_all(_null(cond, form))
    searcher = Searcher([cond_all, null_all], rlimit, split=True)
    first, second = more_permissive(cond_all, null_all), more_permissive(null_all, cond_all)
    for question in (first, second) if form is NullForm.ABSENT else (second, first):
        if searcher.find(question, 1).status is not Status.PROVEN:
            return None
    return NullEquivalence(form)


def _unplaced(cond: Condition) -> Condition:
    """The condition without where it was written: what the solver is asked does not depend
    on it."""
    values = tuple(
        v.model_copy(
            update={
                "span": _SPAN,
                "pattern": None
                if v.pattern is None
                else v.pattern.model_copy(update={"span": None}),
            }
        )
        for v in cond.values
    )
    return cond.model_copy(update={"span": _SPAN, "values": values})


def _presence_only(cond: Condition) -> bool:
    """The condition cannot tell one value of its key from another: a string Like operator
    with a plain `*` among its values, on a key that carries one value (nearly every condition
    that reaches the solver in the managed policies). Any value matches the `*`, so with the key
    present it holds always or never, whatever its qualifier, IfExists or negation."""
    return (
        cond.op.family is Family.STRING
        and cond.op.comparison is Comparison.LIKE
        and not multivalued(cond.key)
        and any(v.pattern is not None and v.pattern.is_match_all for v in cond.values)
    )


def _probe_sets(cond: Condition) -> list[tuple[str, ...]]:
    """Values to try: the condition's own values first (a value it lists, or one its pattern
    matches, refutes most conditions that are more than a presence test), then fixed ones."""
    own = [_a_match(v) for v in cond.values]
    singles: list[tuple[str, ...]] = [
        (value,) for value in dict.fromkeys([*own, *_PROBES.get(cond.op.family, ())])
    ]
    if not multivalued(cond.key) or len(singles) < 2:
        return singles
    return [*singles, singles[0] + singles[1]]


# The value a probe gives a policy variable: an account ID, which an account key takes as well
# as a tag does.
_VARIABLE_VALUE = "111122223333"
_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:resourceaccount", "aws:sourceaccount"})
_TAG_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")


def _takes(key: str, value: str) -> bool:
    """A real request can carry `value` for `key`: a tag or a key of ARNs (not the caller's)
    any text, an account key an account ID. Other keys are not tried (a caller's name, a
    time, an address have forms of their own, which a probe could miss where the solver
    would not)."""
    if key in _ACCOUNT_KEYS:
        return value == _VARIABLE_VALUE
    if key.startswith(_TAG_PREFIXES) or ":resourcetag/" in key:
        return True
    return key_type(key) in ("ARN", "ArrayOfARN") and not principal_family(key)


def _variable_probes(cond: Condition) -> list[dict[str, tuple[str, ...]]]:
    """Requests where a value naming policy variables (`${aws:PrincipalTag/team}`) is met: its
    variables given a value, and the key the string its pattern then matches. The values of
    `_probe_sets` leave such a value unmet (its variables absent), which no condition of a
    variable can be refuted by; the solver would have to find the request itself. Only keys
    a real request can carry so are tried (`_takes`: not a template parameter, the
    deployment's)."""
    out: list[dict[str, tuple[str, ...]]] = []
    for value in cond.values:
        pattern = value.pattern
        if pattern is None or not pattern.has_variable:
            continue
        variables = [p.key for p in pattern.parts if isinstance(p, Variable)]
        met = "".join(
            p.text
            if isinstance(p, Text)
            else "a"
            if isinstance(p, AnyChar)
            else _VARIABLE_VALUE
            if isinstance(p, Variable)
            else ""
            for p in pattern.parts
        )
        # One dict: a variable that is the condition's own key reads the key's value.
        probe: dict[str, tuple[str, ...]] = {
            **{key: (_VARIABLE_VALUE,) for key in variables},
            cond.key: (met,),
        }
        if all(_takes(key, text) for key, (text,) in probe.items()):
            out.append(probe)
    return out


def _a_match(value: ConditionValue) -> str:
    """A value that `value` matches: its pattern with `*` empty and `?` one character, or its
    text (variables and all: a value to try, nothing more)."""
    if value.pattern is None or value.pattern.has_variable:
        return value.text
    return "".join(
        p.text if isinstance(p, Text) else "a" if isinstance(p, AnyChar) else ""
        for p in value.pattern.parts
    )


def _null(cond: Condition, form: NullForm) -> Condition:
    text = "false" if form is NullForm.PRESENT else "true"
    value = ConditionValue(text=text, span=cond.span, flag=form is NullForm.ABSENT)
    return cond.model_copy(
        update={
            "operator_text": "Null",
            "op": OPERATORS["null"],
            "if_exists": False,
            "qualifier": None,
            "values": (value,),
        }
    )


def _allow_all(cond: Condition) -> Policy:
    """An identity policy allowing every action on every resource under `cond` alone."""
    star = MATCH_ALL
    statement = Statement(
        index=0,
        sid=None,
        effect=Effect.ALLOW,
        actions=(star,),
        resources=(star,),
        conditions=(cond,),
        span=_SPAN,
    )
    return Policy(
        kind=PolicyKind.IDENTITY, version="2012-10-17", statements=(statement,), span=_SPAN
    )
