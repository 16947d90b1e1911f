"""External access findings, like IAM Access Analyzer's: a minimal covering set of classes of
access a resource or trust policy grants outside a zone of trust, each with a witness.

The policy's fixed values (`analysis/scope.py`) split every request into cells: a principal
class (anyone, or one named account, ARN, service...) and, per pinning key, one fixed value or
none of them. Cells are visited by stratum, fewest fixed keys first (stratified abstraction).
In each cell the solver is asked again and again for an allowed external request that none of
the statements found so far grants; the statements granting each witness are added until the
answer is unsat. A cell yields a finding only for statements no coarser finding (anyone
covers every principal, fewer fixed keys cover more) already reports. So:

- sound: every external request the policy allows lies in some cell, and is granted by a
  statement of a finding whose principal and conditions describe it;
- irreducible: a finding is reported only when coarser findings miss one of its statements.

A cell whose question comes back unknown makes the result incomplete, with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policyreason.analysis.public import granting_statements, infer_resource_type
from policyreason.analysis.questions import applies, not_, public
from policyreason.analysis.scope import pins_of, principal_classes, written_keys
from policyreason.analysis.search import Searcher
from policyreason.errors import ModelInvalid
from policyreason.ir import template
from policyreason.ir.answer import Status
from policyreason.ir.policy import Policy
from policyreason.ir.request import Request
from policyreason.ir.resource_type import ResourceType
from policyreason.ir.scope import SOURCE_IP, Pins, PrincipalClass, PrincipalKind, Scope, Zone
from policyreason.smt.encode_scope import service_actions
from policyreason.smt.limits import DEFAULT_RLIMIT

# Cells visited at most per policy; beyond it the result is incomplete (unknown), not wrong.
MAX_CELLS = 256


@dataclass
class AccessFinding:
    """One class of external access: who, under which fixed condition values, through which
    statements (and so which actions), with the witnesses that showed it."""

    principal: PrincipalClass
    conditions: tuple[tuple[str, str], ...]
    statements: list[int]
    witnesses: list[Request] = field(default_factory=list)

    @property
    def public(self) -> bool:
        """Anyone, with no fixed value restricting the caller."""
        return self.principal.kind is PrincipalKind.ANYONE and not self.conditions

    def covers(self, principal: PrincipalClass, fixed: tuple[tuple[str, str], ...]) -> bool:
        """This finding's description includes the cell (principal, fixed)."""
        who = self.principal.kind is PrincipalKind.ANYONE or self.principal == principal
        return who and set(self.conditions) <= set(fixed)

    def condition_values(self, policy: Policy) -> dict[str, str]:
        """The fixed condition values, keys spelled as the policy writes them."""
        written = written_keys(policy)
        return {written.get(k, k): template.show(v) for k, v in self.conditions}

    def actions(self, policy: Policy) -> list[str]:
        """The action patterns of the finding's statements (`NotAction` ones marked)."""
        out: list[str] = []
        for i in self.statements:
            stmt = policy.statements[i]
            texts = [p.text for p in stmt.actions]
            out += [f"NotAction {t}" for t in texts] if stmt.not_action else texts
        return sorted(set(out))

    def to_json(self, policy: Policy) -> dict[str, Any]:
        """The documented JSON shape of one finding."""
        return {
            "principal": {
                "kind": self.principal.kind.value,
                "value": template.show(self.principal.value) or "*",
            },
            "conditions": self.condition_values(policy),
            "actions": self.actions(policy),
            "statements": [policy.statements[i].label for i in self.statements],
            "is_public": self.public,
            "witnesses": [w.to_json() for w in self.witnesses],
        }


@dataclass
class ExternalAccess:
    """The findings, and whether they are complete (every cell answered)."""

    findings: list[AccessFinding]
    complete: bool
    reason: str = ""
    resource_type: ResourceType | None = None
    cells: int = 0
    queries: int = 0


