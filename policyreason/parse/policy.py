"""Policy JSON (with positions) into the IR, with located diagnostics for every structural error.

What IAM itself would reject is an error; anything the analysis cannot use makes the policy
unusable (`policy` is None) so no answer is ever given about a document we did not understand.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import (
    OPERATORS,
    Cidr,
    Comparison,
    Condition,
    ConditionValue,
    Effect,
    Family,
    OperatorSpec,
    Policy,
    PolicyKind,
    Principal,
    PrincipalEntry,
    PrincipalType,
    SetQualifier,
    Statement,
)
from policyreason.ir.span import Span
from policyreason.parse.json_spans import (
    JArray,
    JNode,
    JObject,
    JScalar,
    JsonSyntaxError,
    parse_json,
)
from policyreason.parse.pattern import PatternError, parse_pattern

VERSIONS = ("2012-10-17", "2008-10-17")
TOP_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
TRUST_ACTIONS = (
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
    "sts:*",
)


@dataclass
class ParsedPolicy:
    """The result of reading one policy document: the IR (None if unusable) and diagnostics."""

    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    root: JNode | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.ERROR]


def parse_policy_text(
    text: str, file: str = "<input>", kind: PolicyKind | None = None, name: str = ""
) -> ParsedPolicy:
    """Parse a JSON policy document from text."""
    try:
        root = parse_json(text, file)
    except JsonSyntaxError as exc:
        return ParsedPolicy(
            None, [Diagnostic(code="json", level=Level.ERROR, message=exc.message, span=exc.span)]
        )
    return parse_policy_node(root, kind, name)


def parse_policy_node(root: JNode, kind: PolicyKind | None = None, name: str = "") -> ParsedPolicy:
    """Build a Policy from an already-parsed JSON tree (also used for policies embedded in
    CloudFormation or Terraform documents)."""
    builder = _Builder()
    policy = builder.policy(root, kind, name)
    usable = policy if not any(d.level is Level.ERROR for d in builder.diags) else None
    return ParsedPolicy(usable, builder.diags, root)


def detect_kind(root: JNode) -> PolicyKind:
    """Guess the kind: statements with a Principal make a resource policy, or a trust policy
    when every action is an sts:AssumeRole* action; otherwise an identity policy."""
    if not isinstance(root, JObject):
        return PolicyKind.IDENTITY
    stmts = root.get("Statement")
    items = stmts.items if isinstance(stmts, JArray) else (stmts,) if stmts else ()
    with_principal = [
        s for s in items if isinstance(s, JObject) and (s.get("Principal") or s.get("NotPrincipal"))
    ]
    if not with_principal:
        return PolicyKind.IDENTITY
    actions: list[str] = []
    for s in with_principal:
        node = s.get("Action")
        values = node.items if isinstance(node, JArray) else (node,) if node else ()
        actions += [str(v.value).lower() for v in values if isinstance(v, JScalar)]
    if actions and all(a in TRUST_ACTIONS for a in actions):
        return PolicyKind.TRUST
    return PolicyKind.RESOURCE


class _Builder:
    def __init__(self) -> None:
        self.diags: list[Diagnostic] = []
        self.variables = True

    def error(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic(code=code, level=Level.ERROR, message=message, span=span))

    def warn(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic(code=code, level=Level.WARNING, message=message, span=span))

    # -- document ---------------------------------------------------------------------------

    def policy(self, root: JNode, kind: PolicyKind | None, name: str) -> Policy | None:
        if not isinstance(root, JObject):
            self.error("policy-not-object", "a policy document must be a JSON object", root.span)
            return None
        kind = kind or detect_kind(root)
        self._unknown_keys(root, TOP_KEYS, "policy")
        version = self._version(root)
        self.variables = version == "2012-10-17"
        policy_id = self._optional_string(root, "Id")
        node = root.get("Statement")
        if node is None:
            self.error("missing-statement", "the policy has no Statement element", root.span)
            return None
        items = node.items if isinstance(node, JArray) else (node,)
        statements: list[Statement] = []
        for index, item in enumerate(items):
            stmt = self.statement(item, index, kind)
            if stmt is not None:
                statements.append(stmt)
        return Policy(
            kind=kind,
            version=version,
            id=policy_id,
            statements=tuple(statements),
            span=root.span,
            name=name,
        )

    def _version(self, root: JObject) -> str | None:
        node = root.get("Version")
        if node is None:
            return None
        if not isinstance(node, JScalar) or node.value not in VERSIONS:
            self.error("bad-version", 'Version must be "2012-10-17" or "2008-10-17"', node.span)
            return None
        return str(node.value)

    def _unknown_keys(self, obj: JObject, allowed: tuple[str, ...], where: str) -> None:
        seen: set[str] = set()
        for key, _value in obj.pairs:
            text = str(key.value)
            if text not in allowed:
                hint = next((a for a in allowed if a.lower() == text.lower()), None)
                more = f" (did you mean {hint!r}? element names are case-sensitive)" if hint else ""
                self.error("unknown-element", f"unknown {where} element {text!r}{more}", key.span)
            elif text in seen:
                self.error("duplicate-element", f"{text!r} appears twice in one {where}", key.span)
            seen.add(text)

    def _optional_string(self, obj: JObject, key: str) -> str | None:
        node = obj.get(key)
        if node is None:
            return None
        if not isinstance(node, JScalar) or not isinstance(node.value, str):
            self.error("not-a-string", f"{key} must be a string", node.span)
            return None
        return node.value

    # -- statement --------------------------------------------------------------------------

    def statement(self, node: JNode, index: int, kind: PolicyKind) -> Statement | None:
        if not isinstance(node, JObject):
            self.error("statement-not-object", "each statement must be a JSON object", node.span)
            return None
        self._unknown_keys(node, STATEMENT_KEYS, "statement")
        sid = self._optional_string(node, "Sid")
        effect = self._effect(node)
        actions, not_action = self._either(node, "Action", "NotAction", self._action, True)
        resources, not_resource = self._either(
            node, "Resource", "NotResource", self._resource, kind is not PolicyKind.TRUST
        )
        principal, not_principal = self._principal_element(node, kind)
        conditions = self._conditions(node.get("Condition"))
        if effect is None or actions is None:
            return None
        return Statement(
            index=index,
            sid=sid,
            effect=effect,
            principal=principal,
            not_principal=not_principal,
            actions=tuple(actions),
            not_action=not_action,
            resources=None if resources is None else tuple(resources),
            not_resource=not_resource,
            conditions=tuple(conditions),
            span=node.span,
            keys={str(k.value): k.span for k, _ in node.pairs},
        )

    def _effect(self, node: JObject) -> Effect | None:
        eff = node.get("Effect")
        if eff is None:
            self.error("missing-effect", "the statement has no Effect", node.span)
            return None
        if not isinstance(eff, JScalar) or eff.value not in ("Allow", "Deny"):
            self.error("bad-effect", 'Effect must be "Allow" or "Deny" (case-sensitive)', eff.span)
            return None
        return Effect(eff.value)

    def _either(
        self,
        node: JObject,
        positive: str,
        negative: str,
        item: Callable[[JScalar], Pattern | None],
        required: bool,
    ) -> tuple[list[Pattern] | None, bool]:
        pos, neg = node.get(positive), node.get(negative)
        if pos is not None and neg is not None:
            self.error(
                "both-elements", f"a statement cannot have both {positive} and {negative}", neg.span
            )
            return None, False
        chosen, negated = (pos, False) if pos is not None else (neg, True)
        if chosen is None:
            if required:
                self.error(
                    f"missing-{positive.lower()}",
                    f"the statement has neither {positive} nor {negative}",
                    node.span,
                )
            return None, False
        values = self._string_list(chosen, positive if not negated else negative)
        if values is None:
            return None, negated
        # An empty list is valid JSON IAM accepts: Action [] matches nothing, NotAction []
        # everything (the lint suggests removing it).
        patterns = [item(v) for v in values]
        if any(p is None for p in patterns):
            return None, negated
        return [p for p in patterns if p is not None], negated

    def _string_list(self, node: JNode, what: str) -> list[JScalar] | None:
        items = node.items if isinstance(node, JArray) else (node,)
        out: list[JScalar] = []
        for i in items:
            if not isinstance(i, JScalar) or not isinstance(i.value, str):
                self.error("not-a-string", f"{what} values must be strings", i.span)
                return None
            out.append(i)
        return out

    def _action(self, v: JScalar) -> Pattern | None:
        text = str(v.value)
        # A variable is no variable in an action (the lint says so), but its colon is not the
        # service separator either.
        service, sep, name = _VARIABLE_TEXT.sub("variable", text).partition(":")
        if text != "*" and (not sep or not service or not name or ":" in name):
            self.error(
                "malformed-action", f'action {text!r} is not of the form "service:Action"', v.span
            )
            return None
        return parse_pattern(text, variables=False, lower=True).model_copy(update={"span": v.span})

    def _resource(self, v: JScalar) -> Pattern | None:
        text = str(v.value)
        parts = text.split(":", 5)
        # Six segments, or a prefix ending in a wildcard that swallows the rest ("arn:aws:s3*").
        full_arn = len(parts) == 6 and parts[0] in ("arn", "*")
        if text != "*" and not full_arn and not (text.startswith("arn:") and text.endswith("*")):
            if text.startswith("arn:") or parts[0] == "*":
                self.error(
                    "arn-fields",
                    f"resource {text!r} has too few fields for an ARN "
                    "(arn:partition:service:region:account:resource)",
                    v.span,
                )
            else:
                self.error(
                    "arn-prefix", f'resource {text!r} is not an ARN (arn:...) or "*"', v.span
                )
            return None
        return self._pattern(text, v.span, like=True)

    def _pattern(self, text: str, span: Span, like: bool) -> Pattern | None:
        try:
            pattern = parse_pattern(text, variables=self.variables, wildcards=like)
        except PatternError as exc:
            self.error(
                exc.code,
                exc.message,
                span.model_copy(update={"column": span.column + 1 + exc.offset}),
            )
            return None
        return pattern.model_copy(update={"span": span})

    # -- principal --------------------------------------------------------------------------

    def _principal_element(self, node: JObject, kind: PolicyKind) -> tuple[Principal | None, bool]:
        pos, neg = node.get("Principal"), node.get("NotPrincipal")
        if pos is not None and neg is not None:
            self.error(
                "both-elements", "a statement cannot have both Principal and NotPrincipal", neg.span
            )
            return None, False
        chosen, negated = (pos, False) if pos is not None else (neg, True)
        if not kind.has_principal:
            if chosen is not None:
                self.error(
                    "principal-not-allowed",
                    f"a {kind.value} policy cannot have a Principal or NotPrincipal",
                    chosen.span,
                )
            return None, False
        if chosen is None:
            self.error(
                "missing-principal",
                f"a {kind.value} policy statement needs a Principal or NotPrincipal",
                node.span,
            )
            return None, False
        return self._principal(chosen), negated

    def _principal(self, node: JNode) -> Principal | None:
        if isinstance(node, JScalar):
            if node.value == "*":
                return Principal(anyone=True, entries=(), span=node.span)
            self.error(
                "bad-principal",
                'Principal must be "*" or an object such as {"AWS": ...}',
                node.span,
            )
            return None
        if not isinstance(node, JObject):
            self.error("bad-principal", 'Principal must be "*" or an object', node.span)
            return None
        entries: list[PrincipalEntry] = []
        anyone = False
        for key, value in node.pairs:
            try:
                ptype = PrincipalType(str(key.value))
            except ValueError:
                self.error(
                    "bad-principal-type",
                    f"unknown principal type {key.value!r} (AWS, Service, Federated, "
                    "CanonicalUser)",
                    key.span,
                )
                continue
            for v in self._string_list(value, "Principal") or []:
                text = str(v.value)
                if text == "*" and ptype is PrincipalType.AWS:
                    # {"AWS": "*"} means the same as "*" (IAM User Guide, Principal element).
                    anyone = True
                    continue
                if ptype is PrincipalType.AWS and not _valid_aws_principal(text):
                    self.error(
                        "bad-principal",
                        f'AWS principal {text!r} must be an account id, an IAM/STS ARN or "*"',
                        v.span,
                    )
                    continue
                if "*" in text or "?" in text:
                    self.error(
                        "principal-wildcard",
                        f'wildcards are not allowed in principal {text!r}; use "*" '
                        "with a condition on aws:PrincipalArn",
                        v.span,
                    )
                    continue
                entries.append(PrincipalEntry(type=ptype, value=text, span=v.span))
        return Principal(anyone=anyone, entries=tuple(entries), span=node.span)

    # -- conditions -------------------------------------------------------------------------

    def _conditions(self, node: JNode | None) -> list[Condition]:
        if node is None:
            return []
        if not isinstance(node, JObject):
            self.error("bad-condition", "Condition must be an object of operators", node.span)
            return []
        out: list[Condition] = []
        for op_key, block in node.pairs:
            op_text = str(op_key.value)
            parsed = _split_operator(op_text)
            if parsed is None and _is_null_if_exists(op_text):
                self.error(
                    "null-if-exists",
                    f"{op_text}: the Null operator takes no IfExists suffix",
                    op_key.span,
                )
                continue
            if parsed is None:
                self.error(
                    "unknown-operator", f"unknown condition operator {op_text!r}", op_key.span
                )
                continue
            base, if_exists, qualifier = parsed
            spec = OPERATORS[base.lower()]
            if not isinstance(block, JObject):
                self.error(
                    "bad-condition", f"{op_text} must map condition keys to values", block.span
                )
                continue
            for key, values in block.pairs:
                cond = self._condition(op_text, spec, if_exists, qualifier, key, values)
                if cond is not None:
                    out.append(cond)
        return out

    def _condition(
        self,
        op_text: str,
        spec: OperatorSpec,
        if_exists: bool,
        qualifier: SetQualifier | None,
        key: JScalar,
        node: JNode,
    ) -> Condition | None:
        items = node.items if isinstance(node, JArray) else (node,)
        values: list[ConditionValue] = []
        for item in items:
            if not isinstance(item, JScalar) or item.value is None:
                self.error(
                    "bad-condition-value",
                    "condition values must be strings, numbers or booleans",
                    item.span,
                )
                return None
            value = self._typed_value(spec.family, spec.comparison, item)
            if value is None:
                return None
            values.append(value)
        key_text = str(key.value)
        return Condition(
            operator_text=op_text,
            op=spec,
            if_exists=if_exists,
            qualifier=qualifier,
            key_text=key_text,
            key=key_text.lower(),
            values=tuple(values),
            span=key.span,
        )

    def _typed_value(self, family: Family, cmp: Comparison, item: JScalar) -> ConditionValue | None:
        raw = item.value
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        span = item.span
        if family not in (Family.STRING, Family.ARN) and self.variables and "${" in text:
            self.error(
                "variable-for-operator",
                f"{text!r}: policy variables work only with String and ARN operators",
                span,
            )
            return None
        if family in (Family.STRING, Family.ARN):
            pattern = self._pattern(text, span, like=cmp is Comparison.LIKE)
            return (
                None if pattern is None else ConditionValue(text=text, span=span, pattern=pattern)
            )
        if family is Family.NUMERIC:
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                self.error("bad-number", f"{text!r} is not a number", span)
                return None
            # Integers are kept as such; fractions stay in `text` (read exactly with Decimal).
            whole = int(number) if number == number.to_integral_value() else None
            return ConditionValue(text=text, span=span, number=whole)
        if family is Family.DATE:
            epoch = parse_date(text)
            if epoch is None:
                self.error(
                    "bad-date", f"{text!r} is not an ISO 8601 date/time or epoch seconds", span
                )
                return None
            return ConditionValue(text=text, span=span, number=epoch)
        if family in (Family.BOOL, Family.NULL):
            if text.lower() not in ("true", "false"):
                self.error("bad-bool", f'{text!r} must be "true" or "false"', span)
                return None
            return ConditionValue(text=text, span=span, flag=text.lower() == "true")
        if family is Family.IP:
            cidr = parse_cidr(text)
            if cidr is None:
                self.error("bad-cidr", f"{text!r} is not an IPv4/IPv6 address or CIDR", span)
                return None
            return ConditionValue(text=text, span=span, cidr=cidr)
        return ConditionValue(text=text, span=span)


def _is_null_if_exists(text: str) -> bool:
    return text.rpartition(":")[2].lower() == "nullifexists"


def _split_operator(text: str) -> tuple[str, bool, SetQualifier | None] | None:
    qualifier: SetQualifier | None = None
    rest = text
    for q in SetQualifier:
        if rest.lower().startswith(q.value.lower() + ":"):
            qualifier, rest = q, rest[len(q.value) + 1 :]
            break
    if_exists = False
    if rest.lower().endswith("ifexists") and rest.lower() != "ifexists":
        if_exists, rest = True, rest[: -len("IfExists")]
    if rest.lower() not in OPERATORS:
        return None
    if if_exists and rest.lower() == "null":
        return None
    return rest, if_exists, qualifier


_VARIABLE_TEXT = re.compile(r"\$\{[^}]*\}")
# Unique ids of IAM users (AIDA) and roles (AROA): IAM writes them in place of the ARN of a
# principal that was deleted, and accepts them as written.
_UNIQUE_ID = re.compile(r"A(IDA|ROA)[A-Z0-9]{12,}")


def _valid_aws_principal(text: str) -> bool:
    if len(text) == 12 and text.isdigit():
        return True
    if _UNIQUE_ID.fullmatch(text):
        return True
    parts = text.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] in ("iam", "sts")


def parse_date(text: str) -> int | None:
    """ISO 8601 date or date-time (UTC unless an offset is given), or epoch seconds."""
    if text.isdigit():
        return int(text)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def parse_cidr(text: str) -> Cidr | None:
    """An IPv4/IPv6 address or network; host bits are masked as IAM does."""
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return Cidr(version=net.version, address=int(net.network_address), prefix=net.prefixlen)
