"""A file that holds policy documents on their own: the policy itself, or the AWS CLI's output
around one (`aws iam get-role`, `get-role-policy`, `get-policy-version`, `aws s3api
get-bucket-policy`, `aws kms get-key-policy`, ...).

Each CLI output puts the document under its own key, as a JSON object or as a JSON string (the
raw IAM API URL-encodes it); the kind comes from the command (a role's
AssumeRolePolicyDocument is a trust policy, a bucket's policy a resource policy), unless the
user gives one. A document that is nearly a policy (a `statement` key, a `Version` without
statements) is read as one, so its errors are located instead of the file being skipped.
An Organizations export (`aws organizations describe-policy`) says which kind of policy it holds
(SCP or RCP).
"""

from __future__ import annotations

import difflib
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

from policyreason.errors import InputError, JsonSyntaxError
from policyreason.inputs.document import Document
from policyreason.inputs.embedded import parse_embedded
from policyreason.ir.policy import PolicyKind
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar
from policyreason.parse.policy import VERSIONS, detect_kind, parse_policy_node

_STATEMENT = ("statement",)
_ELEMENTS = ("effect", "action", "notaction", "resource", "notresource", "principal")
_ORG_POLICY_KINDS = {
    "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
    "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
}


@dataclass(frozen=True)
class _Found:
    """One policy document inside a file, and what the file says about it."""

    node: JNode  # the document: an object, or a string holding its JSON
    kind: PolicyKind | None  # None: detected from the statements
    attachment: str = "managed"
    label: str = ""  # a name of its own when a file holds several
    implicit_resource: bool = False  # an ECR repository's policy: Resource may be left out


@dataclass(frozen=True)
class _Wrapper:
    """An AWS CLI output: the keys that identify it and the path to its document."""

    command: str
    keys: tuple[str, ...]  # present in the output (the first is the document's path)
    kind: PolicyKind | None
    attachment: str = "managed"
    implicit_resource: bool = False


R = PolicyKind.RESOURCE
# Most specific first: several outputs share a `Policy` key.
_WRAPPERS = (
    _Wrapper("aws iam get-role", ("Role.AssumeRolePolicyDocument",), PolicyKind.TRUST, "role"),
    _Wrapper(
        "aws iam get-role-policy",
        ("PolicyDocument", "RoleName"),
        PolicyKind.IDENTITY,
        "role",
    ),
    _Wrapper(
        "aws iam get-user-policy",
        ("PolicyDocument", "UserName"),
        PolicyKind.IDENTITY,
        "user",
    ),
    _Wrapper(
        "aws iam get-group-policy",
        ("PolicyDocument", "GroupName"),
        PolicyKind.IDENTITY,
        "group",
    ),
    _Wrapper("aws iam get-policy-version", ("PolicyVersion.Document",), None),
    _Wrapper("aws ecr get-repository-policy", ("policyText",), R, implicit_resource=True),
    _Wrapper("aws secretsmanager get-resource-policy", ("ResourcePolicy",), R),
    _Wrapper("aws sqs/sns get-*-attributes", ("Attributes.Policy",), R),
    _Wrapper("aws glacier get-vault-access-policy", ("policy.Policy",), R),
    _Wrapper("aws opensearch describe-domain-config", ("DomainConfig.AccessPolicies.Options",), R),
    _Wrapper("aws opensearch describe-domain", ("DomainStatus.AccessPolicies",), R),
    # s3api get-bucket-policy / get-access-point-policy, kms get-key-policy, lambda get-policy,
    # efs describe-file-system-policy, backup get-backup-vault-access-policy, events
    # describe-event-bus, ...: the document is a JSON string under `Policy`; its statements
    # say whether it is a resource or a trust policy.
    _Wrapper("aws ... get-*-policy", ("Policy",), None),
)


def is_policy(root: JNode) -> bool:
    """True for a policy document, a CLI output wrapping one, or a near miss of either."""
    return isinstance(root, JObject) and (
        bool(list(_documents(root))) or _near_policy(root) or _policy_metadata(root)
    )


