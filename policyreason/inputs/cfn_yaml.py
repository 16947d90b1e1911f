"""CloudFormation YAML into the same positioned tree as JSON (`JNode`).

`yaml.compose` keeps a start and end mark on every node and leaves unknown tags alone, so the
short forms (`!Sub`, `!GetAtt a.b`, ...) become their long-form objects (`{"Fn::Sub": ...}`)
with the tag's position, and the template resolver sees one shape for both syntaxes.
"""

from __future__ import annotations

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
# Short forms whose long form is not "Fn::" + the tag name.
_LONG = {"Ref": "Ref", "Condition": "Condition"}


class YamlSyntaxError(Exception):
    """Invalid YAML, located."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


def parse_yaml(text: str, file: str) -> JNode | None:
    """Parse one YAML document; None when the file is empty."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
        raise YamlSyntaxError(
            message, Span(file=file, line=line, column=column, end_line=line, end_column=column + 1)
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(
            f"invalid YAML: {exc}", Span(file=file, line=1, column=1, end_line=1, end_column=2)
        ) from None
    return None if node is None else _convert(node, file, SafeConstructor())


def _span(node: Node, file: str) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(
        file=file,
        line=start.line + 1,
        column=start.column + 1,
        end_line=end.line + 1,
        end_column=end.column + 1,
    )


def _convert(node: Node, file: str, constructor: SafeConstructor) -> JNode:
    span = _span(node, file)
    tag = str(node.tag)
    if tag.startswith("!"):
        return _short_form(tag[1:], node, span, file, constructor)
    if isinstance(node, MappingNode):
        pairs = tuple((_key(k, file), _convert(v, file, constructor)) for k, v in node.value)
        return JObject(pairs, span)
    if isinstance(node, SequenceNode):
        return JArray(tuple(_convert(i, file, constructor) for i in node.value), span)
    assert isinstance(node, ScalarNode)
    return JScalar(_scalar(node, constructor), span)


def _key(node: Node, file: str) -> JScalar:
    value = node.value if isinstance(node, ScalarNode) else str(node.tag)
    return JScalar(str(value), _span(node, file))


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
    except (ValueError, yaml.YAMLError):
        return str(node.value)
    if tag == _NULL:
        return None
    return str(node.value)


def _short_form(
    name: str, node: Node, span: Span, file: str, constructor: SafeConstructor
) -> JNode:
    long = _LONG.get(name, f"Fn::{name}")
    tag_key = JScalar(long, span)
    if name == "GetAtt" and isinstance(node, ScalarNode):
        resource, _, attribute = str(node.value).partition(".")
        value: JNode = JArray((JScalar(resource, span), JScalar(attribute, span)), span)
    elif isinstance(node, ScalarNode):
        value = JScalar(str(node.value), span)
    elif isinstance(node, MappingNode):
        value = JObject(
            tuple((_key(k, file), _convert(v, file, constructor)) for k, v in node.value), span
        )
    else:
        assert isinstance(node, SequenceNode)
        value = JArray(tuple(_convert(i, file, constructor) for i in node.value), span)
    return JObject(((tag_key, value),), span)
