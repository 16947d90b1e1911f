"""Which disagreements with the referee are the referee's: its documented deviations from AWS's
documentation (`docs/referee-deviations.md`), recognised case by case.

A deviation explains a disagreement only if it is at work in the case (its trigger: the policy
has a wildcard in the first token of a resource id, the request sends an empty set, ...) *and*
taking it into account makes the two agree: either policyreason's side is re-evaluated with the
deviation's behaviour mimicked (a pattern that never matches, a condition that is false), or the
referee is re-run with the trigger removed from its input. A trigger alone explains nothing, so
a real bug that happens to sit next to a deviation is still reported. Deviations the referee
reports as a refusal (it cannot type the resource, or treats it as a pattern) explain the case
on their own: there is no answer to compare.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from policyreason.analysis.evaluate import allows, evaluate, is_arn
from policyreason.analysis.real_request import fits
from policyreason.data import reference
from policyreason.data.requests import Var, key_type, typings
from policyreason.ir.pattern import Pattern, Text, Variable, arn_segments, literal
from policyreason.ir.policy import (
    OPERATORS,
    Cidr,
    Condition,
    ConditionValue,
    Family,
    Policy,
    PolicySet,
    SetQualifier,
    Statement,
)
from policyreason.ir.request import Request
from policyreason.ir.span import unknown_span
from policyreason.ir.values import parse_date
from policyreason.parse.pattern import parse_pattern
from policyreason.parse.policy import parse_policy_text
from tests.referee import Outcome, Referee
from tests.referee.simulation import (
    Documents,
    context_variables,
    policy_allows,
    policy_simulation,
    rebuild,
    simulation_of,
)

AGREE = "agree"
UNEXPLAINED = "unexplained"

NEVER_PATTERN = literal("arn:policyreason:never:::never")
NEVER = Condition(
    operator_text="Null",
    op=OPERATORS["null"],
    if_exists=False,
    qualifier=None,
    key_text="policyreason:never",
    key="policyreason:never",
    values=(ConditionValue(text="false", span=unknown_span(), flag=False),),
    span=unknown_span(),
)


@dataclass(frozen=True)
class Case:
    """One question put to both sides: the decision over a policy set, or (`single`) whether
    the set's one policy allows the request on its own (`evaluate.allows`)."""

    policies: PolicySet
    request: Request
    documents: Documents | None = None
    single: bool = False

    @property
    def policy(self) -> Policy:
        (only,) = self.policies.all_policies()
        return only

    def simulation(self) -> dict[str, Any]:
        if self.single:
            return policy_simulation(self.policy, self.request, self.documents)
        return simulation_of(self.policies, self.request, self.documents)

    def ours(self) -> str:
        if self.single:
            return "Allowed" if allows(self.policy, self.request) else "Denied"
        return evaluate(self.policies, self.request).decision.value

    def theirs(self, outcome: Outcome) -> str | None:
        if outcome.error is not None:
            return None
        if self.single:
            allowed = policy_allows(self.policy, outcome.identity, outcome.resource)
            return "Allowed" if allowed else "Denied"
        return outcome.decision


# -- what the referee was given -------------------------------------------------------------


def _given(case: Case, outcome: Outcome) -> dict[str, str | list[str]]:
    """The context the referee evaluated: lower-case keys, without the keys it dropped."""
    dropped = {k.lower() for k in outcome.ignored_keys}
    return {
        k.lower(): v for k, v in context_variables(case.request).items() if k.lower() not in dropped
    }


def _array(key: str) -> bool:
    return (key_type(key) or "").startswith("ArrayOf")


def _present(key: str, given: dict[str, str | list[str]]) -> bool:
    """The key has at least one value in the referee's context."""
    value = given.get(key)
    return value is not None and (isinstance(value, str) or len(value) > 0)


def _resolves(var: Variable, given: dict[str, str | list[str]]) -> bool:
    """The referee substitutes the variable: a non-empty single value of a key it does not type
    as multivalued, else a non-empty default."""
    value = given.get(var.key)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if value and not _array(var.key):
        return True
    return bool(var.default)