def read_policy(
    root: JNode, source: str, file: str, name: str, kind: PolicyKind | None = None
) -> list[Document]:
    """The policies in `root`; the kind is the one given, else the command's, else detected
    from the statements."""
    if not isinstance(root, JObject):
        raise InputError("not-a-policy", "no policy document here (no Statement)", root.span)
    found = list(_documents(root))
    if not found and _near_policy(root):
        found = [_Found(root, None)]
    if not found:
        if _policy_metadata(root):
            raise InputError(
                "no-document",
                "this is `aws iam get-policy` output, which holds no policy document; use "
                "`aws iam get-policy-version --policy-arn ARN --version-id ID`",
                root.span,
            )
        raise InputError("not-a-policy", "no policy document here (no Statement)", root.span)
    out: list[Document] = []
    for item in found:
        node, text = _document_node(item.node, source)
        policy_kind = kind or item.kind or detect_kind(node)
        label = f"{name} {item.label}" if item.label else name
        parsed = parse_policy_node(node, policy_kind, label, item.implicit_resource)
        out.append(
            Document(
                parsed=parsed,
                kind=policy_kind,
                file=file,
                name=label,
                attachment=item.attachment,
                source=text,
            )
        )
    return out


def _documents(root: JObject) -> Iterator[_Found]:
    if root.get("Statement") is not None:
        yield _Found(root, None)
        return
    for wrapper in _WRAPPERS:
        path, *others = wrapper.keys
        node = _at(root, path)
        if node is None or not _is_document(node) or any(root.get(k) is None for k in others):
            continue
        yield _Found(node, wrapper.kind, wrapper.attachment, "", wrapper.implicit_resource)
        return
    organizations = _at(root, "Policy.Content")
    if organizations is not None and _is_document(organizations):
        kind = _ORG_POLICY_KINDS.get(str(_value(root, "Policy.PolicySummary.Type")))
        if kind is not None:
            yield _Found(organizations, kind)
        return
    # aws logs describe-resource-policies: several, each named.
    listed = root.get("resourcePolicies")
    for index, item in enumerate(listed.items if isinstance(listed, JArray) else ()):
        document = item.get("policyDocument") if isinstance(item, JObject) else None
        if isinstance(item, JObject) and document is not None and _is_document(document):
            yield _Found(document, R, label=str(_value(item, "policyName") or index))


def _at(root: JObject, path: str) -> JNode | None:
    node: JNode | None = root
    for part in path.split("."):
        node = node.get(part) if isinstance(node, JObject) else None
    return node


def _value(root: JObject, path: str) -> object:
    node = _at(root, path)
    return node.value if isinstance(node, JScalar) else None


def _is_document(node: JNode) -> bool:
    if isinstance(node, JObject):
        return node.get("Statement") is not None or _near_policy(node)
    if isinstance(node, JScalar) and isinstance(node.value, str):
        text = node.value.lstrip()
        return text.startswith("{") or text[:3].upper() == "%7B"
    return False


def _near_policy(root: JObject) -> bool:
    """A document meant as a policy: a policy Version, or a key spelt nearly `Statement`
    holding what look like statements (so an unrelated `"statements"` list is no policy)."""
    version = root.get("Version")
    if isinstance(version, JScalar) and version.value in VERSIONS:
        return True
    for key, value in root.pairs:
        if _close(str(key.value), _STATEMENT) and any(
            isinstance(item, JObject)
            and any(_close(str(k.value), _ELEMENTS) for k, _ in item.pairs)
            for item in (value.items if isinstance(value, JArray) else (value,))
        ):
            return True
    return False


def _close(text: str, choices: tuple[str, ...]) -> bool:
    return bool(difflib.get_close_matches(text.lower(), choices, n=1, cutoff=0.75))


def _policy_metadata(root: JObject) -> bool:
    policy = root.get("Policy")
    return isinstance(policy, JObject) and policy.get("DefaultVersionId") is not None


def _document_node(node: JNode, source: str) -> tuple[JNode, str]:
    """The document as a tree, and its text as written when it was a string of its own."""
    if not isinstance(node, JScalar):
        return node, source
    text = str(node.value)
    if not text.lstrip().startswith("{"):
        text = urllib.parse.unquote(text)
    try:
        return parse_embedded(text, node.span, source), text
    except JsonSyntaxError as exc:
        raise InputError("json", exc.message, exc.span) from None
