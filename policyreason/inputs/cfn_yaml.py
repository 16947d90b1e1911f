"""CloudFormation YAML into the same positioned tree as JSON (`JNode`).

`yaml.compose` keeps a start and end mark on every node and leaves unknown tags alone, so the
short forms (`!Sub`, `!GetAtt a.b`, ...) become their long-form objects (`{"Fn::Sub": ...}`)
with the tag's position, and the template resolver sees one shape for both syntaxes.

The pure-Python loader is the reference: it decides every document the libyaml loader (about
fifteen times as fast) cannot read, so errors and their places are the reference's. Spans are
made from the marks when first asked for, with the collector paused while the tree is built.
PyYAML itself is imported on the first template, not with this module: most runs read none.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, cast

from policyreason.collector import paused
from policyreason.errors import YamlSyntaxError
from policyreason.ir.span import Span
from policyreason.parse.json_spans import (
    MAX_DEPTH,
    JNode,
    JScalar,
    Locator,
    located_array,
    located_object,
    located_scalar,
)

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"

if TYPE_CHECKING:
    from types import ModuleType

    from yaml.constructor import SafeConstructor
    from yaml.nodes import Node, ScalarNode
# Short forms whose long form is not "Fn::" + the tag name.
_LONG = {"Ref": "Ref", "Condition": "Condition"}


@cache
def _yaml() -> ModuleType:
    import yaml

    return yaml


def _fast_loader() -> Any:
    """libyaml's loader where PyYAML was built with it, else None."""
    return getattr(_yaml(), "CSafeLoader", None)


@paused()
def parse_yaml(text: str, file: str) -> JNode | None:
    """Parse one YAML document; None when the file is empty."""
    yaml = _yaml()
    node: Node | None = None
    fast = _fast_loader()
    if fast is not None:
        try:
            node = yaml.compose(text, Loader=fast)
        except yaml.YAMLError as exc:
            node = _compose(text, file, _error_span(exc, file))
    else:
        node = _compose(text, file, Span(file=file, line=1, column=1, end_line=1, end_column=2))
    if node is None:
        return None
    return _convert(node, _Marks(file), yaml.constructor.SafeConstructor(), 0)


def _compose(text: str, file: str, deep_at: Span) -> Node | None:
    """The reference loader's tree, or its error, located; `deep_at` is where to report input
    nested too deep for it (libyaml stops at 1,000 levels, the reference's recursion sooner)."""
    yaml = _yaml()
    try:
        node: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        return node
    except yaml.MarkedYAMLError as exc:
        message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
        raise YamlSyntaxError(message, _error_span(exc, file)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", _error_span(exc, file)) from None
    except RecursionError:
        raise _too_deep(deep_at) from None


def _error_span(exc: Exception, file: str) -> Span:
    marked = isinstance(exc, _yaml().MarkedYAMLError)
    mark = (exc.problem_mark or exc.context_mark) if marked else None  # type: ignore[attr-defined]
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Span(file=file, line=line, column=column, end_line=line, end_column=column + 1)


class _Marks(Locator):
    """Spans from the start and end marks of a YAML node."""

    __slots__ = ("file",)

    def __init__(self, file: str) -> None:
        self.file = file

    def span(self, start: Any, end: Any) -> Span:
        # Marks of either loader: line and column, 0-based.
        return Span(
            file=self.file,
            line=start.line + 1,
            column=start.column + 1,
            end_line=end.line + 1,
            end_column=end.column + 1,
        )


def _too_deep(span: Span) -> YamlSyntaxError:
    return YamlSyntaxError(f"invalid YAML: nested deeper than {MAX_DEPTH} levels", span)


def _convert(node: Node, marks: _Marks, constructor: SafeConstructor, depth: int) -> JNode:
    if depth > MAX_DEPTH:
        raise _too_deep(marks.span(node.start_mark, node.start_mark))
    tag = str(node.tag)
    if tag.startswith("!"):
        return _short_form(tag[1:], node, marks, constructor, depth)
    start, end = node.start_mark, node.end_mark
    if _kind(node) == "mapping":
        pairs = tuple(
            (_key(k, marks), _convert(v, marks, constructor, depth + 1)) for k, v in node.value
        )
        return located_object(pairs, marks, start, end)
    if _kind(node) == "sequence":
        items = tuple(_convert(i, marks, constructor, depth + 1) for i in node.value)
        return located_array(items, marks, start, end)
    return located_scalar(_scalar(cast("ScalarNode", node), constructor), marks, start, end)


def _kind(node: Node) -> str:
    """ "scalar", "sequence" or "mapping": the node classes' `id`, read without importing them."""
    return str(node.id)  # type: ignore[attr-defined]


def _key(node: Node, marks: _Marks) -> JScalar:
    value = node.value if _kind(node) == "scalar" else str(node.tag)
    return located_scalar(str(value), marks, node.start_mark, node.end_mark)


def _scalar(node: ScalarNode, constructor: SafeConstructor) -> str | int | float | bool | None:
    # Timestamps ("Version: 2012-10-17") and every other tag stay as written.
    tag = str(node.tag)
    try:
        if tag == _INT:
            return int(constructor.construct_yaml_int(node))
        if tag == _FLOAT:
            return float(constructor.construct_yaml_float(node))
        if tag == _BOOL:
            return bool(constructor.construct_yaml_bool(node))
    except (ValueError, _yaml().YAMLError):
        return str(node.value)
    if tag == _NULL:
        return None
    return str(node.value)


def _short_form(
    name: str, node: Node, marks: _Marks, constructor: SafeConstructor, depth: int
) -> JNode:
    # Every node made here has the tag's position.
    start, end = node.start_mark, node.end_mark
    long = _LONG.get(name, f"Fn::{name}")
    tag_key = located_scalar(long, marks, start, end)
    if name == "GetAtt" and _kind(node) == "scalar":
        resource, _, attribute = str(node.value).partition(".")
        parts = (
            located_scalar(resource, marks, start, end),
            located_scalar(attribute, marks, start, end),
        )
        value: JNode = located_array(parts, marks, start, end)
    elif _kind(node) == "scalar":
        value = located_scalar(str(node.value), marks, start, end)
    elif _kind(node) == "mapping":
        pairs = tuple(
            (_key(k, marks), _convert(v, marks, constructor, depth + 1)) for k, v in node.value
        )
        value = located_object(pairs, marks, start, end)
    else:
        items = tuple(_convert(i, marks, constructor, depth + 1) for i in node.value)
        value = located_array(items, marks, start, end)
    return located_object(((tag_key, value),), marks, start, end)