# -- rewriting one side ----------------------------------------------------------------------

StatementMap = Callable[[Policy, Statement], Statement | None]


def _map_statements(case: Case, fn: StatementMap) -> Case:
    def one(p: Policy) -> Policy:
        kept = tuple(s for s in (fn(p, s) for s in p.statements) if s is not None)
        return p.model_copy(update={"statements": kept})

    return _map_policies(case, one)


def _map_policies(case: Case, fn: Callable[[Policy], Policy]) -> Case:
    ps = case.policies

    def opt(p: Policy | None) -> Policy | None:
        return None if p is None else fn(p)

    mapped = PolicySet(
        identity=tuple(fn(p) for p in ps.identity),
        resource=opt(ps.resource),
        boundary=opt(ps.boundary),
        session=tuple(fn(p) for p in ps.session),
        scps=tuple(tuple(fn(p) for p in level) for level in ps.scps),
        rcps=tuple(tuple(fn(p) for p in level) for level in ps.rcps),
        endpoint=opt(ps.endpoint),
    )
    return replace(case, policies=mapped, documents=None)


def _statements(case: Case) -> Iterator[tuple[Policy, Statement]]:
    for p in case.policies.all_policies():
        for s in p.statements:
            yield p, s


def _resource_patterns(stmt: Statement) -> tuple[Pattern, ...]:
    return stmt.resources or ()


def _map_resources(case: Case, fn: Callable[[Pattern], Pattern]) -> Case:
    def one(_p: Policy, s: Statement) -> Statement:
        if s.resources is None:
            return s
        return s.model_copy(update={"resources": tuple(fn(r) for r in s.resources)})

    return _map_statements(case, one)


def _map_conditions(case: Case, fn: Callable[[Condition], Condition]) -> Case:
    def one(_p: Policy, s: Statement) -> Statement:
        return s.model_copy(update={"conditions": tuple(fn(c) for c in s.conditions)})

    return _map_statements(case, one)


def _map_values(cond: Condition, fn: Callable[[ConditionValue], ConditionValue]) -> Condition:
    return cond.model_copy(update={"values": tuple(fn(v) for v in cond.values)})


