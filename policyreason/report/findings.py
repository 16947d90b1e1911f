"""The one shape of a finding that `check`, `diff` and `reach` all report: a rule of the
catalogue, its severity, one location, a message, and the evidence that backs it.

The location follows one convention for every verb: a file with a 1-based line and column
(line 0: the file as a whole), and, for a network finding, the component it concerns as a
logical location. The evidence is typed: a witness request (or several), a witness packet with
its path, a proof (with the packet that gets furthest, when there is one), an unknown reason,
or none for a finding read off the text. The gate (`gating.py`) reads the same shape.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from policyreason.gating import BaselineState
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span

if TYPE_CHECKING:
    from policyreason.analysis.change import DiffFinding, PolicyChange, Witness
    from policyreason.analysis.network.exposures import ExposureResult
    from policyreason.analysis.network.reach import ReachResult
    from policyreason.analysis.network.trace import Hop, PathWitness
    from policyreason.ir.policy import Policy
    from policyreason.report import ReportedFinding


@dataclass(frozen=True)
class Location:
    """Where a finding sits: a span in a file, a component (network findings), or both."""

    span: Span | None = None
    component: str | None = None

    @property
    def file(self) -> str | None:
        return self.span.file if self.span is not None else None

    def __str__(self) -> str:
        if self.span is None:
            return self.component or ""
        return str(self.span)


@dataclass(frozen=True)
class WitnessRequests:
    """Requests the solver found and the concrete evaluator re-checked, as JSON values."""

    requests: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class WitnessPacket:
    """A packet the solver found, with the hops of its forward and return path."""

    path: PathWitness


@dataclass(frozen=True)
class Proven:
    """No request or packet has the property; `path` is the packet that gets furthest."""

    reason: str = ""
    path: PathWitness | None = None


@dataclass(frozen=True)
class Undecided:
    """The question could not be decided, and why; `path` is a packet that gets through if
    the undecided components let it."""

    reason: str
    path: PathWitness | None = None


Evidence = WitnessRequests | WitnessPacket | Proven | Undecided


@dataclass(frozen=True)
class VerbFinding:
    """A finding of any verb as the gate judges it and the reporters show it.

    `status` is how it is backed (witnessed, proven, syntactic, unknown); `tentative` marks
    what holds only if undecided components let it (shown as a note). `tags` are the rules
    and categories it belongs to (diff); `accepted` the reasons of reviewed changes that cover
    it. `fingerprint` identifies it across runs (baselines); `baseline` and `failing` are the
    gate's. `properties` are what a verb's reports show beyond the shape (check: document,
    Access Analyzer code, fix; diff: policy, witnesses with their statements; reach: target)."""

    rule_id: str
    severity: Severity
    message: str
    location: Location
    status: str
    evidence: Evidence | None = None
    fingerprint: str = ""
    tentative: bool = False
    tags: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict, compare=False)
    baseline: BaselineState | None = None
    failing: bool = False


# --- each verb's results as findings -------------------------------------------------------


def of_check(item: ReportedFinding) -> VerbFinding:
    """A finding of `check` (a rule on one policy)."""
    f = item.finding
    evidence = WitnessRequests((f.witness,)) if f.witness is not None else None
    properties: dict[str, Any] = {"document": item.document, "aaCode": f.aa_code, "fix": f.fix}
    return VerbFinding(
        rule_id=f.rule_id,
        severity=f.severity,
        message=f.message,
        location=Location(f.span),
        status=f.status.value,
        evidence=evidence,
        fingerprint=item.fingerprint,
        properties=properties,
        baseline=item.baseline,
    )


def of_diff(f: DiffFinding) -> VerbFinding:
    """A finding of `diff`: one direction of one change, at the head statement that grants
    the new access (lost access: the head policy, or the base statement of a deleted one)."""
    span = f.span or Span(file=f.policy, line=0, column=0, end_line=0, end_column=0)
    evidence: Evidence | None = None
    if f.witnesses:
        evidence = WitnessRequests(tuple(w.request.to_json() for w in f.witnesses))
    elif f.status.value == "unknown":
        evidence = Undecided(f.message)
    return VerbFinding(
        rule_id=f.category,
        severity=f.severity,
        message=f.message,
        location=Location(span),
        status=f.status.value,
        evidence=evidence,
        fingerprint=f.fingerprint,
        tags=f.tags,
        accepted=tuple(a.reason for a in f.accepted),
        properties={"policy": f.policy, "witnesses": [witness_json(w) for w in f.witnesses]},
        baseline=f.baseline,
        failing=f.failing,
    )


def witness_json(witness: Witness) -> dict[str, Any]:
    """A witness request of `diff` with its classification and granting statement."""
    return {
        "request": witness.request.to_json(),
        "tags": list(witness.tags),
        "statement": witness.statement,
        "location": str(witness.span) if witness.span else None,
    }


def diff_fingerprint(f: DiffFinding, change: PolicyChange) -> str:
    """The policy, the rule, and both versions of the policy with positions left out: the
    same change keeps its fingerprint wherever it moves in the file, and any other edit of
    the policy (one more action granted, a condition dropped) makes a new one."""
    sides = [_canonical(v.policy) if v is not None else "" for v in (change.old, change.new)]
    return _digest(f.policy, f.category, *sides)


def _canonical(policy: Policy | None) -> str:
    if policy is None:
        return "unreadable"
    return json.dumps(_positionless(policy.model_dump(mode="json")), sort_keys=True)


def _positionless(value: Any) -> Any:
    # A span sits under "span", and under an element's name in a statement's `keys`.
    if isinstance(value, dict):
        return {
            k: _positionless(v)
            for k, v in value.items()
            if k not in ("span", "index") and not (isinstance(v, dict) and v.keys() == _SPAN)
        }
    if isinstance(value, list):
        return [_positionless(v) for v in value]
    return value


_SPAN = frozenset(Span._fields)


def of_exposures(result: ExposureResult) -> list[VerbFinding]:
    """The findings of `reach --exposures`: one per exposed interface and protocol, at the
    rule that lets the traffic in; a tentative one per possible exposure (through a component
    whose rules are unknown) and per undecided target; or the answer itself when it is
    undecided and names nothing."""
    found: list[VerbFinding] = []
    for e in (*result.exposures, *result.possible):
        what = f"{e.protocol} {_ranges(e.ports) or _ranges(e.icmp_types, 'type ')}".strip()
        message = f"{e.target} ({e.eni}) is reachable from the internet on {what}"
        if e.rule:
            message += f", opened by {e.rule}"
        evidence: Evidence = WitnessPacket(e.witness)
        if e.unknowns:
            unless = "; ".join(str(u) for u in e.unknowns)
            message += f", unless one of these blocks it (unknown): {unless}"
            evidence = Undecided(unless, e.witness)
        found.append(
            _network(
                "NET001",
                message,
                _opener(e.witness, e.rule),
                evidence,
                _digest(e.target, e.eni, e.protocol, what),
                e.target,
            )
        )
    for target, reason in result.unknown:
        message = f"{target}: unknown ({reason})"
        found.append(_network("NET001", message, None, Undecided(reason), _digest(target), target))
    if not found and result.answer.status.value not in ("proven", "witnessed"):
        reason = result.answer.reason
        message = f"what the internet reaches: {result.answer.status.value} ({reason})"
        evidence = Undecided(reason)
        found.append(_network("NET001", message, None, evidence, _digest("internet"), "internet"))
    return found


def of_reach(
    result: ReachResult, src: str, dst: str, protocol: int | None = None, port: int | None = None
) -> VerbFinding:
    """The finding of `reach --from --to`: the reachable path (at the rule that lets it in),
    the proven block (at the component that drops it), or the undecided question."""
    status = result.answer.status.value
    fingerprint = _digest(src, dst, str(protocol), str(port))
    if status == "witnessed":
        w = result.paths[0]
        message = f"{src} can reach {dst}"
        return _network("NET002", message, _opener(w), WitnessPacket(w), fingerprint, dst)
    if status == "proven":
        message = f"{src} cannot reach {dst}: {result.reason}"
        evidence: Evidence = Proven(result.reason, result.blocked)
        return _network("NET003", message, _stopper(result), evidence, fingerprint, dst)
    candidate = result.candidate
    message = f"{src} -> {dst}: {status} ({result.reason})"
    hop = _opener(candidate) if candidate is not None else None
    evidence = Undecided(result.reason, candidate)
    return replace(_network("NET002", message, hop, evidence, fingerprint, dst), status=status)


def _network(
    rule_id: str,
    message: str,
    hop: Hop | None,
    evidence: Evidence,
    fingerprint: str,
    target: str,
) -> VerbFinding:
    undecided = isinstance(evidence, Undecided)
    status = "unknown" if undecided else "proven" if isinstance(evidence, Proven) else "witnessed"
    span = hop.span if hop is not None and hop.span is not None and hop.span.line > 0 else None
    return VerbFinding(
        rule_id=rule_id,
        severity=_network_severity(rule_id),
        message=message,
        location=Location(span, hop.component if span is not None and hop else target),
        status=status,
        evidence=evidence,
        fingerprint=_digest(rule_id, fingerprint),
        tentative=undecided,
        properties={"target": target},
    )


@cache
def _network_severity(rule_id: str) -> Severity:
    from policyreason.checks import Family, all_rules

    return next(r.severity for r in all_rules(Family.NETWORK) if r.id == rule_id)


def _located(hops: Sequence[Hop]) -> list[Hop]:
    return [h for h in hops if h.span is not None and h.span.line > 0]


def _opener(w: PathWitness, rule: str = "") -> Hop | None:
    """The hop whose rule decides: the named rule, else the inbound security group rule, else
    the last located hop."""
    located = _located(w.forward.hops)
    for hop in located:
        if (rule and hop.rule == rule) or (not rule and hop.kind == "security-group"):
            return hop
    return located[-1] if located else None


def _stopper(result: ReachResult) -> Hop | None:
    """The last located hop of the trace that stops: the forward one, else the reply."""
    if result.blocked is None:
        return None
    stopped = result.blocked.reply or result.blocked.forward
    if not result.blocked.forward.delivered:
        stopped = result.blocked.forward
    located = _located(stopped.hops)
    return located[-1] if located else None


def _ranges(ranges: tuple[tuple[int, int], ...], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{lo}" if lo == hi else f"{prefix}{lo}-{hi}" for lo, hi in ranges)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
