"""Terraform plans (`terraform show -json plan.out`): every policy the plan would create or keep.

Policies are JSON strings inside the plan; each is parsed on its own and its positions are
mapped back into the plan file. A policy known only after apply (it depends on an attribute of
another resource) cannot be analysed from the plan: that is a warning at the resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from policyreason.errors import JsonSyntaxError
from policyreason.inputs.document import Document
from policyreason.inputs.embedded import parse_embedded
from policyreason.inputs.tf_policy_document import PolicyDocuments, Rebuilt
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import PolicyKind
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar
from policyreason.parse.policy import detect_kind, parse_policy_node


@dataclass(frozen=True)
class _Attribute:
    name: str
    kind: PolicyKind | None  # None: detected from the statements
    attachment: str = "managed"
    implicit_resource: bool = False  # an ECR repository's policy may leave out Resource


# (mode, type) -> attributes holding one policy document as a JSON string.
_POLICY_ATTRIBUTES: dict[tuple[str, str], tuple[_Attribute, ...]] = {
    ("managed", "aws_iam_policy"): (_Attribute("policy", PolicyKind.IDENTITY),),
    ("managed", "aws_iam_role"): (_Attribute("assume_role_policy", PolicyKind.TRUST, "role"),),
    ("managed", "aws_iam_role_policy"): (_Attribute("policy", PolicyKind.IDENTITY, "role"),),
    ("managed", "aws_iam_user_policy"): (_Attribute("policy", PolicyKind.IDENTITY, "user"),),
    ("managed", "aws_iam_group_policy"): (_Attribute("policy", PolicyKind.IDENTITY, "group"),),
    ("managed", "aws_s3_bucket_policy"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_s3_bucket"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_s3_access_point"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_sqs_queue_policy"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_sqs_queue"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_sns_topic_policy"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_sns_topic"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_kms_key"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_kms_key_policy"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_secretsmanager_secret_policy"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_secretsmanager_secret"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_ecr_repository_policy"): (
        _Attribute("policy", PolicyKind.RESOURCE, implicit_resource=True),
    ),
    ("managed", "aws_ecrpublic_repository_policy"): (
        _Attribute("policy", PolicyKind.RESOURCE, implicit_resource=True),
    ),
    ("managed", "aws_efs_file_system_policy"): (_Attribute("policy", PolicyKind.RESOURCE),),
    ("managed", "aws_opensearch_domain_policy"): (
        _Attribute("access_policies", PolicyKind.RESOURCE),
    ),
    ("managed", "aws_vpc_endpoint"): (_Attribute("policy", PolicyKind.ENDPOINT),),
    ("managed", "aws_organizations_policy"): (_Attribute("content", None),),
    ("data", "aws_iam_policy_document"): (_Attribute("json", None),),
}
_ORG_POLICY_KINDS = {
    "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
    "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
}


@dataclass(frozen=True)
class _Resource:
    address: str
    mode: str
    type: str
    values: JObject
    unknown: JObject | None
    anchor: JNode


def is_plan(root: JNode) -> bool:
    """True for the JSON of a Terraform plan (or of `terraform show -json` state). Without a
    `format_version` (trimmed by hand, written by another tool) the shape decides: a root
    module of resources, or a list of resource changes."""
    if not isinstance(root, JObject):
        return False
    sections = ("planned_values", "resource_changes", "values", "prior_state")
    if root.get("format_version") is not None:
        return any(root.get(k) is not None for k in sections)
    for key in ("planned_values", "values"):
        section = root.get(key)
        if isinstance(section, JObject) and isinstance(section.get("root_module"), JObject):
            return True
    changes = root.get("resource_changes")
    return isinstance(changes, JArray) and any(
        isinstance(c, JObject) and _header(c) is not None for c in changes.items
    )


def read_plan(root: JNode, source: str, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """Every policy in the plan, and file-level problems (policies known only after apply)."""
    assert isinstance(root, JObject)
    documents: list[Document] = []
    diags: list[Diagnostic] = []
    seen: set[str] = set()
    written = PolicyDocuments(root)
    for resource in _resources(root):
        if resource.address in seen:
            continue
        seen.add(resource.address)
        for attribute in _POLICY_ATTRIBUTES.get((resource.mode, resource.type), ()):
            found = _policy(resource, attribute, source, file, diags, written)
            documents += found
        if (resource.mode, resource.type) == ("managed", "aws_iam_role"):
            documents += _inline_policies(resource, source, file, diags)
    return documents, diags


def read_plan_side(
    root: JNode, source: str, file: str, side: Literal["before", "after"]
) -> tuple[list[Document], list[Diagnostic]]:
    """The policies of the plan's resource changes as they are before, or after, the change
    (a resource created has none before, one deleted none after)."""
    assert isinstance(root, JObject)
    documents: list[Document] = []
    diags: list[Diagnostic] = []
    written = PolicyDocuments(root) if side == "after" else None
    for resource in _changes(root, side):
        for attribute in _POLICY_ATTRIBUTES.get((resource.mode, resource.type), ()):
            documents += _policy(resource, attribute, source, file, diags, written)
        if (resource.mode, resource.type) == ("managed", "aws_iam_role"):
            documents += _inline_policies(resource, source, file, diags)
    return documents, diags


def _changes(root: JObject, side: Literal["before", "after"]) -> Iterator[_Resource]:
    changes = root.get("resource_changes")
    for change in changes.items if isinstance(changes, JArray) else ():
        if not isinstance(change, JObject):
            continue
        body = change.get("change")
        values = body.get(side) if isinstance(body, JObject) else None
        unknown = body.get(f"{side}_unknown") if isinstance(body, JObject) else None
        header = _header(change)
        if header is None:
            continue
        if not isinstance(values, JObject):
            # Absent on this side (created or deleted): planned values do not have it either.
            yield _Resource(*header, JObject((), change.span), None, change)
            continue
        yield _Resource(*header, values, unknown if isinstance(unknown, JObject) else None, change)


def _resources(root: JObject) -> Iterator[_Resource]:
    # resource_changes first: it says what is deleted (no `after`) and what is unknown.
    yield from _changes(root, "after")
    for key in ("planned_values", "prior_state", "values"):
        section = root.get(key)
        if isinstance(section, JObject) and key == "prior_state":
            section = section.get("values")
        if isinstance(section, JObject):
            yield from _module(section.get("root_module"))


def _module(module: JNode | None) -> Iterator[_Resource]:
    if not isinstance(module, JObject):
        return
    resources = module.get("resources")
    for item in resources.items if isinstance(resources, JArray) else ():
        header = _header(item) if isinstance(item, JObject) else None
        values = item.get("values") if isinstance(item, JObject) else None
        if header is not None and isinstance(values, JObject):
            yield _Resource(*header, values, None, item)
    children = module.get("child_modules")
    for child in children.items if isinstance(children, JArray) else ():
        yield from _module(child)


def _header(node: JObject) -> tuple[str, str, str] | None:
    parts = [node.get(k) for k in ("address", "mode", "type")]
    if not all(isinstance(p, JScalar) and isinstance(p.value, str) for p in parts):
        return None
    return tuple(str(p.value) for p in parts if isinstance(p, JScalar))  # type: ignore[return-value]


def _policy(
    resource: _Resource,
    attribute: _Attribute,
    source: str,
    file: str,
    diags: list[Diagnostic],
    written: PolicyDocuments | None = None,
) -> list[Document]:
    value = resource.values.get(attribute.name)
    name = f"{resource.address}.{attribute.name}"
    if value is None or (isinstance(value, JScalar) and value.value is None):
        unknown = resource.unknown.get(attribute.name) if resource.unknown else None
        rebuilt = written.rebuild(resource.address, attribute.name) if written else None
        if isinstance(unknown, JScalar) and unknown.value is True and rebuilt is not None:
            return _rebuilt(rebuilt, attribute, name, file)
        if isinstance(unknown, JScalar) and unknown.value is True:
            diags.append(
                Diagnostic(
                    code="tf-unknown-after-apply",
                    level=Level.WARNING,
                    message=f"{name} is known only after apply; answers about it are unknown "
                    "(analyse the applied state, or the policy document itself)",
                    span=resource.anchor.span,
                )
            )
            return _unread(attribute, name, file, resource.anchor.span)
        return []
    kind = attribute.kind
    if kind is None and resource.type == "aws_organizations_policy":
        org_type = resource.values.get("type")
        kind = _ORG_POLICY_KINDS.get(str(org_type.value)) if isinstance(org_type, JScalar) else None
        if kind is None:
            return []
    return _document(
        value, kind, name, attribute.attachment, source, file, diags, attribute.implicit_resource
    )


def _unread(attribute: _Attribute, name: str, file: str, span: Span) -> list[Document]:
    """A policy known only after apply, as a document that says so: no statement read, every
    answer about it unknown (a gate must not pass, nor a diff see a deletion)."""
    kind = attribute.kind or PolicyKind.IDENTITY
    empty = JObject(((JScalar("Statement", span), JArray((), span)),), span)
    parsed = parse_policy_node(empty, kind, name, attribute.implicit_resource)
    if parsed.policy is not None:
        missing = f"{name} is known only after apply"
        parsed.policy = parsed.policy.model_copy(update={"unmodelled": (missing,)})
    return [
        Document(parsed=parsed, kind=kind, file=file, name=name, attachment=attribute.attachment)
    ]


def _rebuilt(rebuilt: Rebuilt, attribute: _Attribute, name: str, file: str) -> list[Document]:
    """The document a data source writes, for a policy known only after apply."""
    kind = attribute.kind or detect_kind(rebuilt.node)
    parsed = parse_policy_node(rebuilt.node, kind, name, attribute.implicit_resource)
    if rebuilt.unmodelled and parsed.policy is not None:
        parsed.policy = parsed.policy.model_copy(update={"unmodelled": rebuilt.unmodelled})
    note = Diagnostic(
        code="tf-rebuilt",
        level=Level.WARNING,
        message=f"{name} is known only after apply; analysed as the document {rebuilt.source} "
        "writes, its values known only after apply taken as template values"
        + (
            " (parts of it are not read: answers about it are unknown)"
            if rebuilt.unmodelled
            else ""
        ),
        span=rebuilt.node.span,
    )
    return [
        Document(
            parsed=parsed,
            kind=kind,
            file=file,
            name=name,
            diagnostics=(note,),
            attachment=attribute.attachment,
        )
    ]


def _inline_policies(
    resource: _Resource, source: str, file: str, diags: list[Diagnostic]
) -> list[Document]:
    blocks = resource.values.get("inline_policy")
    out: list[Document] = []
    for index, block in enumerate(blocks.items if isinstance(blocks, JArray) else ()):
        if not isinstance(block, JObject):
            continue
        label = block.get("name")
        suffix = str(label.value) if isinstance(label, JScalar) and label.value else str(index)
        policy = block.get("policy")
        if policy is None:
            continue
        name = f"{resource.address}.inline_policy[{suffix}]"
        out += _document(policy, PolicyKind.IDENTITY, name, "role", source, file, diags)
    return out


def _document(
    value: JNode,
    kind: PolicyKind | None,
    name: str,
    attachment: str,
    source: str,
    file: str,
    diags: list[Diagnostic],
    implicit_resource: bool = False,
) -> list[Document]:
    if not isinstance(value, JScalar) or not isinstance(value.value, str):
        diags.append(
            Diagnostic(
                code="tf-shape",
                level=Level.ERROR,
                message=f"{name} must be a JSON string",
                span=value.span,
            )
        )
        return []
    if not value.value.strip():
        return []
    try:
        node = parse_embedded(value.value, value.span, source)
    except JsonSyntaxError as exc:
        diags.append(Diagnostic(code="json", level=Level.ERROR, message=exc.message, span=exc.span))
        return []
    policy_kind = kind or detect_kind(node)
    parsed = parse_policy_node(node, policy_kind, name, implicit_resource)
    return [
        Document(
            parsed=parsed,
            kind=policy_kind,
            file=file,
            name=name,
            attachment=attachment,
            source=value.value,
        )
    ]
