"""Existential questions over policies: find real requests that have a property
(`analysis/questions.py`), each re-checked by the property's concrete twin and by the request
typing, or prove there are none, or say why it is unknown. Every answer is an
`Answer[Request]`; the solver's sat/unsat stays below this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from policyreason.analysis.questions import Property
from policyreason.analysis.real_request import problems
from policyreason.analysis.samples import samples
from policyreason.analysis.witness import polish
from policyreason.data.requests import Typing
from policyreason.errors import EncodeError, ModelInvalid
from policyreason.ir.answer import Answer
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy, PrincipalType
from policyreason.ir.request import Request

if TYPE_CHECKING:
    from policyreason.smt.encode_policy import PolicyEncoder
    from policyreason.smt.session import Session

# Tried in order for each question until one answers, each with its share of the resource
# limit (a multiple of the question's `rlimit`; resources, not seconds, so that answers do not
# depend on the machine's load). Finite model finding for strings settles the many-wildcard
# queries the default strategy gives up on (a managed-policy query went from a 30 s timeout to
# 0.4 s), while the default is the faster prover of "no access".
PORTFOLIO: tuple[tuple[dict[str, str], float], ...] = (({}, 0.25), ({"strings-fmf": "true"}, 0.5))


def principal_types(*policies: Policy) -> list[PrincipalType | None] | None:
    """Identity-style policies apply to IAM principals only; a Principal element opens the
    request to every kind of caller, anonymous included."""
    if any(p.kind.has_principal for p in policies):
        return None
    return [PrincipalType.AWS]


def find_requests(
    session: Session,
    enc: PolicyEncoder,
    question: Property,
    limit: int,
    guesses: Iterable[tuple[Request, Typing]] = (),
) -> Answer[Request]:
    """Up to `limit` distinct real requests with the property, each re-checked by its
    concrete twin and by the request typing. Later witnesses come from other cells of the
    request space (other actions or resource types), so they show different access. Raises
    EncodeError when the property uses a construct the encoding does not support.

    `guesses` the concrete twin accepts are tried first, each pinned (a query that takes the
    solver a fraction of a second where the open one can take its whole limit); the solver
    then looks for the rest. A guess the solver does not confirm is dropped."""
    from policyreason.smt.decode import decode_request
    from policyreason.smt.session import Verdict

    f = enc.f
    goal = question.goal(enc)
    found: list[Request] = []
    proof = None

    def take() -> None:
        raw = decode_request(session, enc)
        _recheck(raw, question.holds)
        found.append(polish(raw, question.holds))
        session.add(f.not_(f.eq(enc.request.cell, session.model_term(enc.request.cell))))

    session.push()
    try:
        session.add(goal)
        for guess, typing in guesses:
            if len(found) >= limit:
                break
            if (
                question.holds(guess)
                and session.check(enc.request.pin(guess, typing)).verdict is Verdict.SAT
            ):
                take()
        while len(found) < limit:
            result = session.check()
            if result.verdict is Verdict.UNKNOWN:
                if found:
                    break
                return Answer.unknown(result.reason)
            if result.verdict is Verdict.UNSAT:
                proof = result.proof
                break
            take()
    finally:
        session.pop()
    if found:
        return Answer.witnessed(found)
    assert proof is not None
    return Answer.proven(proof)


def _recheck(raw: Request, check: Callable[[Request], bool]) -> None:
    wrong = problems(raw)
    if wrong:
        raise ModelInvalid(
            f"the solver's witness {raw.to_json()} is not a request AWS could receive "
            f"({'; '.join(wrong)}); this is a bug in policyreason"
        )
    if not check(raw):
        raise ModelInvalid(
            "the concrete evaluator rejects the solver's witness "
            f"{raw.to_json()}; this is a bug in policyreason"
        )


class Searcher:
    """One encoding of `policies` per PORTFOLIO option set, kept across many questions (each
    asked inside push/pop), so a run of related queries pays for encoding once.

    A question that names actions or resources of its own registers them here (`actions`,
    `resources`), so the request space tells them apart; questions only about requests of
    some actions may say so (`only_actions`), and the request space is built for those alone.
    Option sets after the first are created only when a question comes back unknown."""

    def __init__(
        self,
        policies: Sequence[Policy],
        rlimit: int | None,
        portfolio: Sequence[tuple[dict[str, str], float]] = PORTFOLIO,
        actions: Iterable[Sequence[Pattern]] = (),
        resources: Iterable[Pattern] = (),
        only_actions: Iterable[str] | None = None,
    ) -> None:
        self._policies = list(policies)
        self._rlimit = rlimit
        self._portfolio = portfolio
        self._actions = list(actions)
        self._resources = list(resources)
        self._only = None if only_actions is None else sorted(only_actions)
        self._sessions: list[tuple[Session, PolicyEncoder] | EncodeError] = []
        self._samples: list[tuple[Request, Typing]] | None = None
        self.queries = 0

    def _guesses(self) -> list[tuple[Request, Typing]]:
        if self._samples is None:
            self._samples = list(samples(self._policies))
        return self._samples

    def _session(self, level: int) -> tuple[Session, PolicyEncoder]:
        from policyreason.smt.encode_policy import PolicyEncoder
        from policyreason.smt.session import Session

        while len(self._sessions) <= level:
            options, share = self._portfolio[len(self._sessions)]
            rlimit = None if self._rlimit is None else max(1, int(self._rlimit * share))
            session = Session(rlimit=rlimit, options=options)
            try:
                enc = PolicyEncoder(
                    session.tm,
                    self._policies,
                    self._actions,
                    self._resources,
                    only_actions=self._only,
                )
                session.add(enc.domain(principal_types(*self._policies)))
                self._sessions.append((session, enc))
            except EncodeError as exc:
                self._sessions.append(exc)
        made = self._sessions[level]
        if isinstance(made, EncodeError):
            raise made
        return made

    def find(self, question: Property, limit: int = 1) -> Answer[Request]:
        """Up to `limit` requests with the property (see `find_requests`), trying each option
        set in turn until one answers; a construct the encoding does not support is unknown at
        once. The answer's `queries` counts this question's solver calls."""
        before = self.queries
        answer: Answer[Request] = Answer.unknown("no solver strategy was tried")
        for level in range(len(self._portfolio)):
            try:
                session, enc = self._session(level)
                start = session.queries
                answer = find_requests(session, enc, question, limit, self._guesses())
            except EncodeError as exc:
                return Answer.unknown(str(exc), self.queries - before)
            self.queries += session.queries - start
            if answer.decided:
                break
        return answer.with_queries(self.queries - before)


def search_requests(
    policies: Sequence[Policy],
    question: Property,
    limit: int,
    rlimit: int | None,
    actions: Iterable[Sequence[Pattern]] = (),
    resources: Iterable[Pattern] = (),
) -> Answer[Request]:
    """Encode `policies` over one symbolic request and look for requests with the property
    (a one-question `Searcher`)."""
    return Searcher(policies, rlimit, actions=actions, resources=resources).find(question, limit)
