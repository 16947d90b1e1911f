"""Existential questions over policies: find requests the solver says satisfy a goal, each
re-checked by the concrete evaluator, or prove there are none, or say why it is unknown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from policyreason.analysis.witness import polish
from policyreason.data import reference
from policyreason.errors import EncodeError, ModelInvalid
from policyreason.ir.pattern import ascii_lower
from policyreason.ir.policy import Policy, PrincipalType
from policyreason.ir.request import Request
from policyreason.smt.decode import decode_request
from policyreason.smt.encode_policy import PolicyEncoder, is_multivalued_default
from policyreason.smt.factory import Term
from policyreason.smt.session import Session, Verdict

Check = Callable[[Request], bool]

# Tried in order for each question until one answers, each with its share of the resource
# limit (a multiple of the question's `rlimit`; resources, not seconds, so that answers do not
# depend on the machine's load). Finite model finding for strings settles the many-wildcard
# queries the default strategy gives up on (a managed-policy query went from a 30 s timeout to
# 0.4 s), while the default is the faster prover of "no access".
PORTFOLIO: tuple[tuple[dict[str, str], float], ...] = (({}, 0.25), ({"strings-fmf": "true"}, 0.5))


@dataclass
class Search:
    """The answer to one existential question: witnesses found, proven empty, or unknown."""

    verdict: Verdict
    witnesses: list[Request] = field(default_factory=list)
    reason: str = ""
    queries: int = 0


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
    check: Check,
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


class Searcher:
    """One encoding of `policies` per PORTFOLIO option set, kept across many questions (each
    asked inside push/pop), so a run of related queries pays for encoding once.

    Option sets after the first are created only when a question comes back unknown."""

    def __init__(
        self,
        policies: Sequence[Policy],
        rlimit: int | None,
        portfolio: Sequence[tuple[dict[str, str], float]] = PORTFOLIO,
    ) -> None:
        self._policies = list(policies)
        self._rlimit = rlimit
        self._portfolio = portfolio
        self._sessions: list[tuple[Session, PolicyEncoder] | EncodeError] = []
        self.queries = 0

    def _session(self, level: int) -> tuple[Session, PolicyEncoder]:
        while len(self._sessions) <= level:
            options, share = self._portfolio[len(self._sessions)]
            rlimit = None if self._rlimit is None else max(1, int(self._rlimit * share))
            session = Session(rlimit=rlimit, options=options)
            try:
                enc = PolicyEncoder(session.tm, self._policies, multivalued)
                session.add(enc.domain(principal_types(*self._policies)))
                self._sessions.append((session, enc))
            except EncodeError as exc:
                self._sessions.append(exc)
        made = self._sessions[level]
        if isinstance(made, EncodeError):
            raise made
        return made

    def find(self, goal: Callable[[PolicyEncoder], Term], check: Check, limit: int = 1) -> Search:
        """Up to `limit` witnesses of `goal` (see `find_requests`), trying each option set
        in turn until one answers; an encoding error is unknown at once."""
        search = Search(Verdict.UNKNOWN)
        for level in range(len(self._portfolio)):
            try:
                session, enc = self._session(level)
                formula = goal(enc)
            except EncodeError as exc:
                return Search(Verdict.UNKNOWN, [], str(exc), self.queries)
            before = session.queries
            search = find_requests(session, enc, formula, check, limit)
            self.queries += session.queries - before
            search.queries = self.queries
            if search.verdict is not Verdict.UNKNOWN:
                break
        return search


def search_requests(
    policies: Sequence[Policy],
    goal: Callable[[PolicyEncoder], Term],
    check: Check,
    limit: int,
    rlimit: int | None,
) -> Search:
    """Encode `policies` over one symbolic request and look for `goal` (a one-question
    `Searcher`)."""
    return Searcher(policies, rlimit).find(goal, check, limit)
