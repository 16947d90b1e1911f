"""IAM policy documents: the whole policy grammar as frozen models.

Names follow the IAM JSON policy reference. Everything case-insensitive in AWS (action names,
condition key names) is stored lower-cased next to the text as written.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.ir.cidr import Cidr
from policyreason.ir.pattern import Pattern
from policyreason.ir.span import Span


class PolicyKind(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    BOUNDARY = "boundary"
    SESSION = "session"
    ENDPOINT = "endpoint"

    @property
    def has_principal(self) -> bool:
        """Kinds whose statements name a Principal (or NotPrincipal)."""
        return self in (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP, PolicyKind.ENDPOINT)


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class PrincipalType(StrEnum):
    AWS = "AWS"
    SERVICE = "Service"
    FEDERATED = "Federated"
    CANONICAL_USER = "CanonicalUser"


class PrincipalEntry(BaseModel):
    """One value of a Principal block, e.g. ("AWS", "arn:aws:iam::123456789012:root")."""

    model_config = ConfigDict(frozen=True)

    type: PrincipalType
    value: str
    span: Span

    @property
    def account(self) -> str | None:
        """The account an AWS principal stands for as a whole (12 digits or `...:root`)."""
        if self.type is not PrincipalType.AWS:
            return None
        if len(self.value) == 12 and self.value.isdigit():
            return self.value
        parts = self.value.split(":")
        if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
            return parts[4]
        return None


class Principal(BaseModel):
    """A Principal or NotPrincipal element; `anyone` is the bare `"*"` (or `{"AWS": "*"}`)."""

    model_config = ConfigDict(frozen=True)

    anyone: bool
    entries: tuple[PrincipalEntry, ...]
    span: Span


class Family(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "Ip"
    ARN = "Arn"
    NULL = "Null"


class Comparison(StrEnum):
    EQ = "eq"
    LIKE = "like"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"


class OperatorSpec(BaseModel):
    """What a base condition operator (without IfExists/set qualifier) means."""

    model_config = ConfigDict(frozen=True)

    name: str
    family: Family
    comparison: Comparison
    negated: bool = False
    ignore_case: bool = False


def _op(
    name: str, family: Family, cmp: Comparison, negated: bool = False, ignore_case: bool = False
) -> tuple[str, OperatorSpec]:
    spec = OperatorSpec(
        name=name, family=family, comparison=cmp, negated=negated, ignore_case=ignore_case
    )
    return name.lower(), spec


S, N, D, A = Family.STRING, Family.NUMERIC, Family.DATE, Family.ARN
EQ, LIKE, LT, LE, GT, GE = (
    Comparison.EQ,
    Comparison.LIKE,
    Comparison.LT,
    Comparison.LE,
    Comparison.GT,
    Comparison.GE,
)

OPERATORS: dict[str, OperatorSpec] = dict(
    [
        _op("StringEquals", S, EQ),
        _op("StringNotEquals", S, EQ, negated=True),
        _op("StringEqualsIgnoreCase", S, EQ, ignore_case=True),
        _op("StringNotEqualsIgnoreCase", S, EQ, negated=True, ignore_case=True),
        _op("StringLike", S, LIKE),
        _op("StringNotLike", S, LIKE, negated=True),
        _op("NumericEquals", N, EQ),
        _op("NumericNotEquals", N, EQ, negated=True),
        _op("NumericLessThan", N, LT),
        _op("NumericLessThanEquals", N, LE),
        _op("NumericGreaterThan", N, GT),
        _op("NumericGreaterThanEquals", N, GE),
        _op("DateEquals", D, EQ),
        _op("DateNotEquals", D, EQ, negated=True),
        _op("DateLessThan", D, LT),
        _op("DateLessThanEquals", D, LE),
        _op("DateGreaterThan", D, GT),
        _op("DateGreaterThanEquals", D, GE),
        _op("Bool", Family.BOOL, EQ),
        _op("BinaryEquals", Family.BINARY, EQ),
        _op("IpAddress", Family.IP, EQ),
        _op("NotIpAddress", Family.IP, EQ, negated=True),
        # ArnEquals and ArnLike behave identically: both take wildcards in every segment.
        _op("ArnEquals", A, LIKE),
        _op("ArnLike", A, LIKE),
        _op("ArnNotEquals", A, LIKE, negated=True),
        _op("ArnNotLike", A, LIKE, negated=True),
        _op("Null", Family.NULL, EQ),
    ]
)


class SetQualifier(StrEnum):
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


class ConditionValue(BaseModel):
    """One value of a condition, with the typed reading its operator family needs."""

    model_config = ConfigDict(frozen=True)

    text: str
    span: Span
    pattern: Pattern | None = None  # String/Arn families
    number: int | None = None  # Numeric (integer), Date (epoch milliseconds)
    flag: bool | None = None  # Bool and Null
    cidr: Cidr | None = None  # IpAddress / NotIpAddress


class Condition(BaseModel):
    """`"Op": {"key": [values]}` for one key. Values of one condition are OR-ed."""

    model_config = ConfigDict(frozen=True)

    operator_text: str
    op: OperatorSpec
    if_exists: bool
    qualifier: SetQualifier | None
    key_text: str
    key: str  # lower-cased
    values: tuple[ConditionValue, ...]
    span: Span


class Statement(BaseModel):
    """One statement. Absent Principal/Resource elements are None (valid in some kinds).

    `when` holds conditions on template values (`ir/template.py`) under which the statement is
    in the policy at all: a template may include it only when a condition the deployment
    decides holds. They are not part of the statement as written."""

    model_config = ConfigDict(frozen=True)

    index: int
    sid: str | None
    effect: Effect
    principal: Principal | None = None
    not_principal: bool = False
    actions: tuple[Pattern, ...]  # lower-cased patterns
    not_action: bool = False
    resources: tuple[Pattern, ...] | None = None
    not_resource: bool = False
    conditions: tuple[Condition, ...] = ()
    span: Span
    keys: dict[str, Span] = {}  # element name as written -> span of the key, for findings
    when: tuple[Condition, ...] = ()

    @property
    def label(self) -> str:
        return self.sid if self.sid else f"Statement[{self.index}]"


class Policy(BaseModel):
    """A parsed policy document. `unmodelled` names what its source holds that the statements
    do not show (what a template macro adds at deployment): no answer about such a policy is
    proven, nor witnessed."""

    model_config = ConfigDict(frozen=True)

    kind: PolicyKind
    version: str | None
    id: str | None = None
    statements: tuple[Statement, ...]
    span: Span
    name: str = ""
    unmodelled: tuple[str, ...] = ()

    @property
    def supports_variables(self) -> bool:
        """Policy variables exist only in Version 2012-10-17 documents."""
        return self.version == "2012-10-17"


class PolicySet(BaseModel):
    """Every policy that applies to one request, by role in AWS's evaluation logic.

    `scps` and `rcps` are levels of the organization tree (root, OUs, account): within a level
    the policies are united; every level must allow.
    """

    model_config = ConfigDict(frozen=True)

    identity: tuple[Policy, ...] = ()
    resource: Policy | None = None
    boundary: Policy | None = None
    session: tuple[Policy, ...] = ()
    scps: tuple[tuple[Policy, ...], ...] = ()
    rcps: tuple[tuple[Policy, ...], ...] = ()
    endpoint: Policy | None = None

    def all_policies(self) -> list[Policy]:
        """Every policy in the set, each once."""
        out = list(self.identity)
        out += [p for p in (self.resource, self.boundary, self.endpoint) if p is not None]
        out += list(self.session)
        for level in (*self.scps, *self.rcps):
            out += list(level)
        return out
