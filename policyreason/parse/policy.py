"""Policy JSON (with positions) into the IR, with located diagnostics for every structural error.

What IAM itself would reject is an error; anything the analysis cannot use makes the policy
unusable (`policy` is None) so no answer is ever given about a document we did not understand.
Reading goes on after an error, so every error of a document is reported at once, and the
statements that are well-formed are kept apart (`partial`) for the lint to check.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from policyreason.errors import JsonSyntaxError, PatternError
from policyreason.ir.cidr import parse_cidr
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import (
    OPERATORS,
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
from policyreason.ir.template import canonical, has_refs, pieces, refs
from policyreason.ir.values import parse_date
from policyreason.parse.built import built, located
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, parse_json
from policyreason.parse.pattern import parse_pattern

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
# No AWS policy holds this many statements: the largest size quota (32,768 characters, KMS key
# policies) fits about 700 of the smallest statement. Larger documents are refused before
# analysis, whose cost grows with the square of the statement count.
MAX_STATEMENTS = 1_000
# Services whose resource policies leave out the Resource element: the policy applies to the
# resource it is attached to (ECR repository policies, as AWS documents them).
IMPLICIT_RESOURCE_SERVICES = ("ecr", "ecr-public")
# What a statement read from a document leaves at its default: it is in the policy as written.
_WRITTEN = frozenset({"when"})
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
    """The result of reading one policy document: the IR (None if unusable) and diagnostics.

    `partial` holds the well-formed statements of a document with errors (None when there is
    none, or the document itself is malformed): enough for the lint, never for an answer.
    """

    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    root: JNode | None = None
    partial: Policy | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level is Level.ERROR]

    @property
    def checkable(self) -> Policy | None:
        """What the lint may check: the policy, else its well-formed statements."""
        return self.policy if self.policy is not None else self.partial


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


def parse_policy_node(
    root: JNode,
    kind: PolicyKind | None = None,
    name: str = "",
    implicit_resource: bool = False,
) -> ParsedPolicy:
    """Build a Policy from an already-parsed JSON tree (also used for policies embedded in
    CloudFormation or Terraform documents). `implicit_resource`: the policy is attached to
    a resource whose policies may leave out the Resource element (an ECR repository)."""
    builder = _Builder(implicit_resource)
    policy = builder.policy(root, kind, name)
    if policy is None:
        return ParsedPolicy(None, builder.diags, root)
    if not builder.errors:
        return ParsedPolicy(policy, builder.diags, root, policy)
    kept = tuple(s for s in policy.statements if s.index not in builder.malformed)
    partial = policy.model_copy(update={"statements": kept}) if kept else None
    return ParsedPolicy(None, builder.diags, root, partial)


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
    def __init__(self, implicit_resource: bool = False) -> None:
        self.diags: list[Diagnostic] = []
        self.variables = True
        self.implicit_resource = implicit_resource
        self.errors = 0
        self.malformed: set[int] = set()  # indexes of statements with an error

    def error(self, code: str, message: str, span: Span) -> None:
        self.errors += 1
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
            # A misspelt "statement" (already an error) is read all the same, so its own
            # errors show up now rather than after the first fix.
            near = _near_key(root, "Statement", TOP_KEYS)
            if near is None:
                self.error("missing-statement", "the policy has no Statement element", root.span)
            for index, item in enumerate(_items(near)):
                self.statement(item, index, kind)
            return None
        items = _items(node)
        if len(items) > MAX_STATEMENTS:
            self.error(
                "too-many-statements",
                f"the policy has {len(items):,} statements; no AWS policy can hold more than "
                f"{MAX_STATEMENTS:,} (the largest size quota, 32,768 characters, fits about "
                "700), so it is not analysed",
                node.span,
            )
            return None
        statements: list[Statement] = []
        for index, item in enumerate(items):
            before = self.errors
            stmt = self.statement(item, index, kind)
            if stmt is not None:
                statements.append(stmt)
            if stmt is None or self.errors > before:
                self.malformed.add(index)
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
                self.error(
                    "unknown-element",
                    f"unknown {where} element {text!r}{_did_you_mean(text, allowed)}",
                    key.span,
                )
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
        return built(
            Statement,
            {
                "index": index,
                "sid": sid,
                "effect": effect,
                "principal": principal,
                "not_principal": not_principal,
                "actions": tuple(actions),
                "not_action": not_action,
                "resources": None if resources is None else tuple(resources),
                "not_resource": not_resource,
                "conditions": tuple(conditions),
                "span": node.span,
                "keys": {str(k.value): k.span for k, _ in node.pairs},
                "when": (),
            },
            _WRITTEN,
        )

    def _effect(self, node: JObject) -> Effect | None:
        eff = node.get("Effect")
        if eff is None:
            if not _misspelt(node, "Effect"):
                self.error("missing-effect", "the statement has no Effect", node.span)
            return None
        if not isinstance(eff, JScalar) or eff.value not in ("Allow", "Deny"):
            hint = (
                _did_you_mean(str(eff.value), ("Allow", "Deny")) if isinstance(eff, JScalar) else ""
            )
            self.error(
                "bad-effect", f'Effect must be "Allow" or "Deny" (case-sensitive){hint}', eff.span
            )
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
            implied = positive == "Resource" and self._resource_implied(node)
            if required and not implied and not _misspelt(node, positive, negative):
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

    def _resource_implied(self, node: JObject) -> bool:
        """True when the statement may leave out Resource: the reader knows the policy is an
        ECR repository's, or every action of the statement is an ECR action."""
        if self.implicit_resource:
            return True
        values = _items(node.get("Action"))
        return bool(values) and all(
            isinstance(v, JScalar)
            and isinstance(v.value, str)
            and v.value.partition(":")[0].lower() in IMPLICIT_RESOURCE_SERVICES
            for v in values
        )

    def _string_list(self, node: JNode, what: str) -> list[JScalar] | None:
        out: list[JScalar] = []
        ok = True
        for i in _items(node):
            if not isinstance(i, JScalar) or not isinstance(i.value, str):
                self.error("not-a-string", f"{what} values must be strings", i.span)
                ok = False
                continue
            out.append(i)
        return out if ok else None

    def _action(self, v: JScalar) -> Pattern | None:
        text = str(v.value)
        pattern = _action_pattern(text)
        if pattern is None:
            self.error(
                "malformed-action", f'action {text!r} is not of the form "service:Action"', v.span
            )
            return None
        return located(pattern, v.span)

    def _resource(self, v: JScalar) -> Pattern | None:
        text = str(v.value)
        shape = _resource_shape(text)
        if shape == "arn-fields":
            self.error(
                "arn-fields",
                f"resource {text!r} has too few fields for an ARN "
                "(arn:partition:service:region:account:resource)",
                v.span,
            )
            return None
        if shape == "arn-prefix":
            self.error("arn-prefix", f'resource {text!r} is not an ARN (arn:...) or "*"', v.span)
            return None
        if shape == "arn" and self.variables and "${" in text[: _fifth_colon(text)]:
            # "You can't use a variable to replace parts of the ARN before the fifth colon"
            # (IAM User Guide, policy variables): the text is literal and names no resource.
            self.warn(
                "variable-before-resource",
                f"resource {text!r} has a policy variable before the fifth colon; AWS "
                "substitutes variables only in the resource part, so this matches no resource",
                v.span,
            )
            self.variables = False
            try:
                return self._pattern(text, v.span, like=True)
            finally:
                self.variables = True
        return self._pattern(text, v.span, like=True)

    def _pattern(self, text: str, span: Span, like: bool) -> Pattern | None:
        try:
            pattern = parse_pattern(text, variables=self.variables, wildcards=like)
        except PatternError as exc:
            self.error(
                exc.code,
                exc.message,
                span._replace(column=span.column + 1 + exc.offset),
            )
            return None
        return located(pattern, span)

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
            if _misspelt(node, "Principal", "NotPrincipal"):
                return None, False
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
                types = tuple(t.value for t in PrincipalType)
                hint = _did_you_mean(str(key.value), types)
                self.error(
                    "bad-principal-type",
                    f"unknown principal type {key.value!r}{hint or ' (' + ', '.join(types) + ')'}",
                    key.span,
                )
                continue
            for v in self._string_list(value, "Principal") or []:
                text = canonical(str(v.value))
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
                    "unknown-operator",
                    f"unknown condition operator {op_text!r}{_operator_hint(op_text)}",
                    op_key.span,
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
        values: list[ConditionValue] = []
        ok = True
        for item in _items(node):
            if not isinstance(item, JScalar) or item.value is None:
                self.error(
                    "bad-condition-value",
                    "condition values must be strings, numbers or booleans",
                    item.span,
                )
                ok = False
                continue
            value = self._typed_value(spec.family, spec.comparison, item)
            if value is None:
                ok = False
                continue
            values.append(value)
        if not ok:
            return None
        key_text = str(key.value)
        return built(
            Condition,
            {
                "operator_text": op_text,
                "op": spec,
                "if_exists": if_exists,
                "qualifier": qualifier,
                "key_text": key_text,
                "key": key_text.lower(),
                "values": tuple(values),
                "span": key.span,
            },
        )

    def _typed_value(self, family: Family, cmp: Comparison, item: JScalar) -> ConditionValue | None:
        raw = item.value
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        span = item.span
        # Template values are filled in before AWS reads the policy; what is left of `${`
        # is a policy variable.
        if (
            family not in (Family.STRING, Family.ARN)
            and self.variables
            and "${" in _placeheld(text)
        ):
            self.error(
                "variable-for-operator",
                f"{text!r}: policy variables work only with String and ARN operators",
                span,
            )
            return None
        if family in (Family.STRING, Family.ARN) or has_refs(canonical(text)):
            # A typed value a template fills in is read once its value is known.
            pattern = self._pattern(text, span, like=cmp is Comparison.LIKE)
            return None if pattern is None else _value(text, span, "pattern", pattern)
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
            return _value(text, span, "number", whole)
        if family is Family.DATE:
            epoch = parse_date(text)
            if epoch is None:
                self.error(
                    "bad-date", f"{text!r} is not an ISO 8601 date/time or epoch seconds", span
                )
                return None
            return _value(text, span, "number", epoch)
        if family in (Family.BOOL, Family.NULL):
            if text.lower() not in ("true", "false"):
                self.error("bad-bool", f'{text!r} must be "true" or "false"', span)
                return None
            return _value(text, span, "flag", text.lower() == "true")
        if family is Family.IP:
            cidr = parse_cidr(text)
            if cidr is None:
                self.error("bad-cidr", f"{text!r} is not an IPv4/IPv6 address or CIDR", span)
                return None
            return _value(text, span, "cidr", cidr)
        return _value(text, span)