def external_access(
    policy: Policy,
    zone: Zone,
    rtype: ResourceType | None = None,
    rlimit: int | None = DEFAULT_RLIMIT,
) -> ExternalAccess:
    """The minimal covering findings of access outside `zone` (see the module docstring)."""
    if rtype is None:
        rtype = infer_resource_type(policy)
    services = rtype.services if rtype else ()
    actions = [service_actions(services)] if services else []
    searcher = Searcher([policy], rlimit, actions=actions)  # one encoding for every cell
    zone = with_owner(zone, policy)
    pins = pins_of(policy)
    outside = None if zone.empty else zone
    classes = [c for c in principal_classes(pins) if not _trusted(c, zone)]
    findings: list[AccessFinding] = []
    reasons: list[str] = []
    cells = 0
    for fixed in assignments(pins):
        for principal in classes:
            if cells >= MAX_CELLS:
                reasons.append(f"stopped after {MAX_CELLS} principal/condition cells")
                return _done(findings, reasons, rtype, cells, searcher)
            cells += 1
            scope = Scope(
                principal=principal,
                pins=pins,
                fixed=fixed,
                outside=outside,
                services=rtype.services if rtype else (),
            )
            covering = [f for f in findings if f.covers(principal, fixed)]
            known = sorted({i for f in covering for i in f.statements})
            new, witnesses, reason = _explore(policy, scope, known, searcher)
            if reason:
                reasons.append(f"{principal} {dict(fixed)}: {reason}")
            if new:
                findings.append(AccessFinding(principal, fixed, new, witnesses))
    return _done(findings, reasons, rtype, cells, searcher)


def _done(
    findings: list[AccessFinding],
    reasons: list[str],
    rtype: ResourceType | None,
    cells: int,
    searcher: Searcher,
) -> ExternalAccess:
    return ExternalAccess(findings, not reasons, "; ".join(reasons), rtype, cells, searcher.queries)


def with_owner(zone: Zone, policy: Policy) -> Zone:
    """The zone of trust with the account of the policy's own stack, when the policy names it
    (`${AWS::AccountId}`): a template's resource lives in the stack's account."""
    if template.OWNER not in template.names_in(policy):
        return zone
    owner = template.reference(template.OWNER)
    return zone.model_copy(update={"accounts": tuple(sorted({*zone.accounts, owner}))})


def _trusted(principal: PrincipalClass, zone: Zone) -> bool:
    if principal.kind is PrincipalKind.ACCOUNT:
        return principal.value in zone.accounts
    if principal.kind is PrincipalKind.ARN:
        parts = principal.value.split(":")
        return len(parts) > 4 and parts[4] in zone.accounts
    return False


def assignments(pins: Pins) -> Iterator[tuple[tuple[str, str], ...]]:
    """Fixed-value assignments by stratum: none, then one key fixed, then two..."""
    choices = list(pins.keys)
    if pins.source_ips:
        choices.append((SOURCE_IP, tuple(str(c) for c in pins.source_ips)))
    for size in range(len(choices) + 1):
        for keys in itertools.combinations(choices, size):
            names = [k for k, _v in keys]
            for values in itertools.product(*(v for _k, v in keys)):
                yield tuple(zip(names, values, strict=True))


def _explore(
    policy: Policy, scope: Scope, known: list[int], searcher: Searcher
) -> tuple[list[int], list[Request], str]:
    """Statements beyond `known` that grant external requests in the cell, a witness for
    each round, and the reason if the solver gave up."""
    found = list(known)
    new: list[int] = []
    witnesses: list[Request] = []
    while True:
        blocked = [policy.statements[i] for i in found]

        question = public(policy, scope).and_(*(not_(applies(s)) for s in blocked))
        search = searcher.find(question, 1)
        if search.status is Status.UNKNOWN:
            return new, witnesses, search.reason
        if search.status is Status.PROVEN:
            return new, witnesses, ""
        witness = search.witnesses[0]
        granting = [i for i in granting_statements(policy, witness) if i not in found]
        if not granting:
            raise ModelInvalid(
                f"witness {witness.to_json()} is granted by no new statement; this is a bug "
                "in policyreason"
            )
        found += granting
        new += granting
        witnesses.append(witness)
