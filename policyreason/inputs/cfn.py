"""CloudFormation templates (JSON or YAML): every policy document in the template's resources,
found in the properties that hold one, with the intrinsic functions around it evaluated by
`inputs/cfn_intrinsics.py`.

A resource whose Condition is false is not created, so not read. An `!If` on a condition the
deployment decides writes its statement once per branch, guarded by the condition's value
(`inputs/cfn_choices.py`). A parameter whose default is `''` has no usable value in a policy
element (IAM rejects an empty Resource, Principal or Action), so there it is a value the
deployment gives; in a condition it is `''`, as the template's own conditions test it.

What a template value cannot stand for is left *unmodelled*, and the policy says so
(`Policy.unmodelled`), which makes every answer about it unknown: a list of unknown length (a
list parameter without a default, a `!Split` of an unknown text), what a macro (`Fn::Transform`)
writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from policyreason.errors import JsonSyntaxError
from policyreason.inputs.cfn_choices import Guards, guards_of
from policyreason.inputs.cfn_intrinsics import Intrinsics
from policyreason.inputs.document import Document
from policyreason.inputs.embedded import parse_embedded
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import PolicyKind
from policyreason.ir.span import Span
from policyreason.ir.template import OWNER, reference, refs
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar
from policyreason.parse.policy import parse_policy_node


@dataclass(frozen=True)
class _Property:
    name: str
    kind: PolicyKind | None
    attachment: str = "managed"
    implicit_resource: bool = False  # an ECR repository's policy may leave out Resource


# Resource type -> properties holding one policy document.
_POLICY_PROPERTIES: dict[str, tuple[_Property, ...]] = {
    "AWS::IAM::ManagedPolicy": (_Property("PolicyDocument", PolicyKind.IDENTITY),),
    "AWS::IAM::RolePolicy": (_Property("PolicyDocument", PolicyKind.IDENTITY, "role"),),
    "AWS::IAM::UserPolicy": (_Property("PolicyDocument", PolicyKind.IDENTITY, "user"),),
    "AWS::IAM::GroupPolicy": (_Property("PolicyDocument", PolicyKind.IDENTITY, "group"),),
    "AWS::IAM::Role": (_Property("AssumeRolePolicyDocument", PolicyKind.TRUST, "role"),),
    "AWS::S3::BucketPolicy": (_Property("PolicyDocument", PolicyKind.RESOURCE),),
    "AWS::S3::AccessPoint": (_Property("Policy", PolicyKind.RESOURCE),),
    "AWS::SQS::QueuePolicy": (_Property("PolicyDocument", PolicyKind.RESOURCE),),
    "AWS::SNS::TopicPolicy": (_Property("PolicyDocument", PolicyKind.RESOURCE),),
    "AWS::KMS::Key": (_Property("KeyPolicy", PolicyKind.RESOURCE),),
    "AWS::SecretsManager::ResourcePolicy": (_Property("ResourcePolicy", PolicyKind.RESOURCE),),
    "AWS::ECR::Repository": (
        _Property("RepositoryPolicyText", PolicyKind.RESOURCE, implicit_resource=True),
    ),
    "AWS::ECR::PublicRepository": (
        _Property("RepositoryPolicyText", PolicyKind.RESOURCE, implicit_resource=True),
    ),
    "AWS::EFS::FileSystem": (_Property("FileSystemPolicy", PolicyKind.RESOURCE),),
    "AWS::OpenSearchService::Domain": (_Property("AccessPolicies", PolicyKind.RESOURCE),),
    "AWS::Backup::BackupVault": (_Property("AccessPolicy", PolicyKind.RESOURCE),),
    "AWS::EC2::VPCEndpoint": (_Property("PolicyDocument", PolicyKind.ENDPOINT),),
    "AWS::Organizations::Policy": (_Property("Content", None),),
}
# Resource types with a `Policies` list of inline {PolicyName, PolicyDocument}.
_INLINE_LISTS = {"AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group"}
_ORG_POLICY_KINDS = {
    "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
    "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
}
# Statement elements where an empty string is never valid.
_NON_EMPTY_ELEMENTS = (
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
)


def is_template(root: JNode) -> bool:
    """True for a CloudFormation template (a `Resources` object or a format version)."""
    if not isinstance(root, JObject):
        return False
    return (
        isinstance(root.get("Resources"), JObject)
        or root.get("AWSTemplateFormatVersion") is not None
    )


def read_template(
    root: JNode, source: str, file: str, parameters: Mapping[str, str] | None = None
) -> tuple[list[Document], list[Diagnostic]]:
    """Every policy document of the template, and problems with the template itself."""
    assert isinstance(root, JObject)
    template = _Template(root, source, file, parameters or {})
    documents: list[Document] = []
    resources = root.get("Resources")
    if not isinstance(resources, JObject):
        span = resources.span if resources is not None else root.span
        template.error("cfn-shape", "Resources must be an object of resources", span)
        return documents, template.diags
    resources = template.values.expand_loops(resources)
    template.values.resources = resources
    for key, resource in resources.pairs:
        logical_id = str(key.value)
        if not isinstance(resource, JObject):
            template.error("cfn-shape", f"resource {logical_id} must be an object", resource.span)
            continue
        if not template.created(logical_id, resource):
            continue
        documents += template.resource_documents(logical_id, resource)
    return documents, template.diags


class _Template:
    """The policy documents of one template, read resource by resource; the values of its
    intrinsic functions come from `values`."""

    def __init__(self, root: JObject, source: str, file: str, given: Mapping[str, str]) -> None:
        self.source = source
        self.file = file
        self.diags: list[Diagnostic] = []
        self.values = Intrinsics(root, given, self.diags)
        self.guard: Guards = ()  # the condition of the resource being read, if undecided

    def error(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic(code=code, level=Level.ERROR, message=message, span=span))

    # -- resources ---------------------------------------------------------------------------

    def created(self, logical_id: str, resource: JObject) -> bool:
        """False for a resource whose Condition is false with the parameter values at hand.
        A resource whose Condition the deployment decides has its statements guarded by it
        (`guard`, while its documents are read)."""
        node = resource.get("Condition")
        if not isinstance(node, JScalar):
            self.guard = ()
            return True
        decided = self.values.condition(str(node.value), set())
        self.guard = () if decided is not None else ((str(node.value), True),)
        if decided is not False:
            return True
        self.diags.append(
            Diagnostic(
                code="cfn-not-created",
                level=Level.WARNING,
                message=f"{logical_id} is not created with these parameter values (its "
                f"condition {node.value} is false); its policies are not analysed",
                span=node.span,
            )
        )
        return False

    def resource_documents(self, logical_id: str, resource: JObject) -> list[Document]:
        rtype_node = resource.get("Type")
        rtype = str(rtype_node.value) if isinstance(rtype_node, JScalar) else ""
        props = resource.get("Properties")
        if not isinstance(props, JObject):
            return []
        out: list[Document] = []
        for prop in _POLICY_PROPERTIES.get(rtype, ()):
            node = props.get(prop.name)
            if node is None:
                continue
            kind = prop.kind or self._organizations_kind(props)
            if kind is None:
                continue
            out += self._document(
                node, kind, f"{logical_id}.{prop.name}", prop.attachment, prop.implicit_resource
            )
        if rtype == "AWS::IAM::Policy" and (node := props.get("PolicyDocument")) is not None:
            out += self._document(
                node, PolicyKind.IDENTITY, f"{logical_id}.PolicyDocument", self._attachment(props)
            )
        if rtype in _INLINE_LISTS:
            out += self._inline_policies(logical_id, props, _INLINE_LISTS[rtype])
        if rtype == "AWS::IAM::Role":
            out += self._boundary(logical_id, props)
        if rtype == "AWS::Lambda::Permission":
            out += self._lambda_permission(logical_id, props, resource.span)
        return out

    def _organizations_kind(self, props: JObject) -> PolicyKind | None:
        node = props.get("Type")
        value = self.values.resolve(node) if node is not None else None
        self.values.take_warnings()
        return _ORG_POLICY_KINDS.get(str(value.value)) if isinstance(value, JScalar) else None

    def _attachment(self, props: JObject) -> str:
        for key, attachment in (("Roles", "role"), ("Users", "user"), ("Groups", "group")):
            if props.get(key) is not None:
                return attachment
        return "role"

    def _inline_policies(self, logical_id: str, props: JObject, attachment: str) -> list[Document]:
        policies = props.get("Policies")
        if policies is None:
            return []
        resolved = self.values.resolve(policies)
        warnings = self.values.take_warnings()
        if not isinstance(resolved, JArray):
            if resolved is not None:
                self.error("cfn-shape", "Policies must be a list", policies.span)
            return []
        out: list[Document] = []
        for index, item in enumerate(resolved.items):
            if not isinstance(item, JObject) or item.get("PolicyDocument") is None:
                self.error("cfn-shape", "each Policies entry needs a PolicyDocument", item.span)
                continue
            label = item.get("PolicyName")
            suffix = str(label.value) if isinstance(label, JScalar) else str(index)
            doc_node = item.get("PolicyDocument")
            assert doc_node is not None
            name = f"{logical_id}.Policies[{suffix}]"
            out += self._parse(doc_node, PolicyKind.IDENTITY, name, attachment, warnings)
            warnings = ()
        return out

    def _boundary(self, logical_id: str, props: JObject) -> list[Document]:
        # A boundary given as `!Ref` to a managed policy of this template is analysed as one.
        node = props.get("PermissionsBoundary")
        if not (isinstance(node, JObject) and len(node.pairs) == 1 and node.keys() == ["Ref"]):
            return []
        target = node.pairs[0][1]
        if not isinstance(target, JScalar) or not isinstance(self.values.resources, JObject):
            return []
        policy = self.values.resources.get(str(target.value))
        if not isinstance(policy, JObject):
            return []
        rtype = policy.get("Type")
        props_node = policy.get("Properties")
        if not (
            isinstance(rtype, JScalar)
            and rtype.value == "AWS::IAM::ManagedPolicy"
            and isinstance(props_node, JObject)
            and (doc := props_node.get("PolicyDocument")) is not None
        ):
            return []
        name = f"{logical_id}.PermissionsBoundary ({target.value})"
        return self._document(doc, PolicyKind.BOUNDARY, name, "managed")

    def _lambda_permission(self, logical_id: str, props: JObject, span: Span) -> list[Document]:
        values: dict[str, JScalar] = {}
        for key in (
            "Action",
            "Principal",
            "FunctionName",
            "SourceArn",
            "SourceAccount",
            "PrincipalOrgID",
            "FunctionUrlAuthType",
        ):
            node = props.get(key)
            resolved = self.values.resolve(node) if node is not None else None
            if isinstance(resolved, JScalar) and isinstance(resolved.value, str):
                values[key] = resolved
        warnings = self.values.take_warnings()
        if not all(k in values for k in ("Action", "Principal", "FunctionName")):
            self.diags += warnings
            self.diags.append(
                Diagnostic(
                    code="cfn-lambda-permission",
                    level=Level.WARNING,
                    message="Lambda permission without a plain Action, Principal and "
                    "FunctionName; not analysed",
                    span=span,
                )
            )
            return []
        values["Principal"] = self._lambda_principal(values["Principal"])
        values["FunctionName"] = self._lambda_function(values["FunctionName"])
        statement = _lambda_statement(values, props.span)
        doc = JObject(
            (
                (JScalar("Version", span), JScalar("2012-10-17", span)),
                (JScalar("Statement", span), JArray((statement,), props.span)),
            ),
            props.span,
        )
        name = f"{logical_id} (Lambda permission)"
        return self._parse(doc, PolicyKind.RESOURCE, name, "managed", warnings)

    def _lambda_principal(self, principal: JScalar) -> JScalar:
        # An account id, an ARN or a service: a whole template value could be either kind.
        names = refs(str(principal.value))
        if names == [OWNER] or not names or principal.value != reference(names[0]):
            return principal
        return self.values.unresolved(
            "the Principal of a Lambda permission (an account or a service)", principal.span
        )

    def _lambda_function(self, function: JScalar) -> JScalar:
        """The function's ARN: a name (`!Ref` of a function of the template) is made one; an
        ARN (`!GetAtt F.Arn`) kept; a value that may be either is any function."""
        text = str(function.value)
        names = refs(text)
        if not names or text != reference(names[0]) or names[0].endswith(".Arn"):
            return function
        if (
            isinstance(self.values.resources, JObject)
            and self.values.resources.get(names[0]) is not None
        ):
            return self.values.mark(JScalar(f"arn:*:lambda:*:*:function:{text}", function.span))
        return self.values.mark(JScalar("arn:*:lambda:*:*:function:*", function.span))

    # -- documents ---------------------------------------------------------------------------

    def _document(
        self,
        node: JNode,
        kind: PolicyKind,
        name: str,
        attachment: str,
        implicit_resource: bool = False,
    ) -> list[Document]:
        resolved = self.values.resolve(node)
        warnings = self.values.take_warnings()
        if resolved is None:
            # Nothing to analyse (AWS::NoValue): say why.
            self.diags += warnings
            return []
        return self._parse(resolved, kind, name, attachment, warnings, implicit_resource)

    def _parse(
        self,
        node: JNode,
        kind: PolicyKind,
        name: str,
        attachment: str,
        warnings: tuple[Diagnostic, ...],
        implicit_resource: bool = False,
    ) -> list[Document]:
        source: str | None = None
        whole = isinstance(node, JScalar) and id(node) in self.values.fuzzy and _one_reference(node)
        if isinstance(node, JScalar) and whole and not self.values.unmodelled_in(node):
            what = f"the document {node.value}"
            node = self.values.unresolved(what, node.span, "its statements cannot be read")
            warnings += self.values.take_warnings()
        if isinstance(node, JScalar) and self.values.unmodelled_in(node):
            # The whole document is what a macro or the deployment writes: a policy with no
            # statement read, which says what it misses.
            empty = (JScalar("Statement", node.span), JArray((), node.span))
            return self._parse_node(node, JObject((empty,), node.span), kind, name, warnings)
        if isinstance(node, JScalar) and isinstance(node.value, str):
            # A policy given as a JSON string (the `Json` property type).
            source = node.value
            try:
                node = parse_embedded(node.value, node.span, self.source)
            except JsonSyntaxError as exc:
                self.diags += warnings
                self.error("json", exc.message, exc.span)
                return []
        modelled = self._modelled(node)
        warnings += self.values.take_warnings()
        return self._parse_node(
            node, modelled, kind, name, warnings, attachment, source, implicit_resource
        )

    def _parse_node(
        self,
        node: JNode,
        modelled: _Modelled | JNode,
        kind: PolicyKind,
        name: str,
        warnings: tuple[Diagnostic, ...],
        attachment: str = "managed",
        source: str | None = None,
        implicit_resource: bool = False,
    ) -> list[Document]:
        """One document: `modelled` parsed, its statements guarded by the conditions that
        include them, named unmodelled for what `node` holds beyond."""
        if not isinstance(modelled, _Modelled):
            modelled = _Modelled(modelled, [], ())
        parsed = parse_policy_node(modelled.node, kind, name, implicit_resource)
        unmodelled = self.values.unmodelled_in(node) + modelled.unmodelled
        policy = parsed.policy
        if policy is not None and (modelled.guards or self.guard):
            statements = tuple(
                s.model_copy(update={"when": guards_of((*self.guard, *guards), s.span)})
                for s in policy.statements
                for guards in [modelled.guards[s.index] if modelled.guards else ()]
            )
            policy = policy.model_copy(update={"statements": statements})
        if unmodelled and policy is not None:
            policy = policy.model_copy(update={"unmodelled": unmodelled})
        parsed.policy = policy
        return [
            Document(
                parsed=parsed,
                kind=kind,
                file=self.file,
                name=name,
                diagnostics=warnings,
                attachment=attachment,
                source=source,
            )
        ]

    def _modelled(self, node: JNode) -> _Modelled:
        """The document without what a macro adds beside its own keys or a statement's, and
        without the statements that hold placeholders: the policy names those as unmodelled,
        and the rest is still linted. A statement with choices on undecided conditions is
        written out once per branch, with the condition values that select it."""
        if not isinstance(node, JObject):
            return _Modelled(node, [], ())
        node = _without_transform(node)
        statements = node.get("Statement")
        if statements is None:
            return _Modelled(node, [], ())
        kept: list[JNode] = []
        guards: list[Guards] = []
        missing: list[str] = []
        for branch, chosen in self.values.choices.split(statements):
            for item in branch.items if isinstance(branch, JArray) else (branch,):
                # What a macro adds beside a statement's keys is named, not a reason to drop it.
                bare = _without_transform(item) if isinstance(item, JObject) else item
                if self.values.unmodelled_in(bare):
                    continue
                variants = self.values.choices.variants(item, chosen)
                if variants is None:
                    missing.append(
                        f"the statement at line {item.span.line}, which depends on more "
                        "conditions the deployment decides than are analysed"
                    )
                    continue
                kept += [self._statement(v) for v, _g in variants]
                guards += [g for _v, g in variants]
        rest = _replace(node, "Statement", JArray((), statements.span))
        missing += [
            f"a value chosen by condition {c}, which the deployment decides"
            for c in dict.fromkeys(self.values.choices.pending(rest))
        ]
        if isinstance(statements, JArray) or len(kept) != 1 or any(guards):
            written = _replace(node, "Statement", JArray(tuple(kept), statements.span))
        else:
            written = _replace(node, "Statement", kept[0])
        return _Modelled(written, guards if any(guards) else [], tuple(missing))

    def _statement(self, stmt: JNode) -> JNode:
        if not isinstance(stmt, JObject):
            return stmt
        stmt = _without_transform(stmt)
        for key in _NON_EMPTY_ELEMENTS:
            value = stmt.get(key)
            if value is not None:
                stmt = _replace(stmt, key, self._no_empty_default(value))
        return stmt

    def _no_empty_default(self, node: JNode) -> JNode:
        # A '' default in an element where '' is invalid: the deployment gives the value.
        if isinstance(node, JScalar) and id(node) in self.values.empty_defaults:
            return self.values.symbol(self.values.empty_defaults[id(node)], node.span)
        if isinstance(node, JArray):
            return JArray(tuple(self._no_empty_default(i) for i in node.items), node.span)
        if isinstance(node, JObject):
            return JObject(tuple((k, self._no_empty_default(v)) for k, v in node.pairs), node.span)
        return node


def _lambda_statement(values: dict[str, JScalar], span: Span) -> JObject:
    principal = values["Principal"]
    text = str(principal.value)
    principal_node: JNode
    if text == "*":
        principal_node = principal
    else:
        aws = text.isdigit() or text.startswith("arn:") or text == reference(OWNER)
        ptype = "AWS" if aws else "Service"
        principal_node = JObject(((JScalar(ptype, principal.span), principal),), principal.span)
    function = values["FunctionName"]
    if not str(function.value).startswith(("arn:", "${")):
        function = JScalar(f"arn:*:lambda:*:*:function:{function.value}", function.span)
    conditions: list[tuple[JScalar, JNode]] = []
    for key, operator, condition_key in (
        ("SourceArn", "ArnLike", "aws:SourceArn"),
        ("SourceAccount", "StringEquals", "aws:SourceAccount"),
        ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
        ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
    ):
        if key in values:
            value = values[key]
            block = JObject(((JScalar(condition_key, value.span), value),), value.span)
            conditions.append((JScalar(operator, value.span), block))
    pairs: list[tuple[JScalar, JNode]] = [
        (JScalar("Effect", span), JScalar("Allow", span)),
        (JScalar("Principal", principal.span), principal_node),
        (JScalar("Action", values["Action"].span), values["Action"]),
        (JScalar("Resource", function.span), function),
    ]
    if conditions:
        pairs.append((JScalar("Condition", span), JObject(tuple(conditions), span)))
    return JObject(tuple(pairs), span)


@dataclass(frozen=True)
class _Modelled:
    """A document as read: the JSON to parse, the conditions guarding each of its statements
    (by position; empty when none is guarded), and what it leaves out."""

    node: JNode
    guards: list[Guards]
    unmodelled: tuple[str, ...]


def _one_reference(node: JScalar) -> bool:
    names = refs(str(node.value))
    return len(names) == 1 and node.value == reference(names[0])


def _without_transform(obj: JObject) -> JObject:
    return JObject(tuple((k, v) for k, v in obj.pairs if k.value != "Fn::Transform"), obj.span)


def _replace(obj: JObject, key: str, value: JNode) -> JObject:
    return JObject(tuple((k, value if k.value == key else v) for k, v in obj.pairs), obj.span)
