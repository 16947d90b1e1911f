"""CloudFormation templates (JSON or YAML): every policy document in the template's resources, with
intrinsic functions resolved as far as the template itself allows.

Parameters resolve to their defaults (or to values given in the configuration), Mappings and
Conditions are evaluated (a resource whose Condition is false is not created, so not read),
`!Sub`/`!Join`/`!Select`/`!Split`/`!If` are computed, `Fn::ForEach` loops (the
AWS::LanguageExtensions transform) are expanded. What only a deployment knows becomes a template
value (`ir/template.py`), a reference `${Name}` in the policy text that the analysis ranges
over, shared by every place that names it: a parameter without a default
(`${RestrictedPrefixArn}`), a resource's `!Ref` (`${Bucket}`), a `!GetAtt` (`${Bucket.Arn}`), an
`!ImportValue` (`${ImportValue.network-VpcId}`), a pseudo parameter (`${AWS.AccountId}`, the
stack's own account). Any other value that stays unknown but is one string (a `!Select` from an
unknown list) is a template value named after the function and its position. An `!If` on a
condition the deployment decides writes its statement once per branch, guarded by the
condition's value (`inputs/cfn_choices.py`). A parameter whose default is `''` has no usable
value in a policy element (IAM rejects an empty Resource, Principal or Action), so there it is a
value the deployment gives; in a condition it is `''`, as the template's own conditions test it.

What a template value cannot stand for is left *unmodelled*, and the policy says so
(`Policy.unmodelled`), which makes every answer about it unknown: a list of unknown length (a
list parameter without a default, a `!Split` of an unknown text), what a macro (`Fn::Transform`)
writes.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from policyreason.errors import JsonSyntaxError
from policyreason.inputs.cfn_choices import Choices, Guards, guards_of
from policyreason.inputs.document import Document
from policyreason.inputs.embedded import parse_embedded
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import PolicyKind
from policyreason.ir.span import Span
from policyreason.ir.template import OWNER, canonical, label, reference, refs, safe_name
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, to_python
from policyreason.parse.policy import parse_policy_node

PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)


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
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_FOR_EACH = "Fn::ForEach::"
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
    resources = template.expand_loops(resources)
    template.resources = resources
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
    def __init__(self, root: JObject, source: str, file: str, given: Mapping[str, str]) -> None:
        self.root = root
        self.source = source
        self.file = file
        self.given = given
        self.diags: list[Diagnostic] = []
        self.fuzzy: set[int] = set()  # ids of scalars holding template values
        self.unmodelled: dict[str, str] = {}  # placeholder name -> what it stands for
        self.condition_cache: dict[str, bool | None] = {}
        self.resources = root.get("Resources")
        self.pending: list[Diagnostic] = []
        # ids of scalars holding a parameter's '' default -> the parameter
        self.empty_defaults: dict[int, str] = {}
        self.loop_values: set[str] = set()  # identifiers of loops over unknown collections
        self.choices = Choices()
        self.guard: Guards = ()  # the condition of the resource being read, if undecided

    # -- diagnostics -------------------------------------------------------------------------

    def error(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic(code=code, level=Level.ERROR, message=message, span=span))

    def warn(self, code: str, message: str, span: Span) -> None:
        self.pending.append(Diagnostic(code=code, level=Level.WARNING, message=message, span=span))

    def take_warnings(self) -> tuple[Diagnostic, ...]:
        out, self.pending = tuple(self.pending), []
        return out

    # -- resources ---------------------------------------------------------------------------

    def created(self, logical_id: str, resource: JObject) -> bool:
        """False for a resource whose Condition is false with the parameter values at hand.
        A resource whose Condition the deployment decides has its statements guarded by it
        (`guard`, while its documents are read)."""
        node = resource.get("Condition")
        if not isinstance(node, JScalar):
            self.guard = ()
            return True
        decided = self.condition(str(node.value), set())
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

    def expand_loops(self, section: JObject) -> JObject:
        """The section with every `Fn::ForEach::Name: [Identifier, Collection, Fragment]`
        replaced by one copy of the fragment per value of the collection."""
        pairs: list[tuple[JScalar, JNode]] = []
        for key, value in section.pairs:
            if not str(key.value).startswith(_FOR_EACH):
                pairs.append((key, value))
                continue
            for copy in self._loop_copies(str(key.value), value):
                pairs += copy.pairs
        return JObject(tuple(pairs), section.span)

    def _loop_copies(self, name: str, loop: JNode) -> list[JObject]:
        parts = loop.items if isinstance(loop, JArray) else ()
        fragment = parts[2] if len(parts) == 3 else None
        if not (isinstance(fragment, JObject) and isinstance(parts[0], JScalar)):
            self.error(
                "cfn-shape",
                f"{name} must be [Identifier, Collection, {{OutputKey: ...}}]",
                loop.span,
            )
            return []
        identifier = str(parts[0].value)
        collection = self.resolve(parts[1])
        values = collection.items if isinstance(collection, JArray) else ()
        if not isinstance(collection, JArray) or any(
            not isinstance(v, JScalar) or id(v) in self.fuzzy for v in values
        ):
            self.take_warnings()
            self.diags.append(
                Diagnostic(
                    code="cfn-unresolved",
                    level=Level.WARNING,
                    message=f"the collection of {name} is known only at deployment; its "
                    f"fragment is analysed once, for every value of {identifier} (a template "
                    "value)",
                    span=parts[1].span,
                )
            )
            self.loop_values.add(identifier)
            return [self.expand_loops(fragment)]
        self.take_warnings()
        copies = (
            _substitute(fragment, identifier, str(v.value))
            for v in values
            if isinstance(v, JScalar)
        )
        return [self.expand_loops(c) for c in copies if isinstance(c, JObject)]

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
        value = self.resolve(node) if node is not None else None
        self.take_warnings()
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
        resolved = self.resolve(policies)
        warnings = self.take_warnings()
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
        if not isinstance(target, JScalar) or not isinstance(self.resources, JObject):
            return []
        policy = self.resources.get(str(target.value))
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
            resolved = self.resolve(node) if node is not None else None
            if isinstance(resolved, JScalar) and isinstance(resolved.value, str):
                values[key] = resolved
        warnings = self.take_warnings()
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
        return self._unresolved(
            "the Principal of a Lambda permission (an account or a service)", principal.span
        )

    def _lambda_function(self, function: JScalar) -> JScalar:
        """The function's ARN: a name (`!Ref` of a function of the template) is made one; an
        ARN (`!GetAtt F.Arn`) kept; a value that may be either is any function."""
        text = str(function.value)
        names = refs(text)
        if not names or text != reference(names[0]) or names[0].endswith(".Arn"):
            return function
        if isinstance(self.resources, JObject) and self.resources.get(names[0]) is not None:
            return self._fuzzy(JScalar(f"arn:*:lambda:*:*:function:{text}", function.span))
        return self._fuzzy(JScalar("arn:*:lambda:*:*:function:*", function.span))

    # -- documents ---------------------------------------------------------------------------

    def _document(
        self,
        node: JNode,
        kind: PolicyKind,
        name: str,
        attachment: str,
        implicit_resource: bool = False,
    ) -> list[Document]:
        resolved = self.resolve(node)
        warnings = self.take_warnings()
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
        whole = isinstance(node, JScalar) and id(node) in self.fuzzy and _one_reference(node)
        if isinstance(node, JScalar) and whole and not self._unmodelled_in(node):
            what = f"the document {node.value}"
            node = self._unresolved(what, node.span, "its statements cannot be read")
            warnings += self.take_warnings()
        if isinstance(node, JScalar) and self._unmodelled_in(node):
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
        warnings += self.take_warnings()
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
        unmodelled = self._unmodelled_in(node) + modelled.unmodelled
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

    def _unmodelled_in(self, node: JNode) -> tuple[str, ...]:
        """What the placeholders in a resolved document stand for."""
        found = {
            self.unmodelled[name]: None
            for scalar in _scalars(node)
            if isinstance(scalar.value, str)
            for name in refs(scalar.value)
            if name in self.unmodelled
        }
        return tuple(found)

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
        for branch, chosen in self.choices.split(statements):
            for item in branch.items if isinstance(branch, JArray) else (branch,):
                # What a macro adds beside a statement's keys is named, not a reason to drop it.
                bare = _without_transform(item) if isinstance(item, JObject) else item
                if self._unmodelled_in(bare):
                    continue
                variants = self.choices.variants(item, chosen)
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
            for c in dict.fromkeys(self.choices.pending(rest))
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
        if isinstance(node, JScalar) and id(node) in self.empty_defaults:
            return self._symbol(self.empty_defaults[id(node)], node.span)
        if isinstance(node, JArray):
            return JArray(tuple(self._no_empty_default(i) for i in node.items), node.span)
        if isinstance(node, JObject):
            return JObject(tuple((k, self._no_empty_default(v)) for k, v in node.pairs), node.span)
        return node

    # -- intrinsic functions -----------------------------------------------------------------

    def resolve(self, node: JNode) -> JNode | None:
        """The node with intrinsic functions evaluated; None for AWS::NoValue."""
        if isinstance(node, JScalar):
            return node
        if isinstance(node, JArray):
            items = [self.resolve(i) for i in node.items]
            return JArray(tuple(i for i in items if i is not None), node.span)
        if len(node.pairs) == 1:
            key = str(node.pairs[0][0].value)
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, node.pairs[0][1], node.span)
        pairs: list[tuple[JScalar, JNode | None]] = []
        for k, v in node.pairs:
            if k.value == "Fn::Transform":
                # A macro beside other keys adds to the object at deployment.
                pairs.append((k, self._transform(v, k.span)))
                continue
            pairs.append((k, self.resolve(v)))
        return JObject(tuple((k, v) for k, v in pairs if v is not None), node.span)

    def _transform(self, arg: JNode, span: Span) -> JScalar:
        """What a macro writes at deployment: a placeholder that makes the policy holding
        it unmodelled."""
        macro = arg.get("Name") if isinstance(arg, JObject) else None
        what = f"macro {macro.value}" if isinstance(macro, JScalar) else "a macro"
        name = f"Unmodelled.{len(self.unmodelled) + 1}"
        self.unmodelled[name] = f"what Fn::Transform ({what}) at line {span.line} writes"
        self.warn(
            "cfn-transform",
            f"Fn::Transform ({what}) adds content only at deployment; what it adds here is "
            "not analysed, and answers about this policy are unknown",
            span,
        )
        return self._fuzzy(JScalar(reference(name), span))

    def _unresolved(self, what: str, span: Span, why: str = "is not a single value") -> JScalar:
        """A value the deployment gives that no template value can stand for (a list, an
        object): a placeholder that makes the policy unmodelled."""
        name = f"Unmodelled.{len(self.unmodelled) + 1}"
        self.unmodelled[name] = f"{what} at line {span.line} is known only at deployment"
        self.warn(
            "cfn-unmodelled",
            f"{what} is known only at deployment and {why}; answers about this policy are "
            "unknown (give the value in the configuration)",
            span,
        )
        return self._fuzzy(JScalar(reference(name), span))

    def _symbol(self, name: str, span: Span) -> JScalar:
        """The template value `name` (a fixed string the deployment gives), unless the
        configuration gives its value (`SiteBucket.Arn = "arn:aws:s3:::site"`)."""
        name = safe_name(name)
        if label(name) in self.given:
            return JScalar(self.given[label(name)], span)
        return self._fuzzy(JScalar(reference(name), span))

    def _value(self, what: str, span: Span) -> JScalar:
        """One string the deployment gives, named after the function and its position."""
        return self._symbol(f"{what}@{span.line}.{span.column}", span)

    def _fuzzy(self, scalar: JScalar) -> JScalar:
        self.fuzzy.add(id(scalar))
        return scalar

    def _intrinsic(self, name: str, arg: JNode, span: Span) -> JNode | None:
        if name == "Ref":
            return self._ref(arg, span)
        if name == "Fn::Sub":
            return self._sub(arg, span)
        if name == "Fn::Join":
            return self._join(arg, span)
        if name == "Fn::If":
            return self._if(arg, span)
        if name == "Fn::Select":
            return self._select(arg, span)
        if name == "Fn::Split":
            return self._split(arg, span)
        if name == "Fn::FindInMap":
            return self._find_in_map(arg, span)
        if name == "Fn::Transform":
            return self._transform(arg, span)
        if name == "Fn::GetAtt":
            return self._get_att(arg, span)
        if name == "Fn::ImportValue":
            value = self.resolve(arg)
            if isinstance(value, JScalar):
                return self._symbol(f"ImportValue.{value.value}", span)
        if name == "Fn::Base64":
            value = self.resolve(arg)
            if isinstance(value, JScalar) and id(value) not in self.fuzzy:
                encoded = base64.b64encode(str(value.value).encode()).decode()
                return JScalar(encoded, span)
            if isinstance(value, JScalar):
                return self._value("Fn.Base64", span)
        return self._unresolved(f"{name} {_short(arg)}", span)

    def _get_att(self, arg: JNode, span: Span) -> JNode:
        if isinstance(arg, JScalar) and "." in str(arg.value):
            return self._symbol(str(arg.value), span)
        items = arg.items if isinstance(arg, JArray) else ()
        parts = [self.resolve(i) for i in items]
        names = [str(p.value) for p in parts if isinstance(p, JScalar) and id(p) not in self.fuzzy]
        if len(names) == 2 == len(parts):
            return self._symbol(".".join(names), span)
        return self._unresolved(f"Fn::GetAtt {_short(arg)}", span)

    def _ref(self, arg: JNode, span: Span) -> JNode | None:
        if not isinstance(arg, JScalar):
            return self._unresolved(f"Ref {_short(arg)}", span)
        name = str(arg.value)
        if name == "AWS::NoValue":
            return None
        if name in self.given:
            return JScalar(self.given[name], span)
        default = self._parameter_default(name)
        if default is not None:
            value = _relocate(default, span)
            if isinstance(value, JScalar) and value.value == "":
                self.empty_defaults[id(value)] = name
            return value
        if name == "AWS::NotificationARNs" or self._is_list_parameter(name):
            return self._unresolved(f"Ref {name} (a list)", span)
        if name in PSEUDO_PARAMETERS or self._is_parameter(name):
            return self._symbol(canonical("${" + name + "}")[2:-1], span)
        if name in self.loop_values or (
            isinstance(self.resources, JObject) and self.resources.get(name) is not None
        ):
            return self._symbol(name, span)
        self.warn(
            "cfn-unresolved",
            f"Ref {name} names no parameter or resource of this template; analysed as a value "
            "the deployment gives",
            span,
        )
        return self._symbol(name, span)

    def _parameter(self, name: str) -> JObject | None:
        params = self.root.get("Parameters")
        param = params.get(name) if isinstance(params, JObject) else None
        return param if isinstance(param, JObject) else None

    def _is_parameter(self, name: str) -> bool:
        return self._parameter(name) is not None

    def _is_list_parameter(self, name: str) -> bool:
        param = self._parameter(name)
        ptype = param.get("Type") if param is not None else None
        return isinstance(ptype, JScalar) and _is_list_type(str(ptype.value))

    def _parameter_default(self, name: str) -> JNode | None:
        params = self.root.get("Parameters")
        param = params.get(name) if isinstance(params, JObject) else None
        if not isinstance(param, JObject):
            return None
        default = param.get("Default")
        if not isinstance(default, JScalar):
            return default
        ptype = param.get("Type")
        if isinstance(ptype, JScalar) and _is_list_type(str(ptype.value)):
            parts = [p.strip() for p in str(default.value).split(",")]
            return JArray(tuple(JScalar(p, default.span) for p in parts), default.span)
        value = default.value
        return JScalar(str(value) if not isinstance(value, str) else value, default.span)

    def _sub(self, arg: JNode, span: Span) -> JNode:
        variables: dict[str, JNode | None] = {}
        template = arg
        if isinstance(arg, JArray) and len(arg.items) == 2 and isinstance(arg.items[1], JObject):
            template = arg.items[0]
            variables = {str(k.value): self.resolve(v) for k, v in arg.items[1].pairs}
        if not isinstance(template, JScalar) or not isinstance(template.value, str):
            return self._unresolved(f"Fn::Sub {_short(arg)}", span)
        fuzzy = False
        pieces: list[str] = []
        position = 0
        text = template.value
        for match in _SUB_VARIABLE.finditer(text):
            pieces.append(text[position : match.start()])
            position = match.end()
            inner = match.group(1)
            if inner.startswith("!"):
                pieces.append("${" + inner[1:] + "}")
                continue
            value = self._sub_variable(inner, variables, span)
            fuzzy = fuzzy or id(value) in self.fuzzy
            pieces.append(str(value.value))
        pieces.append(text[position:])
        result = JScalar("".join(pieces), span)
        return self._fuzzy(result) if fuzzy else result

    def _sub_variable(self, inner: str, variables: dict[str, JNode | None], span: Span) -> JScalar:
        if inner in variables:
            value = variables[inner]
        elif "." in inner and not inner.startswith("AWS::"):
            return self._symbol(inner, span)
        else:
            value = self._ref(JScalar(inner, span), span)
        if isinstance(value, JScalar):
            return value
        return self._unresolved(f"${{{inner}}} (not a single value)", span)

    def _join(self, arg: JNode, span: Span) -> JNode:
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return self._unresolved(f"Fn::Join {_short(arg)}", span)
        delimiter = self.resolve(arg.items[0])
        values = self.resolve(arg.items[1])
        if not isinstance(delimiter, JScalar) or not isinstance(values, JArray):
            return self._unresolved(f"Fn::Join {_short(arg)}", span)
        if not all(isinstance(v, JScalar) for v in values.items):
            return self._unresolved(f"Fn::Join {_short(arg)}", span)
        fuzzy = any(id(v) in self.fuzzy for v in values.items)
        joined = str(delimiter.value).join(
            str(v.value) for v in values.items if isinstance(v, JScalar)
        )
        result = JScalar(joined, span)
        return self._fuzzy(result) if fuzzy else result

    def _select(self, arg: JNode, span: Span) -> JNode | None:
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return self._unresolved(f"Fn::Select {_short(arg)}", span)
        index = self.resolve(arg.items[0])
        values = self.resolve(arg.items[1])
        try:
            position = int(str(index.value)) if isinstance(index, JScalar) else -1
        except ValueError:
            position = -1
        if isinstance(values, JArray) and 0 <= position < len(values.items):
            return values.items[position]
        if isinstance(index, JScalar) and (isinstance(values, JArray) or self._placeholder(values)):
            # One element of a list the deployment gives (or of unknown position).
            return self._value("Fn.Select", span)
        return self._unresolved(f"Fn::Select {_short(arg)}", span)

    def _placeholder(self, node: JNode | None) -> bool:
        return isinstance(node, JScalar) and any(
            n in self.unmodelled for n in refs(str(node.value))
        )

    def _split(self, arg: JNode, span: Span) -> JNode:
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return self._unresolved(f"Fn::Split {_short(arg)}", span)
        delimiter = self.resolve(arg.items[0])
        value = self.resolve(arg.items[1])
        if not isinstance(delimiter, JScalar) or not isinstance(value, JScalar):
            return self._unresolved(f"Fn::Split {_short(arg)}", span)
        if id(value) in self.fuzzy:
            # How many pieces a text with template values splits into is not known.
            return self._unresolved(f"Fn::Split {_short(arg)}", span)
        parts = [JScalar(p, span) for p in str(value.value).split(str(delimiter.value))]
        return JArray(tuple(parts), span)

    def _find_in_map(self, arg: JNode, span: Span) -> JNode:
        if not (isinstance(arg, JArray) and len(arg.items) >= 3):
            return self._unresolved(f"Fn::FindInMap {_short(arg)}", span)
        keys = [self.resolve(i) for i in arg.items[:3]]
        mappings = self.root.get("Mappings")
        found: JNode | None = mappings
        for key in keys:
            if not isinstance(key, JScalar) or id(key) in self.fuzzy:
                found = None
                break
            found = found.get(str(key.value)) if isinstance(found, JObject) else None
        if found is not None:
            return _relocate(found, span)
        if all(isinstance(k, JScalar) for k in keys) and self._map_scalars(keys):
            return self._value("Fn.FindInMap", span)
        return self._unresolved(f"Fn::FindInMap {_short(arg)}", span)

    def _map_scalars(self, keys: list[JNode | None]) -> bool:
        """Every value the map lookup could give (keys with template values range over the
        whole level) is one string."""
        level: list[JNode] = [self.root.get("Mappings") or JObject((), self.root.span)]
        for key in keys:
            nxt: list[JNode] = []
            for node in level:
                if not isinstance(node, JObject):
                    return False
                if isinstance(key, JScalar) and id(key) not in self.fuzzy:
                    found = node.get(str(key.value))
                    nxt += [found] if found is not None else []
                else:
                    nxt += [v for _k, v in node.pairs]
            level = nxt
        return bool(level) and all(isinstance(v, JScalar) for v in level)

    def _if(self, arg: JNode, span: Span) -> JNode | None:
        if not (isinstance(arg, JArray) and len(arg.items) == 3):
            return self._unresolved(f"Fn::If {_short(arg)}", span)
        name_node, when_true, when_false = arg.items
        name = str(name_node.value) if isinstance(name_node, JScalar) else ""
        decided = self.condition(name, set())
        if decided is True:
            return self.resolve(when_true)
        if decided is False:
            return self.resolve(when_false)
        first, second = self.resolve(when_true), self.resolve(when_false)
        if (
            isinstance(first, JScalar)
            and isinstance(second, JScalar)
            and first.value == second.value
        ):
            return first
        return self._fuzzy_node(self.choices.choose(name, first, second, span))

    def _fuzzy_node(self, node: JNode) -> JNode:
        return self._fuzzy(node) if isinstance(node, JScalar) else node

    def condition(self, name: str, seen: set[str]) -> bool | None:
        """The value of a template condition, or None when it depends on the deployment."""
        if name in self.condition_cache:
            return self.condition_cache[name]
        conditions = self.root.get("Conditions")
        node = conditions.get(name) if isinstance(conditions, JObject) else None
        if node is None or name in seen:
            return None
        value = self._evaluate(node, seen | {name})
        self.condition_cache[name] = value
        return value

    def _evaluate(self, node: JNode, seen: set[str]) -> bool | None:
        if not (isinstance(node, JObject) and len(node.pairs) == 1):
            return None
        key, arg = str(node.pairs[0][0].value), node.pairs[0][1]
        if key == "Condition" and isinstance(arg, JScalar):
            return self.condition(str(arg.value), seen)
        if not isinstance(arg, JArray):
            return None
        if key == "Fn::Equals" and len(arg.items) == 2:
            saved = self.pending
            left, right = self.resolve(arg.items[0]), self.resolve(arg.items[1])
            self.pending = saved
            if not (isinstance(left, JScalar) and isinstance(right, JScalar)):
                return None
            if id(left) in self.fuzzy or id(right) in self.fuzzy:
                return None
            return str(left.value) == str(right.value)
        values = [self._evaluate(i, seen) for i in arg.items]
        if key == "Fn::Not" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if key == "Fn::And":
            return False if False in values else None if None in values else True
        if key == "Fn::Or":
            return True if True in values else None if None in values else False
        return None


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


def _substitute(node: JNode, identifier: str, value: str) -> JNode:
    """One copy of a loop fragment for one value: `${Id}` and `&{Id}` in keys and `Fn::Sub`
    strings, and `Ref: Id`, become the value (`&{}` keeps only its letters and digits)."""
    plain = "${" + identifier + "}"
    alphanumeric = "&{" + identifier + "}"
    short = "".join(c for c in value if c.isalnum())

    def text(raw: str) -> str:
        return raw.replace(plain, value).replace(alphanumeric, short)

    def walk(node: JNode, in_sub: bool) -> JNode:
        if isinstance(node, JScalar):
            if in_sub and isinstance(node.value, str):
                return JScalar(text(node.value), node.span)
            return node
        if isinstance(node, JArray):
            return JArray(tuple(walk(i, in_sub) for i in node.items), node.span)
        if len(node.pairs) == 1:
            key, arg = node.pairs[0]
            if key.value == "Ref" and isinstance(arg, JScalar) and arg.value == identifier:
                return JScalar(value, node.span)
            if key.value == "Fn::Sub":
                return JObject(((key, walk(arg, True)),), node.span)
        pairs = tuple((JScalar(text(str(k.value)), k.span), walk(v, in_sub)) for k, v in node.pairs)
        return JObject(pairs, node.span)

    return walk(node, False)


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


def _is_list_type(ptype: str) -> bool:
    return ptype == "CommaDelimitedList" or ptype.startswith("List<")


def _replace(obj: JObject, key: str, value: JNode) -> JObject:
    return JObject(tuple((k, value if k.value == key else v) for k, v in obj.pairs), obj.span)


def _scalars(node: JNode) -> Iterator[JScalar]:
    if isinstance(node, JScalar):
        yield node
    elif isinstance(node, JArray):
        for item in node.items:
            yield from _scalars(item)
    else:
        for _key, value in node.pairs:
            yield from _scalars(value)


def _relocate(node: JNode, span: Span) -> JNode:
    # A value copied from Parameters or Mappings is reported where it is used.
    if isinstance(node, JScalar):
        return JScalar(node.value, span)
    if isinstance(node, JArray):
        return JArray(tuple(_relocate(i, span) for i in node.items), span)
    return JObject(tuple((k, _relocate(v, span)) for k, v in node.pairs), span)


def _short(node: JNode) -> str:
    text = json.dumps(to_python(node), separators=(",", ":"))
    return text if len(text) <= 60 else text[:57] + "..."
