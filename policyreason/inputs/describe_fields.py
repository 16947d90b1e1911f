"""Typed fields of describe-* JSON objects, each failing with a located `Bad` error."""

from __future__ import annotations

from policyreason.errors import LocatedError
from policyreason.ir.cidr import Cidr, parse_ip
from policyreason.ir.network import IcmpMatch, parse_protocol
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar


class Bad(LocatedError):
    """A describe-* field of the wrong shape; the reader turns it into a diagnostic."""


def obj(node: JNode | None, span: Span, what: str) -> JObject:
    if not isinstance(node, JObject):
        raise Bad(f"{what} must be an object", node.span if node else span)
    return node


def items(node: JObject, key: str) -> tuple[JNode, ...]:
    value = node.get(key)
    if value is None or (isinstance(value, JScalar) and value.value is None):
        return ()
    if not isinstance(value, JArray):
        raise Bad(f"{key} must be a list", value.span)
    return value.items


def string(node: JObject, key: str, required: bool = True) -> str:
    value = node.get(key)
    if value is None or (isinstance(value, JScalar) and value.value is None):
        if required:
            raise Bad(f"missing {key}", node.span)
        return ""
    if not isinstance(value, JScalar) or isinstance(value.value, bool):
        raise Bad(f"{key} must be a string", value.span)
    return str(value.value)


def number(node: JObject, key: str) -> int | None:
    value = node.get(key)
    if value is None or (isinstance(value, JScalar) and value.value is None):
        return None
    if not isinstance(value, JScalar) or isinstance(value.value, bool):
        raise Bad(f"{key} must be a number", value.span)
    try:
        return int(str(value.value))
    except ValueError:
        raise Bad(f"{key} must be a number", value.span) from None


def flag(node: JObject, key: str, default: bool = False) -> bool:
    value = node.get(key)
    if not isinstance(value, JScalar) or value.value is None:
        return default
    return value.value is True


def associated(node: JObject, key: str, states: tuple[str, ...] = ("", "associated")) -> bool:
    """Is the association's state (`node[key].State`, or `node[key]` itself) one of `states`?"""
    value = node.get(key)
    if isinstance(value, JObject):
        return string(value, "State", False) in states
    if isinstance(value, JScalar) and isinstance(value.value, str):
        return value.value in states
    return True


def icmp(node: JObject, type_key: str, code_key: str) -> IcmpMatch:
    """An ICMP type and code (-1 or absent: any)."""
    kind, code = number(node, type_key), number(node, code_key)
    return IcmpMatch(
        type=kind if kind is not None and kind >= 0 else None,
        code=code if code is not None and code >= 0 and kind is not None and kind >= 0 else None,
    )


def cidr(node: JObject, key: str) -> Cidr:
    text = string(node, key)
    try:
        return Cidr.parse(text)
    except ValueError:
        value = node.get(key)
        raise Bad(f"{key}: {text!r} is not a CIDR", value.span if value else node.span) from None


def ip(node: JObject, key: str) -> int | None:
    text = string(node, key, required=False)
    if not text:
        return None
    try:
        return parse_ip(text)
    except ValueError:
        value = node.get(key)
        raise Bad(
            f"{key}: {text!r} is not an IP address", value.span if value else node.span
        ) from None


def protocol(node: JObject, key: str) -> int:
    text = string(node, key)
    try:
        return parse_protocol(text)
    except ValueError:
        value = node.get(key)
        raise Bad(f"{key}: unknown protocol {text!r}", value.span if value else node.span) from None


def ids(node: JObject, key: str, inner: str | None = None) -> tuple[str, ...]:
    out: list[str] = []
    for item in items(node, key):
        if inner is None:
            if isinstance(item, JScalar) and item.value is not None:
                out.append(str(item.value))
        else:
            out.append(string(obj(item, node.span, key), inner))
    return tuple(out)
