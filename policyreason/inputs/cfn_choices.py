"""Statements a CloudFormation template includes under conditions the deployment decides.

An `!If` on a condition the template cannot decide (it depends on a parameter without a
default, on the region...) is a choice. The choice is kept in the resolved tree (a marker for a
list, an object or AWS::NoValue; a reference `${If.N}` for a single value, so `!Sub` and
`!Join` can carry it) until the statements are read; then each statement that holds one is
written out once per branch, each copy guarded by the condition's value: a template value
`Condition.<Name>`, "true" or "false", in the statement's `when` (`ir/policy.py`). The guards
of one condition are the same template value everywhere, so copies agree on it; conditions
are independent of each other and of the parameters they test (a witness may pair a
condition's value with parameter values that would not produce it, never the other way).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policyreason.ir.policy import OPERATORS, Condition, ConditionValue
from policyreason.ir.span import Span
from policyreason.ir.template import reference, refs
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar

GUARD_PREFIX = "Condition."
# Copies of one statement at most; a statement with more choices is not read.
MAX_VARIANTS = 16

Guards = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class _Choice:
    condition: str
    first: JNode | None  # None: AWS::NoValue
    second: JNode | None
    marker: JNode


class Choices:
    """The undecided `!If`s of one template."""

    def __init__(self) -> None:
        self._markers: dict[int, _Choice] = {}
        self._values: dict[str, _Choice] = {}

    def choose(
        self, condition: str, first: JNode | None, second: JNode | None, span: Span
    ) -> JNode:
        """What an undecided `!If` resolves to: a reference for two single values, else a
        marker."""
        if isinstance(first, JScalar) and isinstance(second, JScalar):
            name = f"If.{len(self._values) + 1}"
            scalar = JScalar(reference(name), span)
            self._values[name] = _Choice(condition, first, second, scalar)
            return scalar
        marker = JObject((), span)
        self._markers[id(marker)] = _Choice(condition, first, second, marker)
        return marker

    def split(self, node: JNode, guards: Guards = ()) -> list[tuple[JNode, Guards]]:
        """`node`, or the branches of the choice it is (a `Statement` chosen as a whole), each
        with the condition values that select it."""
        choice = self._markers.get(id(node))
        if choice is None:
            return [(node, guards)]
        out: list[tuple[JNode, Guards]] = []
        for value, branch in ((True, choice.first), (False, choice.second)):
            if branch is not None and (choice.condition, not value) not in guards:
                out += self.split(branch, (*guards, (choice.condition, value)))
        return out

    def pending(self, node: JNode) -> list[str]:
        """The conditions of the choices still in `node`."""
        return [c.condition for c in self._in(node)]

    def variants(self, statement: JNode, guards: Guards = ()) -> list[tuple[JNode, Guards]] | None:
        """The statement once per combination of its choices, each with the condition values
        that select it; None when there are more than MAX_VARIANTS."""
        choice = next(self._in(statement), None)
        if choice is None:
            return [(statement, guards)]
        out: list[tuple[JNode, Guards]] = []
        for value, branch in ((True, choice.first), (False, choice.second)):
            if (choice.condition, not value) in guards:
                continue  # the other branch of a condition already chosen
            chosen = (
                guards
                if (choice.condition, value) in guards
                else (*guards, (choice.condition, value))
            )
            written = self._written(statement, choice, branch)
            if written is None:
                continue
            more = self.variants(written, chosen)
            if more is None or len(out) + len(more) > MAX_VARIANTS:
                return None
            out += more
        return out

    def _in(self, node: JNode) -> Iterator[_Choice]:
        if isinstance(node, JScalar):
            if isinstance(node.value, str):
                yield from (self._values[n] for n in refs(node.value) if n in self._values)
            return
        if id(node) in self._markers:
            yield self._markers[id(node)]
            return
        children = node.items if isinstance(node, JArray) else tuple(v for _k, v in node.pairs)
        for child in children:
            yield from self._in(child)

    def _written(self, node: JNode, choice: _Choice, branch: JNode | None) -> JNode | None:
        """`node` with the choice replaced by its branch (None: the branch is AWS::NoValue and
        `node` is the choice itself)."""
        if node is choice.marker:
            return branch
        if isinstance(node, JScalar):
            text = node.value
            if not isinstance(text, str) or not isinstance(choice.marker, JScalar):
                return node
            ref = str(choice.marker.value)
            if ref not in text or not isinstance(branch, JScalar):
                return node
            return JScalar(text.replace(ref, str(branch.value)), node.span)
        if isinstance(node, JArray):
            items = (self._written(i, choice, branch) for i in node.items)
            return JArray(tuple(i for i in items if i is not None), node.span)
        pairs = ((k, self._written(v, choice, branch)) for k, v in node.pairs)
        return JObject(tuple((k, v) for k, v in pairs if v is not None), node.span)


def guard_name(condition: str) -> str:
    """The template value that is a condition's value."""
    return GUARD_PREFIX + condition


def guards_of(guards: Guards, span: Span) -> tuple[Condition, ...]:
    """A statement's `when`: each condition's template value is "true" or "false"."""
    op = OPERATORS["bool"]
    out: list[Condition] = []
    for condition, value in guards:
        name = guard_name(condition)
        text = "true" if value else "false"
        out.append(
            Condition(
                operator_text="Bool",
                op=op,
                if_exists=False,
                qualifier=None,
                key_text=reference(name),
                key=name,
                values=(ConditionValue(text=text, span=span, flag=value),),
                span=span,
            )
        )
    return tuple(out)
