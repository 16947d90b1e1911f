"""`aws iam get-account-authorization-details` exports: every inline policy, trust policy and
customer managed policy (its default version), and per user and role the PolicySet that IAM
evaluates for it: its own and its groups' inline policies, the attached managed policies, and
its permissions boundary; with the facts about the principal that escalation paths turn on
(a user's groups, the customer managed policies that apply to it, its tags).

AWS managed policies are not linted (their text is AWS's, not the user's) but take part in the
principals' policy sets when the export includes them.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

from policyreason.errors import JsonSyntaxError
from policyreason.inputs.document import Document, PrincipalPolicies
from policyreason.inputs.embedded import parse_embedded
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import Policy, PolicyKind, PolicySet
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar
from policyreason.parse.policy import parse_policy_node

_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def is_authorization_details(root: JNode) -> bool:
    """True for the output of `aws iam get-account-authorization-details`."""
    return (
        isinstance(root, JObject)
        and any(isinstance(root.get(k), JArray) for k in _LISTS)
        and root.get("Statement") is None
    )


@dataclass
class _Reader:
    source: str
    file: str
    diags: list[Diagnostic] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    managed: dict[str, JNode] = field(default_factory=dict)  # policy ARN -> default document
    parsed: dict[tuple[str, PolicyKind], Policy | None] = field(default_factory=dict)

    def warn(self, code: str, message: str, node: JNode) -> None:
        self.diags.append(
            Diagnostic(code=code, level=Level.WARNING, message=message, span=node.span)
        )

    def document_node(self, node: JNode) -> JNode | None:
        if not isinstance(node, JScalar):
            return node
        # The raw API returns URL-encoded JSON strings; the CLI decodes them to objects.
        text = urllib.parse.unquote(str(node.value))
        try:
            return parse_embedded(text, node.span, self.source)
        except JsonSyntaxError as exc:
            self.diags.append(
                Diagnostic(code="json", level=Level.ERROR, message=exc.message, span=exc.span)
            )
            return None

    def parse(self, node: JNode, kind: PolicyKind, name: str, attachment: str) -> Policy | None:
        doc = self.document_node(node)
        if doc is None:
            return None
        parsed = parse_policy_node(doc, kind, name)
        self.documents.append(
            Document(parsed=parsed, kind=kind, file=self.file, name=name, attachment=attachment)
        )
        return parsed.policy

    def inline(self, entity: JObject, list_key: str, owner: str, attachment: str) -> list[Policy]:
        out: list[Policy] = []
        for item in _objects(entity.get(list_key)):
            doc = item.get("PolicyDocument")
            if doc is None:
                continue
            name = f"{owner} inline {_text(item.get('PolicyName')) or '?'}"
            policy = self.parse(doc, PolicyKind.IDENTITY, name, attachment)
            if policy is not None:
                out.append(policy)
        return out

    def attached(self, entity: JObject, owner: str, kind: PolicyKind) -> list[Policy]:
        out: list[Policy] = []
        for item in _objects(entity.get("AttachedManagedPolicies")):
            arn = _text(item.get("PolicyArn"))
            policy = self.managed_policy(arn, item, owner, kind)
            if policy is not None:
                out.append(policy)
        return out

    def managed_policy(
        self, arn: str, anchor: JNode, owner: str, kind: PolicyKind
    ) -> Policy | None:
        if (arn, kind) in self.parsed:
            return self.parsed[(arn, kind)]
        node = self.managed.get(arn)
        if node is None:
            self.warn(
                "auth-missing-policy",
                f"{owner}: managed policy {arn} is not in the export; its permissions are "
                "not included",
                anchor,
            )
            return None
        doc = self.document_node(node)
        policy = None if doc is None else parse_policy_node(doc, kind, arn).policy
        self.parsed[(arn, kind)] = policy
        return policy

    def boundary(self, entity: JObject, owner: str) -> tuple[Policy | None, str | None]:
        """The permissions boundary, and its ARN when the export lacks it."""
        node = entity.get("PermissionsBoundary")
        if not isinstance(node, JObject):
            return None, None
        arn = _text(node.get("PermissionsBoundaryArn"))
        if not arn:
            return None, None
        policy = self.managed_policy(arn, node, owner, PolicyKind.BOUNDARY)
        return policy, None if policy is not None else arn


def read_authorization_details(
    root: JNode, source: str, file: str
) -> tuple[list[Document], list[PrincipalPolicies], list[Diagnostic]]:
    """Documents to lint, each user's and role's policy set, and problems with the export."""
    assert isinstance(root, JObject)
    reader = _Reader(source, file)
    for policy in _objects(root.get("Policies")):
        arn = _text(policy.get("Arn"))
        default = _default_version(policy)
        if not arn or default is None:
            continue
        reader.managed[arn] = default
        if ":aws:policy/" not in arn:
            version = _text(policy.get("DefaultVersionId"))
            name = f"policy/{_text(policy.get('PolicyName'))} ({version})"
            reader.parse(default, PolicyKind.IDENTITY, name, "managed")
    groups: dict[str, _Group] = {}
    for group in _objects(root.get("GroupDetailList")):
        owner = f"group/{_text(group.get('GroupName'))}"
        own = reader.inline(group, "GroupPolicyList", owner, "group")
        groups[_text(group.get("GroupName"))] = _Group(
            _text(group.get("Arn")),
            own + reader.attached(group, owner, PolicyKind.IDENTITY),
            _customer_managed(group),
        )
    principals: list[PrincipalPolicies] = []
    for user in _objects(root.get("UserDetailList")):
        owner = f"user/{_text(user.get('UserName'))}"
        identity = reader.inline(user, "UserPolicyList", owner, "user")
        identity += reader.attached(user, owner, PolicyKind.IDENTITY)
        member = [groups[g] for g in _texts(user.get("GroupList")) if g in groups]
        for found in member:
            identity += found.policies
        attached = _customer_managed(user) + [a for g in member for a in g.attached]
        principal = _principal(user, owner, "user", identity, reader.boundary(user, owner))
        principals.append(
            principal.model_copy(
                update={
                    "groups": tuple(g.arn for g in member if g.arn),
                    "attached": tuple(dict.fromkeys(attached)),
                }
            )
        )
    for role in _objects(root.get("RoleDetailList")):
        owner = f"role/{_text(role.get('RoleName'))}"
        trust = role.get("AssumeRolePolicyDocument")
        if trust is not None:
            reader.parse(trust, PolicyKind.TRUST, f"{owner} trust policy", "role")
        identity = reader.inline(role, "RolePolicyList", owner, "role")
        identity += reader.attached(role, owner, PolicyKind.IDENTITY)
        principal = _principal(role, owner, "role", identity, reader.boundary(role, owner))
        principals.append(principal.model_copy(update={"attached": tuple(_customer_managed(role))}))
    return reader.documents, principals, reader.diags


@dataclass(frozen=True)
class _Group:
    arn: str
    policies: list[Policy]
    attached: list[str]  # customer managed policy ARNs


def _principal(
    entity: JObject,
    owner: str,
    ptype: str,
    identity: list[Policy],
    boundary: tuple[Policy | None, str | None],
) -> PrincipalPolicies:
    tags = tuple(
        (_text(t.get("Key")), _text(t.get("Value")))
        for t in _objects(entity.get("Tags"))
        if _text(t.get("Key"))
    )
    return PrincipalPolicies(
        arn=_text(entity.get("Arn")),
        name=owner,
        type=ptype,
        policies=PolicySet(identity=tuple(identity), boundary=boundary[0]),
        span=entity.span,
        tags=tags,
        boundary_missing=boundary[1],
    )


def _customer_managed(entity: JObject) -> list[str]:
    """The customer managed policies attached to a user, group or role (AWS's own, under
    `arn:aws:iam::aws:policy/`, cannot be changed by anyone)."""
    arns = (_text(i.get("PolicyArn")) for i in _objects(entity.get("AttachedManagedPolicies")))
    return [a for a in arns if a and ":iam::aws:policy/" not in a]


def _default_version(policy: JObject) -> JNode | None:
    for version in _objects(policy.get("PolicyVersionList")):
        flag = version.get("IsDefaultVersion")
        if isinstance(flag, JScalar) and flag.value is True:
            return version.get("Document")
    return None


def _objects(node: JNode | None) -> Iterator[JObject]:
    for item in node.items if isinstance(node, JArray) else ():
        if isinstance(item, JObject):
            yield item


def _text(node: JNode | None) -> str:
    return str(node.value) if isinstance(node, JScalar) and node.value is not None else ""


def _texts(node: JNode | None) -> list[str]:
    return [_text(i) for i in node.items] if isinstance(node, JArray) else []