# The typed fields a condition value leaves at their defaults, by the one it sets (None: none).
_TYPED = ("pattern", "number", "flag", "cidr")
_UNSET = {field: frozenset(_TYPED) - {field} for field in (*_TYPED, None)}


def _value(
    text: str, span: Span, field: str | None = None, reading: object = None
) -> ConditionValue:
    """ConditionValue(text=text, span=span, **{field: reading}), of a value the reader has
    checked: the one typed reading its operator's family gives (`field` None: none)."""
    fields: dict[str, object] = dict.fromkeys(("text", "span", *_TYPED))
    fields.update(text=text, span=span)
    if field is not None:
        fields[field] = reading
    return built(ConditionValue, fields, _UNSET[field])


def _items(node: JNode | None) -> tuple[JNode, ...]:
    """An element's values: the items of an array, or the one value given alone."""
    if node is None:
        return ()
    return node.items if isinstance(node, JArray) else (node,)


def _near_key(obj: JObject, key: str, known: tuple[str, ...]) -> JNode | None:
    """The value of a key that is none of the `known` ones but is spelt like `key`
    ("statement", "Statements")."""
    for k, value in obj.pairs:
        if str(k.value) not in known and _closest(str(k.value), (key,)) is not None:
            return value
    return None


def _misspelt(statement: JObject, *elements: str) -> bool:
    """True when the statement has one of `elements` under a misspelt key (already an
    error, which says what was meant): no second error says the element is missing."""
    return any(_near_key(statement, e, STATEMENT_KEYS) is not None for e in elements)


