"""A file that is one policy document: the policy itself, or the AWS CLI's wrappers around one
(`aws iam get-policy-version`, `aws s3api get-bucket-policy`, `aws organizations describe-policy`
and the like). An Organizations export says which kind of policy it holds (SCP or RCP)."""

from __future__ import annotations

from policyreason.inputs.document import Document, InputError
from policyreason.inputs.embedded import parse_embedded
from policyreason.ir.policy import PolicyKind
from policyreason.parse.json_spans import JNode, JObject, JScalar, JsonSyntaxError
from policyreason.parse.policy import detect_kind, parse_policy_node


def is_policy(root: JNode) -> bool:
    """True for a policy document or a CLI output wrapping one."""
    return _policy_node(root) is not None


def read_policy(
    root: JNode, source: str, file: str, name: str, kind: PolicyKind | None = None
) -> list[Document]:
    """The one policy in `root`; `kind` is detected from the statements unless given."""
    found = _policy_node(root)
    if found is None:
        raise InputError("not-a-policy", "no policy document here (no Statement)", root.span)
    node = found
    text: str | None = source
    if isinstance(found, JScalar):
        text = str(found.value)
        try:
            node = parse_embedded(text, found.span, source)
        except JsonSyntaxError as exc:
            raise InputError("json", exc.message, exc.span) from None
    policy_kind = _organizations_kind(root) or kind or detect_kind(node)
    parsed = parse_policy_node(node, policy_kind, name)
    return [Document(parsed=parsed, kind=policy_kind, file=file, name=name, source=text)]


def _policy_node(root: JNode) -> JNode | None:
    if not isinstance(root, JObject):
        return None
    if root.get("Statement") is not None:
        return root
    version = root.get("PolicyVersion")
    if isinstance(version, JObject) and version.get("Document") is not None:
        return version.get("Document")
    wrapped = root.get("Policy")
    if isinstance(wrapped, JScalar) and str(wrapped.value).lstrip().startswith("{"):
        return wrapped
    content = wrapped.get("Content") if isinstance(wrapped, JObject) else None
    if isinstance(content, JScalar) and str(content.value).lstrip().startswith("{"):
        return content
    return None


_ORGANIZATIONS_TYPES = {
    "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
    "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
}


def _organizations_kind(root: JNode) -> PolicyKind | None:
    """The kind `aws organizations describe-policy` output gives in PolicySummary.Type."""
    wrapped = root.get("Policy") if isinstance(root, JObject) else None
    summary = wrapped.get("PolicySummary") if isinstance(wrapped, JObject) else None
    kind = summary.get("Type") if isinstance(summary, JObject) else None
    return _ORGANIZATIONS_TYPES.get(str(kind.value)) if isinstance(kind, JScalar) else None
