"""Policies a Terraform plan knows only after apply, rebuilt from the `aws_iam_policy_document`
data source that writes them.

A policy attribute (`aws_kms_key.data.policy`) whose value depends on a resource the plan
creates is unknown as a whole: the plan says only `after_unknown`. When the configuration shows
that the attribute is the `json` of an `aws_iam_policy_document` data source, the plan still
holds that data source's arguments, the unknown ones marked; the policy is rebuilt from them,
each unknown value a template value (`ir/template.py`) named after where it stands
(`data.aws_iam_policy_document.key.statement.0.resources.1`). What no template value can stand
for (a list of unknown length, an unknown effect, operator, key or principal type, documents
merged in with `source_policy_documents`) leaves the policy unmodelled (`Policy.unmodelled`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policyreason.ir.span import Span
from policyreason.ir.template import reference, safe_name
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar

_DOCUMENT = re.compile(
    r"(?P<data>data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)(?P<key>\[[^\]]*\])?"
    r"\.(json|minified_json)"
)
_INSTANCE = re.compile(r"\[[^\]]*\]")
# Arguments that merge other documents in: not rebuilt.
_MERGED = ("source_policy_documents", "override_policy_documents", "source_json", "override_json")


@dataclass(frozen=True)
class Rebuilt:
    """A policy document rebuilt from a data source: the JSON tree, the data source's address,
    and what could not be rebuilt."""

    node: JObject
    source: str
    unmodelled: tuple[str, ...]


class PolicyDocuments:
    """The `aws_iam_policy_document` data sources of a plan and the configuration's references
    to them."""

    def __init__(self, root: JObject) -> None:
        self._data: dict[str, tuple[JObject, JObject | None]] = {}
        changes = root.get("resource_changes")
        for change in changes.items if isinstance(changes, JArray) else ():
            body = change.get("change") if isinstance(change, JObject) else None
            address = change.get("address") if isinstance(change, JObject) else None
            after = body.get("after") if isinstance(body, JObject) else None
            if (
                isinstance(address, JScalar)
                and isinstance(after, JObject)
                and _is_document(str(address.value))
            ):
                unknown = body.get("after_unknown") if isinstance(body, JObject) else None
                self._data[str(address.value)] = (
                    after,
                    unknown if isinstance(unknown, JObject) else None,
                )
        self._expressions: dict[str, JObject] = {}
        configuration = root.get("configuration")
        if isinstance(configuration, JObject):
            self._module(configuration.get("root_module"), "")

    def _module(self, module: JNode | None, prefix: str) -> None:
        if not isinstance(module, JObject):
            return
        resources = module.get("resources")
        for resource in resources.items if isinstance(resources, JArray) else ():
            if not isinstance(resource, JObject):
                continue
            address = resource.get("address")
            expressions = resource.get("expressions")
            if isinstance(address, JScalar) and isinstance(expressions, JObject):
                self._expressions[prefix + str(address.value)] = expressions
        calls = module.get("module_calls")
        for key, call in calls.pairs if isinstance(calls, JObject) else ():
            inner = call.get("module") if isinstance(call, JObject) else None
            self._module(inner, f"{prefix}module.{key.value}.")

    def rebuild(self, address: str, attribute: str) -> Rebuilt | None:
        """The document an unknown policy attribute is, when the configuration makes it the
        json of a data source the plan holds; None otherwise."""
        if address in self._data:
            return _rebuild(address, *self._data[address])
        plain = _INSTANCE.sub("", address)
        expressions = self._expressions.get(plain)
        expression = expressions.get(attribute) if expressions is not None else None
        references = expression.get("references") if isinstance(expression, JObject) else None
        prefix = _module_prefix(plain)
        for ref in references.items if isinstance(references, JArray) else ():
            match = _DOCUMENT.fullmatch(str(ref.value)) if isinstance(ref, JScalar) else None
            if match is None:
                continue
            found = self._instance(prefix + match["data"], match["key"], address[len(plain) :])
            if found is not None:
                return _rebuild(found, *self._data[found])
        return None

    def _instance(self, data: str, key: str | None, own_key: str) -> str | None:
        if key is not None:
            return data + key if data + key in self._data else None
        instances = [a for a in self._data if _INSTANCE.sub("", a) == data]
        if data + own_key in self._data:
            return data + own_key
        return instances[0] if len(instances) == 1 else None


def _is_document(address: str) -> bool:
    return _INSTANCE.sub("", address).split(".")[-2:-1] == ["aws_iam_policy_document"]


def _module_prefix(address: str) -> str:
    parts = address.split(".")
    out: list[str] = []
    while len(parts) > 2 and parts[0] == "module":
        out += parts[:2]
        parts = parts[2:]
    return ".".join(out) + "." if out else ""


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.unmodelled: list[str] = []

    def missing(self, what: str, path: str) -> None:
        self.unmodelled.append(f"{what} of {path} is known only after apply")

    def value(self, node: JNode | None, unknown: JNode | None, path: str, span: Span) -> JScalar:
        """One string argument: as planned, or a template value named after its place."""
        if _is_unknown(unknown):
            return JScalar(reference(safe_name(path)), node.span if node else span)
        if isinstance(node, JScalar):
            return node
        return JScalar("", span)

    def strings(self, values: JObject, unknown: JObject | None, name: str, path: str) -> JArray:
        node = values.get(name)
        marks = unknown.get(name) if unknown is not None else None
        span = node.span if node is not None else values.span
        if _is_unknown(marks):
            self.missing(f"the list {name}", path)
            return JArray((), span)
        items = node.items if isinstance(node, JArray) else ()
        flags = marks.items if isinstance(marks, JArray) else ()
        return JArray(
            tuple(
                self.value(item, flags[i] if i < len(flags) else None, f"{path}.{name}.{i}", span)
                for i, item in enumerate(items)
            ),
            span,
        )

    def blocks(
        self, values: JObject, unknown: JObject | None, name: str, path: str
    ) -> list[tuple[JObject, JObject | None, str]]:
        node = values.get(name)
        marks = unknown.get(name) if unknown is not None else None
        if _is_unknown(marks):
            self.missing(f"the {name} blocks", path)
            return []
        items = node.items if isinstance(node, JArray) else ()
        flags = marks.items if isinstance(marks, JArray) else ()
        out: list[tuple[JObject, JObject | None, str]] = []
        for i, item in enumerate(items):
            mark = flags[i] if i < len(flags) else None
            if _is_unknown(mark):
                self.missing(f"block {i} of {name}", path)
            elif isinstance(item, JObject):
                out.append(
                    (item, mark if isinstance(mark, JObject) else None, f"{path}.{name}.{i}")
                )
        return out

    def fixed(self, values: JObject, unknown: JObject | None, name: str, path: str) -> str | None:
        """An argument no template value can stand for (an effect, an operator)."""
        marks = unknown.get(name) if unknown is not None else None
        if _is_unknown(marks):
            self.missing(name, path)
            return None
        node = values.get(name)
        return str(node.value) if isinstance(node, JScalar) and node.value is not None else ""


def _rebuild(address: str, after: JObject, unknown: JObject | None) -> Rebuilt:
    # Template values are named after their place in the data source, its type left out.
    b = _Builder(address)
    place = address.replace("data.aws_iam_policy_document.", "", 1)
    for name in _MERGED:
        node = after.get(name)
        merged = (isinstance(node, JArray) and node.items) or (
            isinstance(node, JScalar) and node.value not in (None, "")
        )
        if merged or _is_unknown(unknown.get(name) if unknown else None):
            b.unmodelled.append(f"{name} of {address}, merged into the document, is not read")
    span = after.span
    version = b.fixed(after, unknown, "version", place) or "2012-10-17"
    pairs: list[tuple[JScalar, JNode]] = [(JScalar("Version", span), JScalar(version, span))]
    policy_id = b.fixed(after, unknown, "policy_id", place)
    if policy_id:
        pairs.append((JScalar("Id", span), JScalar(policy_id, span)))
    statements: list[JNode] = []
    for block, marks, path in b.blocks(after, unknown, "statement", place):
        statement = _statement(b, block, marks, path)
        if statement is not None:
            statements.append(statement)
    pairs.append((JScalar("Statement", span), JArray(tuple(statements), span)))
    return Rebuilt(JObject(tuple(pairs), span), address, tuple(b.unmodelled))


def _statement(b: _Builder, block: JObject, marks: JObject | None, path: str) -> JObject | None:
    span = block.span
    before = len(b.unmodelled)
    pairs: list[tuple[JScalar, JNode]] = []
    sid = b.fixed(block, marks, "sid", path)
    if sid:
        pairs.append((JScalar("Sid", span), JScalar(sid, span)))
    effect = b.fixed(block, marks, "effect", path)
    pairs.append((JScalar("Effect", span), JScalar(effect or "Allow", span)))
    for element, name in (
        ("Action", "actions"),
        ("NotAction", "not_actions"),
        ("Resource", "resources"),
        ("NotResource", "not_resources"),
    ):
        values = b.strings(block, marks, name, path)
        if values.items:
            pairs.append((JScalar(element, values.span), values))
    for element, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        principal = _principals(b, b.blocks(block, marks, name, path), span)
        if principal is not None:
            pairs.append((JScalar(element, principal.span), principal))
    conditions = _conditions(b, b.blocks(block, marks, "condition", path), span)
    if conditions is not None:
        pairs.append((JScalar("Condition", conditions.span), conditions))
    # A statement with a part that is not rebuilt is left out; the policy says it is missing.
    return None if len(b.unmodelled) > before else JObject(tuple(pairs), span)


def _principals(
    b: _Builder, blocks: list[tuple[JObject, JObject | None, str]], span: Span
) -> JNode | None:
    if not blocks:
        return None
    by_type: dict[str, list[JNode]] = {}
    for block, marks, path in blocks:
        ptype = b.fixed(block, marks, "type", path)
        ids = b.strings(block, marks, "identifiers", path)
        if ptype is None:
            continue
        if ptype == "*":
            return JScalar("*", block.span)
        by_type.setdefault(ptype, []).extend(ids.items)
    return JObject(
        tuple((JScalar(t, span), JArray(tuple(ids), span)) for t, ids in by_type.items()), span
    )


def _conditions(
    b: _Builder, blocks: list[tuple[JObject, JObject | None, str]], span: Span
) -> JNode | None:
    if not blocks:
        return None
    by_test: dict[str, dict[str, list[JNode]]] = {}
    for block, marks, path in blocks:
        test = b.fixed(block, marks, "test", path)
        variable = b.fixed(block, marks, "variable", path)
        values = b.strings(block, marks, "values", path)
        if test is None or variable is None:
            continue
        by_test.setdefault(test, {}).setdefault(variable, []).extend(values.items)
    return JObject(
        tuple(
            (
                JScalar(test, span),
                JObject(
                    tuple((JScalar(k, span), JArray(tuple(v), span)) for k, v in keys.items()),
                    span,
                ),
            )
            for test, keys in by_test.items()
        ),
        span,
    )


def _is_unknown(mark: JNode | None) -> bool:
    return isinstance(mark, JScalar) and mark.value is True