def _closest(text: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The choice `text` most likely meant: the same name in another case, else a close one."""
    same_case = [c for c in choices if c.lower() == text.lower()]
    if same_case:
        return same_case[0]
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def _did_you_mean(text: str, choices: tuple[str, ...] | list[str]) -> str:
    """` (did you mean 'X'?)` for the choice closest to `text`, or "" if none is close."""
    close = _closest(text, choices)
    if close is None:
        return ""
    if close.lower() == text.lower():
        return f" (did you mean {close!r}? names are case-sensitive)"
    return f" (did you mean {close!r}?)"


def _operator_hint(text: str) -> str:
    # The suggestion keeps what was right around the misspelt operator: the set qualifier
    # and IfExists.
    prefix, _, base = text.rpartition(":")
    if_exists = base.lower().endswith("ifexists") and base.lower() != "ifexists"
    core = base[: -len("IfExists")] if if_exists else base
    close = _closest(core, [spec.name for spec in OPERATORS.values()])
    if close is None:
        return ""
    written = (f"{prefix}:" if prefix else "") + close + ("IfExists" if if_exists else "")
    return f" (did you mean {written!r}?)"


def _is_null_if_exists(text: str) -> bool:
    return text.rpartition(":")[2].lower() == "nullifexists"


# A few dozen operators are written over and over (StringEquals, ForAnyValue:StringLike, ...).
@lru_cache(maxsize=1 << 10)
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


# Policies repeat their actions and resources (the managed policies write 52,614 actions in
# 14,923 texts, 10,430 resources in 2,272): what a text's form says is worked out once a text.
@lru_cache(maxsize=1 << 14)
def _action_pattern(text: str) -> Pattern | None:
    """An action's pattern (lower-cased, unplaced), or None when it is not "service:Action"."""
    # A variable is no variable in an action (the lint says so), but its colon is not the
    # service separator either. Nearly every action has neither.
    plain = "$" not in text
    shape = text if plain else _VARIABLE_TEXT.sub("variable", _placeheld(text))
    service, sep, name = shape.partition(":")
    whole = not plain and _one_reference(text)
    if text != "*" and not whole and (not sep or not service or not name or ":" in name):
        return None
    return parse_pattern(text, variables=False, lower=True)


@lru_cache(maxsize=1 << 14)
def _resource_shape(text: str) -> str:
    """What a Resource text is: "reference" (one template value), "arn" (a pattern of an ARN or
    of ARNs), or the code of the error that says it is neither."""
    if _one_reference(text):
        return "reference"
    shape = _placeheld(_leading_arn(text))
    parts = shape.split(":", 5)
    # Six segments, or a prefix ending in a wildcard that swallows the rest ("arn:aws:s3*").
    full_arn = len(parts) == 6 and parts[0] in ("arn", "*")
    if text != "*" and not full_arn and not (shape.startswith("arn:") and shape.endswith("*")):
        return "arn-fields" if shape.startswith("arn:") or parts[0] == "*" else "arn-prefix"
    return "arn"


def _one_reference(text: str) -> bool:
    """The text is one template value (`${Name}`), whatever it turns out to be."""
    names = refs(canonical(text))
    return len(names) == 1 and canonical(text) == "${" + names[0] + "}"


def _leading_arn(text: str) -> str:
    """A template value that starts a resource is an ARN (`${Bucket.Arn}/*`): `text` with it
    replaced by a stand-in ARN."""
    text = canonical(text)
    names = refs(text)
    lead = "${" + names[0] + "}" if names else ""
    return "arn:x:x:x:x:x" + text[len(lead) :] if lead and text.startswith(lead) else text


def _placeheld(text: str) -> str:
    # Template references stand for values without `:` only where the text's own shape says
    # so; a stand-in keeps that shape for the checks that split it.
    return "".join("x" if is_ref else p for p, is_ref in pieces(canonical(text)))


_VARIABLE_TEXT = re.compile(r"\$\{[^}]*\}")
# Unique ids of IAM users (AIDA) and roles (AROA): IAM writes them in place of the ARN of a
# principal that was deleted, and accepts them as written.
_UNIQUE_ID = re.compile(r"A(IDA|ROA)[A-Z0-9]{12,}")


def _valid_aws_principal(text: str) -> bool:
    if _one_reference(text):
        return True
    text = _placeheld(text)
    if len(text) == 12 and text.isdigit():
        return True
    if _UNIQUE_ID.fullmatch(text):
        return True
    parts = text.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] in ("iam", "sts")


def _fifth_colon(text: str) -> int:
    """Where the resource part of an ARN starts (the whole text if it has fewer colons)."""
    at = -1
    for _ in range(5):
        at = text.find(":", at + 1)
        if at < 0:
            return len(text)
    return at