# -- the deviations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    """A documented deviation: `id` as in docs/referee-deviations.md, its trigger, and how to
    take it into account (`ours`: policyreason's side with the deviation mimicked; `theirs`:
    the referee's input without the trigger). Neither: a refusal, explained by the trigger."""

    id: str
    title: str
    trigger: Callable[[Case, Outcome], bool]
    ours: Callable[[Case, Outcome], Case] | None = None
    theirs: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def refusal(self) -> bool:
        return self.ours is None and self.theirs is None


DEVIATIONS: list[Deviation] = []


def deviation(
    id: str,
    title: str,
    ours: Callable[[Case, Outcome], Case] | None = None,
    theirs: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Callable[[Callable[[Case, Outcome], bool]], Callable[[Case, Outcome], bool]]:
    """Register the decorated trigger as deviation `id`."""

    def register(trigger: Callable[[Case, Outcome], bool]) -> Callable[[Case, Outcome], bool]:
        DEVIATIONS.append(Deviation(id, title, trigger, ours, theirs))
        return trigger

    return register


# D1: partition, service, region and account of a Resource are matched ignoring case.


def _head(text: str) -> list[str]:
    return text.split(":", 5)[:5]


def _lower_head(p: Pattern, variables: bool) -> Pattern:
    parts = p.text.split(":", 5)
    if len(parts) < 6 or p.has_variable:
        return p
    text = ":".join([*(x.lower() for x in parts[:5]), parts[5]])
    return parse_pattern(text, variables=variables)


def _d1_ours(case: Case, _o: Outcome) -> Case:
    def one(pol: Policy, s: Statement) -> Statement:
        if s.resources is None:
            return s
        lowered = tuple(_lower_head(r, pol.supports_variables) for r in s.resources)
        return s.model_copy(update={"resources": lowered})

    out = _map_statements(case, one)
    parts = case.request.resource.split(":", 5)
    if len(parts) == 6:
        lowered = ":".join([*(x.lower() for x in parts[:5]), parts[5]])
        out = replace(out, request=case.request.model_copy(update={"resource": lowered}))
    return out


@deviation("D1", "ARN partition/service/region/account matched case-insensitively", _d1_ours)
def _d1(case: Case, _o: Outcome) -> bool:
    heads = [_head(r.text) for _p, s in _statements(case) for r in _resource_patterns(s)]
    heads.append(_head(case.request.resource))
    return any(any(c.isupper() for c in "".join(h)) for h in heads)


# D2: a wildcard (or a variable) in the first token of a resource id never matches; S3 is exempt.


def _first_token_wild(p: Pattern) -> bool:
    parts = p.text.split(":", 5)
    if len(parts) < 6 or (parts[2] == "s3" and parts[3] == "" and parts[4] == ""):
        return False
    rest = parts[5]
    cut = [i for i in (rest.find("/"), rest.find(":")) if i >= 0]
    if not cut:
        return False
    token = rest[: min(cut)]
    return any(c in token for c in "*?") or "${" in token


def _never_if(test: Callable[[Pattern], bool]) -> Callable[[Case, Outcome], Case]:
    def mimic(case: Case, _o: Outcome) -> Case:
        def value(cond: Condition) -> Condition:
            if cond.op.family is not Family.ARN:
                return cond
            return _map_values(
                cond,
                lambda v: (
                    v.model_copy(update={"pattern": NEVER_PATTERN})
                    if v.pattern is not None and test(v.pattern)
                    else v
                ),
            )

        out = _map_resources(case, lambda r: NEVER_PATTERN if test(r) else r)
        return _map_conditions(out, value)

    return mimic


@deviation(
    "D2",
    "a wildcard or variable in the first token of a resource id never matches (S3 exempt)",
    _never_if(_first_token_wild),
)
def _d2(case: Case, _o: Outcome) -> bool:
    return any(_first_token_wild(r) for _p, s in _statements(case) for r in _resource_patterns(s))


# D3: a policy variable in the partition/service/region/account of an ARN condition value never
# matches (the ARN is split at the `:` inside the variable's name). In a Resource element AWS
# does not substitute it either, and policyreason reads it as literal text too.


def _head_variable(p: Pattern) -> bool:
    segments = arn_segments(p)
    return any(isinstance(part, Variable) for seg in segments[1:5] for part in seg)


def _arn_values(case: Case) -> Iterator[Pattern]:
    for _p, s in _statements(case):
        yield from _resource_patterns(s)
        for c in s.conditions:
            if c.op.family is Family.ARN:
                yield from (v.pattern for v in c.values if v.pattern is not None)


@deviation(
    "D3",
    "a policy variable before the fifth colon of an ARN condition value never matches",
    _never_if(_head_variable),
)
def _d3(case: Case, _o: Outcome) -> bool:
    return any(_head_variable(p) for p in _arn_values(case))


# D4: a negated operator whose value has an unresolvable variable never matches (key present).


def _d4_hits(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    if not cond.op.negated or cond.op.family not in (Family.STRING, Family.ARN):
        return False
    if not _present(cond.key, given):
        return False
    return any(
        isinstance(part, Variable) and not _resolves(part, given)
        for v in cond.values
        if v.pattern is not None
        for part in v.pattern.parts
    )


def _d4_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)
    return _map_conditions(case, lambda c: NEVER if _d4_hits(c, given) else c)


@deviation("D4", "a negated operator with an unresolvable policy variable never matches", _d4_ours)
def _d4(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    return any(_d4_hits(c, given) for _p, s in _statements(case) for c in s.conditions)


# D5: ForAnyValue...IfExists on a missing key: the IfExists is ignored (false).


def _d5_hits(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    return cond.qualifier is SetQualifier.FOR_ANY_VALUE and cond.if_exists and cond.key not in given


def _d5_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)
    return _map_conditions(case, lambda c: NEVER if _d5_hits(c, given) else c)


@deviation("D5", "ForAnyValue with IfExists on a missing key is false", _d5_ours)
def _d5(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    return any(_d5_hits(c, given) for _p, s in _statements(case) for c in s.conditions)


# D6: IPv4 CIDRs with prefix 0 match one address; a bare address of the other IP version in
# NotIpAddress never matches.


def _zero_prefix(v: ConditionValue) -> bool:
    return v.cidr is not None and v.cidr.version == 4 and v.cidr.length == 0 and "/" in v.text


def _other_family(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    value = given.get(cond.key)
    values = [value] if isinstance(value, str) else (value or [])
    versions = set()
    for text in values:
        try:
            versions.add(ipaddress.ip_address(text).version)
        except ValueError:
            continue
    return any(
        "/" not in v.text and v.cidr is not None and v.cidr.version not in versions
        for v in cond.values
    )


def _d6_bare(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    return (
        cond.op.family is Family.IP
        and cond.op.negated
        and _present(cond.key, given)
        and _other_family(cond, given)
    )


def _d6_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)

    def exact(v: ConditionValue) -> ConditionValue:
        if not _zero_prefix(v):
            return v
        host = v.text.split("/")[0]
        return v.model_copy(update={"cidr": Cidr.parse(f"{host}/32")})

    def one(cond: Condition) -> Condition:
        if cond.op.family is not Family.IP:
            return cond
        if _d6_bare(cond, given):
            return NEVER
        return _map_values(cond, exact)

    return _map_conditions(case, one)


@deviation(
    "D6", "IpAddress with an IPv4 /0 matches one address; NotIpAddress across versions", _d6_ours
)
def _d6(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    for _p, s in _statements(case):
        for c in s.conditions:
            if c.op.family is Family.IP and (
                any(_zero_prefix(v) for v in c.values) or _d6_bare(c, given)
            ):
                return True
    return False


# D7: policy variables are substituted in documents that are not Version 2012-10-17.


def _d7_ours(case: Case, _o: Outcome) -> Case:
    def one(p: Policy) -> Policy:
        if p.supports_variables:
            return p
        doc = rebuild(p)
        doc["Version"] = "2012-10-17"
        parsed = parse_policy_text(json.dumps(doc), p.span.file, p.kind, p.name).policy
        return p if parsed is None else parsed.model_copy(update={"version": p.version})

    return _map_policies(case, one)


@deviation("D7", "policy variables are substituted in Version 2008-10-17 policies", _d7_ours)
def _d7(case: Case, _o: Outcome) -> bool:
    return any(
        not p.supports_variables and "${" in str(rebuild(p)) for p in case.policies.all_policies()
    )


# D8: an empty set for a multivalued key counts as present.


def _d8_theirs(sim: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(sim)
    ctx = out["request"]["contextVariables"]
    out["request"]["contextVariables"] = {k: v for k, v in ctx.items() if v != []}
    return out


@deviation("D8", "an empty set for a multivalued key counts as present", theirs=_d8_theirs)
def _d8(case: Case, _o: Outcome) -> bool:
    return any(not v for v in case.request.context.values())


# D9: NotResource with an unresolvable variable: the statement does not apply.


def _d9_hits(stmt: Statement, given: dict[str, str | list[str]]) -> bool:
    return stmt.not_resource and any(
        isinstance(part, Variable) and not _resolves(part, given)
        for r in _resource_patterns(stmt)
        for part in r.parts
    )


def _d9_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)
    return _map_statements(case, lambda _p, s: None if _d9_hits(s, given) else s)


@deviation("D9", "NotResource with an unresolvable variable does not apply", _d9_ours)
def _d9(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    return any(_d9_hits(s, given) for _p, s in _statements(case))


# D10: a plain (non-set) operator on a multivalued key never matches, negations included.


def _d10_hits(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    return (
        cond.qualifier is None
        and cond.op.family is not Family.NULL
        and _array(cond.key)
        and cond.key in given
    )


def _d10_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)
    return _map_conditions(case, lambda c: NEVER if _d10_hits(c, given) else c)


@deviation("D10", "a plain operator on a multivalued key never matches", _d10_ours)
def _d10(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    return any(_d10_hits(c, given) for _p, s in _statements(case) for c in s.conditions)


# D11: dates: epoch seconds and ISO 8601 on one key are compared in different units (the
# referee reads an epoch value as a plain number, an ISO value in milliseconds).

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date_keys(case: Case) -> set[str]:
    return {
        c.key for _p, s in _statements(case) for c in s.conditions if c.op.family is Family.DATE
    }


def _d11_ours(case: Case, _o: Outcome) -> Case:
    keys = _date_keys(case)

    def raw(v: ConditionValue) -> ConditionValue:
        return v.model_copy(update={"number": int(v.text)}) if v.text.isdigit() else v

    def one(cond: Condition) -> Condition:
        return _map_values(cond, raw) if cond.op.family is Family.DATE else cond

    out = _map_conditions(case, one)
    context = {
        k: tuple(
            (_EPOCH + timedelta(milliseconds=int(x))).isoformat().replace("+00:00", "Z")
            if k.lower() in keys and x.isdigit()
            else x
            for x in v
        )
        for k, v in case.request.context.items()
    }
    return replace(out, request=case.request.model_copy(update={"context": context}))


@deviation("D11", "epoch-seconds and ISO 8601 dates compared in different units", _d11_ours)
def _d11(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    for _p, s in _statements(case):
        for c in s.conditions:
            if c.op.family is not Family.DATE or not _present(c.key, given):
                continue
            value = given[c.key]
            texts = [v.text for v in c.values] + ([value] if isinstance(value, str) else value)
            if len({t.isdigit() for t in texts}) > 1:
                return True
    return False


# D13: context keys the reference does not list for the action (and not global) are dropped.


def _d13_ours(case: Case, o: Outcome) -> Case:
    dropped = {k.lower() for k in o.ignored_keys}
    context = {k: v for k, v in case.request.context.items() if k.lower() not in dropped}
    return replace(case, request=case.request.model_copy(update={"context": context}))


@deviation("D13", "context keys the action does not take are dropped silently", _d13_ours)
def _d13(_case: Case, o: Outcome) -> bool:
    return bool(o.ignored_keys)


# D15: a literal `*` in a resource type's ARN format: resources of that type are refused.


@deviation("D15", "resource types whose ARN format has a literal `*` are not recognised")
def _d15(case: Case, o: Outcome) -> bool:
    if o.error != "no.resource.types":
        return False
    return any(
        fits(t, case.request.resource)
        and any(isinstance(p, Var) and p.name == "*" for comp in t.format.components for p in comp)
        for t in typings(case.request.action)
    )


# D16: a `*` in the request's resource makes it a pattern.


@deviation("D16", "a `*` in the request's resource is read as a wildcard")
def _d16(case: Case, o: Outcome) -> bool:
    return o.wildcard or (case.request.resource != "*" and "*" in case.request.resource)


# D17: a resource that fits two resource types of the action is refused.


@deviation("D17", "a resource matching two resource types of the action is refused")
def _d17(_case: Case, o: Outcome) -> bool:
    return o.error == "multiple.resource.types"


# D23: a resource type whose ARN the reference gives in two formats (API Gateway's Model,
# Models and Stage: `/apis/...` and `/restapis/...`) is not recognised.


@deviation("D23", "resource types the reference gives two ARN formats are not recognised")
def _d23(case: Case, o: Outcome) -> bool:
    if o.error != "no.resource.types":
        return False
    return any(
        fits(t, case.request.resource)
        and len(reference.arn_formats(t.format.service, t.format.resource_type)) > 1
        for t in typings(case.request.action)
    )


# D18: a VPC endpoint policy whose Principal is not `*` is refused.


@deviation("D18", "a VPC endpoint policy must name Principal `*`")
def _d18(_case: Case, o: Outcome) -> bool:
    errors = o.raw.get("error", {}).get("vpcEndpointErrors", {}) if o.error else {}
    return any("Principal" in str(e.get("message", "")) for found in errors.values() for e in found)


# D21: the partition, service, region and account of a policy Resource are compiled into a
# regular expression unescaped: a `$`, `.`, `+`, `(` ... there is regex syntax.

_REGEX_SYNTAX = frozenset("$^+.()|[]{}\\")


def _regex_head(p: Pattern) -> bool:
    parts = p.text.split(":", 5)
    return len(parts) == 6 and any(c in _REGEX_SYNTAX for c in "".join(parts[1:5]))


def _referee_head_matches(p: Pattern, resource: str) -> bool:
    heads, got = p.text.split(":", 5), resource.split(":", 5)
    if len(got) < 6:
        return False
    for seg, value in zip(heads[1:5], got[1:5], strict=True):
        rx = seg.replace("?", ".").replace("*", ".*?")
        try:
            if re.fullmatch(rx, value, re.IGNORECASE) is None:
                return False
        except re.error:
            return False
    return True


def _d21_ours(case: Case, _o: Outcome) -> Case:
    def one(pol: Policy, s: Statement) -> Statement:
        if s.resources is None:
            return s

        def fix(p: Pattern) -> Pattern:
            if not _regex_head(p):
                return p
            if not _referee_head_matches(p, case.request.resource):
                return NEVER_PATTERN
            rest = p.text.split(":", 5)[5]
            return parse_pattern("arn:*:*:*:*:" + rest, variables=pol.supports_variables)

        return s.model_copy(update={"resources": tuple(fix(r) for r in s.resources)})

    return _map_statements(case, one)


@deviation(
    "D21", "regex syntax in an ARN's partition/service/region/account is not escaped", _d21_ours
)
def _d21(case: Case, _o: Outcome) -> bool:
    return any(_regex_head(r) for _p, s in _statements(case) for r in _resource_patterns(s))


# D22: a negated ARN operator on a value that is no ARN never matches.


def _d22_hits(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    value = given.get(cond.key)
    values = [value] if isinstance(value, str) else value or []
    return cond.op.family is Family.ARN and cond.op.negated and any(not is_arn(v) for v in values)


def _d22_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)
    return _map_conditions(case, lambda c: NEVER if _d22_hits(c, given) else c)


@deviation("D22", "a negated ARN operator on a value that is no ARN never matches", _d22_ours)
def _d22(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    return any(_d22_hits(c, given) for _p, s in _statements(case) for c in s.conditions)


# D24: a negated IP, Numeric or Date operator on a value its type cannot read never matches.


def _unreadable_value(family: Family, value: str) -> bool:
    if family is Family.IP:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return True
        return False
    if family is Family.NUMERIC:
        try:
            Decimal(value)
        except InvalidOperation:
            return True
        return False
    return parse_date(value) is None


def _d24_hits(cond: Condition, given: dict[str, str | list[str]]) -> bool:
    value = given.get(cond.key)
    values = [value] if isinstance(value, str) else value or []
    return (
        cond.op.family in (Family.IP, Family.NUMERIC, Family.DATE)
        and cond.op.negated
        and any(_unreadable_value(cond.op.family, v) for v in values)
    )


def _d24_ours(case: Case, o: Outcome) -> Case:
    given = _given(case, o)
    return _map_conditions(case, lambda c: NEVER if _d24_hits(c, given) else c)


@deviation(
    "D24", "a negated IP, Numeric or Date operator on a value it cannot read is false", _d24_ours
)
def _d24(case: Case, o: Outcome) -> bool:
    given = _given(case, o)
    return any(_d24_hits(c, given) for _p, s in _statements(case) for c in s.conditions)


# D19: an implicit deny in a session policy denies even what a resource policy grants to the
# session itself (its session ARN, `*`).


def _session_denies(case: Case) -> bool:
    ps = case.policies
    if not ps.session or ps.resource is None:
        return False
    return not any(allows(p, case.request) for p in ps.session)


def _d19_ours(case: Case, _o: Outcome) -> Case:
    if not _session_denies(case):
        return case
    resource = case.policies.resource
    assert resource is not None
    denies = tuple(s for s in resource.statements if s.effect.value == "Deny")
    only_denies = resource.model_copy(update={"statements": denies})
    return replace(
        case, policies=case.policies.model_copy(update={"resource": only_denies}), documents=None
    )


@deviation("D19", "a session policy's implicit deny also limits grants to the session", _d19_ours)
def _d19(case: Case, _o: Outcome) -> bool:
    return _session_denies(case)


# D20: a policy variable whose value is the empty string is treated as having no value (its
# default is used, or the pattern matches nothing).

ABSENT = Variable(key="policyreason:absent")


def _empty_keys(case: Case, o: Outcome) -> set[str]:
    return {k for k, v in _given(case, o).items() if v == ""}


def _map_patterns(case: Case, fn: Callable[[Pattern], Pattern]) -> Case:
    def value(v: ConditionValue) -> ConditionValue:
        return v if v.pattern is None else v.model_copy(update={"pattern": fn(v.pattern)})

    out = _map_resources(case, fn)
    return _map_conditions(out, lambda c: _map_values(c, value))


def _d20_ours(case: Case, o: Outcome) -> Case:
    empty = _empty_keys(case, o)

    def one(p: Pattern) -> Pattern:
        if not any(isinstance(x, Variable) and x.key in empty for x in p.parts):
            return p
        parts = tuple(
            (Text(text=x.default) if x.default else ABSENT)
            if isinstance(x, Variable) and x.key in empty
            else x
            for x in p.parts
        )
        return p.model_copy(update={"parts": parts})

    return _map_patterns(case, one)


@deviation("D20", "a policy variable whose value is empty counts as having no value", _d20_ours)
def _d20(case: Case, o: Outcome) -> bool:
    empty = _empty_keys(case, o)
    return bool(empty) and any(
        isinstance(x, Variable) and x.key in empty
        for _p, s in _statements(case)
        for p in (
            *_resource_patterns(s),
            *(v.pattern for c in s.conditions for v in c.values if v.pattern is not None),
        )
        for x in p.parts
    )


# -- classification -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """AGREE, the ids of the deviations that explain the disagreement, or UNEXPLAINED."""

    ours: str
    theirs: str | None
    explained_by: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        if self.ours == self.theirs:
            return AGREE
        return "+".join(self.explained_by) if self.explained_by else UNEXPLAINED

    @property
    def ok(self) -> bool:
        return self.label != UNEXPLAINED


def _agrees_after(case: Case, outcome: Outcome, ds: Sequence[Deviation], referee: Referee) -> bool:
    mimicked = case
    for d in ds:
        if d.ours is not None:
            mimicked = d.ours(mimicked, outcome)
    theirs = outcome
    fixes = [d.theirs for d in ds if d.theirs is not None]
    if fixes:
        sim = case.simulation()
        for fix in fixes:
            sim = fix(sim)
        theirs = referee.run(sim)
    return mimicked.ours() == case.theirs(theirs)


def classify(case: Case, outcome: Outcome, referee: Referee) -> Verdict:
    """Agreement, the deviations that explain a disagreement, or unexplained."""
    ours, theirs = case.ours(), case.theirs(outcome)
    if ours == theirs:
        return Verdict(ours, theirs)
    at_work = [d for d in DEVIATIONS if d.trigger(case, outcome)]
    refusals = tuple(d.id for d in at_work if d.refusal)
    if refusals:
        return Verdict(ours, theirs, refusals)
    for d in at_work:
        if _agrees_after(case, outcome, [d], referee):
            return Verdict(ours, theirs, (d.id,))
    if len(at_work) > 1 and _agrees_after(case, outcome, at_work, referee):
        return Verdict(ours, theirs, tuple(d.id for d in at_work))
    return Verdict(ours, theirs)


def describe(case: Case, outcome: Outcome, verdict: Verdict) -> str:
    """A disagreement in full, for a failing test's message."""
    docs = [rebuild(p) for p in case.policies.all_policies()]
    return (
        f"policyreason says {verdict.ours}, the referee {verdict.theirs or outcome.error} "
        f"({verdict.label})\nrequest: {json.dumps(case.request.to_json())}\n"
        f"policies: {json.dumps(docs)}\nreferee: {json.dumps(outcome.raw)}"
    )


__all__ = ["AGREE", "DEVIATIONS", "UNEXPLAINED", "Case", "Verdict", "classify", "describe"]
