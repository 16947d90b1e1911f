"""Policy comparison, both ways: the access a new version grants that the old did not (new
access) and the access it takes away (lost access), each with concrete witness requests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from policyreason.analysis.evaluate import allows
from policyreason.analysis.witness import polish
from policyreason.data import reference
from policyreason.errors import EncodeError, ModelInvalid
from policyreason.ir.pattern import ascii_lower
from policyreason.ir.policy import Policy, PrincipalType
from policyreason.ir.request import Request
from policyreason.smt.decode import decode_request
from policyreason.smt.encode_policy import PolicyEncoder, is_multivalued_default
from policyreason.smt.factory import Term
from policyreason.smt.session import DEFAULT_RLIMIT, Session, Verdict

DEFAULT_WITNESSES = 3


class CompareVerdict(StrEnum):
    EQUIVALENT = "equivalent"
    MORE_PERMISSIVE = "more_permissive"
    LESS_PERMISSIVE = "less_permissive"
    INCOMPARABLE = "incomparable"
    UNKNOWN = "unknown"


@dataclass
class Search:
    """The answer to one existential question: witnesses found, proven empty, or unknown."""

    verdict: Verdict
    witnesses: list[Request] = field(default_factory=list)
    reason: str = ""


@dataclass
class CompareResult:
    verdict: CompareVerdict
    new_access: Search
    lost_access: Search
    seconds: float = 0.0
    queries: int = 0

    @property
    def reason(self) -> str:
        return "; ".join(s.reason for s in (self.new_access, self.lost_access) if s.reason)


def multivalued(key: str) -> bool:
    """Keys that carry a set of values: documented as such, or known to the reference."""
    return is_multivalued_default(key) or reference.is_multivalued(key)


def principal_types(*policies: Policy) -> list[PrincipalType | None] | None:
    """Identity-style policies apply to IAM principals only; a Principal element opens the
    request to every kind of caller, anonymous included."""
    if any(p.kind.has_principal for p in policies):
        return None
    return [PrincipalType.AWS]


def find_requests(
    session: Session,
    enc: PolicyEncoder,
    goal: Term,
    check: Callable[[Request], bool],
    limit: int,
) -> Search:
    """Up to `limit` distinct requests satisfying `goal`, each re-checked by `check` (the
    concrete evaluator). Later witnesses avoid the actions of earlier ones, so they show
    different access where there is any."""
    f = enc.f
    found: list[Request] = []
    session.push()
    try:
        session.add(goal)
        while len(found) < limit:
            result = session.check()
            if result.verdict is Verdict.UNKNOWN:
                if found:
                    break
                return Search(Verdict.UNKNOWN, [], f"solver gave up: {result.reason}")
            if result.verdict is Verdict.UNSAT:
                break
            raw = decode_request(session, enc)
            if not check(raw):
                raise ModelInvalid(
                    "the concrete evaluator rejects the solver's witness "
                    f"{raw.to_json()}; this is a bug in policyreason"
                )
            used = frozenset(ascii_lower(w.action) for w in found)
            witness = polish(raw, check, used)
            found.append(witness)
            for action in {raw.action, ascii_lower(witness.action)}:
                session.add(f.not_(f.eq(enc.action, f.string(action))))
    finally:
        session.pop()
    return Search(Verdict.SAT if found else Verdict.UNSAT, found)


# Tried in order for each question until one answers. Finite model finding for strings
# settles the many-wildcard queries the default strategy times out on (a managed-policy query
# went from a 30 s timeout to 0.4 s), while the default is the faster prover of "no access".
PORTFOLIO: tuple[tuple[dict[str, str], int], ...] = (({}, 5_000), ({"strings-fmf": "true"}, 30_000))


def compare(
    old: Policy,
    new: Policy,
    witnesses: int = DEFAULT_WITNESSES,
    rlimit: int | None = DEFAULT_RLIMIT,
) -> CompareResult:
    """Compare two policies (each on its own: Allow minus Deny) in both directions."""
    start = time.perf_counter()
    queries = 0

    def direction(wider: Policy, narrower: Policy) -> Search:
        nonlocal queries
        search = Search(Verdict.UNKNOWN)
        for options, tlimit in PORTFOLIO:
            session = Session(rlimit=rlimit, tlimit_ms=tlimit, options=options)
            try:
                enc = PolicyEncoder(session.tm, [old, new], multivalued)
                goal = enc.f.and_([enc.allows(wider), enc.f.not_(enc.allows(narrower))])
            except EncodeError as exc:
                return Search(Verdict.UNKNOWN, [], str(exc))
            session.add(enc.domain(principal_types(old, new)))
            search = find_requests(
                session,
                enc,
                goal,
                lambda r: allows(wider, r) and not allows(narrower, r),
                witnesses,
            )
            queries += session.queries
            if search.verdict is not Verdict.UNKNOWN:
                break
        return search

    gained = direction(new, old)
    lost = direction(old, new)
    verdict = _verdict(gained.verdict, lost.verdict)
    return CompareResult(verdict, gained, lost, time.perf_counter() - start, queries)


def _verdict(gained: Verdict, lost: Verdict) -> CompareVerdict:
    if Verdict.UNKNOWN in (gained, lost):
        return CompareVerdict.UNKNOWN
    if gained is Verdict.SAT:
        return (
            CompareVerdict.INCOMPARABLE if lost is Verdict.SAT else CompareVerdict.MORE_PERMISSIVE
        )
    return CompareVerdict.LESS_PERMISSIVE if lost is Verdict.SAT else CompareVerdict.EQUIVALENT
