"""Existential questions over policies: find real requests that have a property
(`analysis/questions.py`), each re-checked by the property's concrete twin and by the request
typing, or prove there are none, or say why it is unknown. Every answer is an
`Answer[Request]`; the solver's sat/unsat stays below this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from policyreason.analysis.questions import Property
from policyreason.analysis.real_request import problems
from policyreason.analysis.samples import samples
from policyreason.analysis.witness import polish
from policyreason.data.requests import Typing
from policyreason.errors import EncodeError, ModelInvalid
from policyreason.ir.answer import Answer, Proof
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import Policy, PrincipalType
from policyreason.ir.request import Request

if TYPE_CHECKING:
    from policyreason.smt.encode_policy import PolicyEncoder
    from policyreason.smt.factory import Term
    from policyreason.smt.session import CheckResult, Session

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


@dataclass
class _Search:
    """What one option set made of a question: the witnesses found, the proof of the parts
    proven empty, and the parts it could not decide (cell -> why)."""

    found: list[Request] = field(default_factory=list)
    proof: Proof | None = None
    undecided: dict[int, str] = field(default_factory=dict)

    def proven(self, proof: Proof | None) -> None:
        assert proof is not None
        self.proof = proof if self.proof is None else self.proof.join(proof)


def find_requests(
    session: Session,
    enc: PolicyEncoder,
    question: Property,
    limit: int,
    guesses: Iterable[tuple[Request, Typing]] = (),
    cells: Iterable[int] | None = None,
    split: bool = True,
) -> _Search:
    """Up to `limit` distinct real requests with the property, each re-checked by its
    concrete twin and by the request typing, each from another cell of the request space
    (another action or resource type), so they show different access. Raises EncodeError
    when the property uses a construct the encoding does not support.

    `guesses` the concrete twin accepts are tried first, each pinned (a query that takes the
    solver a fraction of a second where the open one can take its whole limit). The solver
    then looks for the rest one cell at a time (`cells`, or all): with the action and the
    resource's format fixed, each part is a far smaller question than the whole, whose proof
    is the join of the parts' proofs. Without `split`, one open question over all of them.
    A guess the solver does not confirm is dropped."""
    from policyreason.smt.decode import decode_request
    from policyreason.smt.session import Verdict

    f = enc.f
    goal = question.goal(enc)
    space = enc.space
    # Cells of actions the policies name first: their witnesses show what the policies say.
    parts = sorted(
        range(len(space.cells)) if cells is None else set(cells),
        key=lambda c: (not space.named(space.cells[c]), c),
    )
    wanted = set(parts)
    out = _Search()

    def take() -> int:
        raw = decode_request(session, enc)
        _recheck(raw, question.holds)
        out.found.append(polish(raw, question.holds))
        return int(session.model_term(enc.request.cell).toPythonObj())

    def ask(*facts: Term) -> CheckResult:
        # The goal is assumed together with the facts that fix its cell, never asserted for
        # the whole question: with the goal asserted and the cell assumed, the one cell with
        # new access of a managed policy took 4.4-5.0 s after its 200 unsat neighbours, and
        # 0.3 s when asked so (asserting both under a push does as well, but each push and
        # pop costs about a millisecond).
        result = session.check(goal, *facts)
        if result.verdict is Verdict.SAT:
            taken.add(take())
        return result

    taken: set[int] = set()
    for guess, typing in guesses:
        if len(out.found) >= limit:
            break
        if enc.space.cell_of(typing) in wanted - taken and question.holds(guess):
            ask(enc.request.pin(guess, typing))
    if split:
        for c in parts:
            if len(out.found) >= limit:
                break
            if c in taken:
                continue
            result = ask(f.eq(enc.request.cell, f.integer(c)))
            if result.verdict is Verdict.UNSAT:
                out.proven(result.proof)
            elif result.verdict is Verdict.UNKNOWN:
                out.undecided[c] = result.reason
        return out
    # One open question over every cell (or `cells`), each witness's cell blocked in turn; the
    # goal and the blocks are assumed, as in the split questions, so the encoding's assertions
    # need no push and pop around them.
    facts = [] if cells is None else [enc.request.in_cells(parts)]
    facts += [f.not_(f.eq(enc.request.cell, f.integer(c))) for c in taken]
    while len(out.found) < limit and not taken.issuperset(parts):
        result = session.check(goal, *facts)
        if result.verdict is Verdict.SAT:
            cell = take()
            taken.add(cell)
            facts.append(f.not_(f.eq(enc.request.cell, f.integer(cell))))
            continue
        if result.verdict is Verdict.UNSAT:
            out.proven(result.proof)
        else:
            out.undecided.update((c, result.reason) for c in parts if c not in taken)
        break
    return out


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
    asked under assumptions, never left asserted), so a run of related queries pays for
    encoding once.

    A question that names actions or resources of its own registers them here (`actions`,
    `resources`), so the request space tells them apart; questions only about requests of
    some actions may say so (`only_actions`), and the request space is built for those alone.
    Option sets after the first are created only when a question comes back unknown. With
    `split`, each question is asked one cell of the request space at a time
    (`find_requests`). Without `guess`, the requests the policies spell out (`samples`) are
    not tried first: for a caller that has tried the ones that can matter already."""

    def __init__(
        self,
        policies: Sequence[Policy],
        rlimit: int | None,
        portfolio: Sequence[tuple[dict[str, str], float]] = PORTFOLIO,
        actions: Iterable[Sequence[Pattern]] = (),
        resources: Iterable[Pattern] = (),
        only_actions: Iterable[str] | None = None,
        split: bool = False,
        guess: bool = True,
    ) -> None:
        self._policies = list(policies)
        self._split = split
        self._rlimit = rlimit
        self._portfolio = portfolio
        self._actions = list(actions)
        self._resources = list(resources)
        self._only = None if only_actions is None else sorted(only_actions)
        self._sessions: list[tuple[Session, PolicyEncoder] | EncodeError] = []
        self._samples: list[tuple[Request, Typing]] | None = None if guess else []
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
        set in turn on the parts the ones before could not decide; a construct the encoding
        does not support is unknown at once. Witnessed as soon as an option set finds one,
        proven when every part is proven, else unknown. The answer's `queries` counts this
        question's solver calls."""
        before = self.queries
        proof: Proof | None = None
        cells: list[int] | None = None
        reason = "no solver strategy was tried"
        for level in range(len(self._portfolio)):
            try:
                session, enc = self._session(level)
                start = session.queries
                search = find_requests(
                    session, enc, question, limit, self._guesses(), cells, self._split
                )
            except EncodeError as exc:
                return Answer.unknown(str(exc), self.queries - before)
            self.queries += session.queries - start
            if search.found:
                return Answer.witnessed(search.found, self.queries - before)
            if search.proof is not None:
                proof = search.proof if proof is None else proof.join(search.proof)
            if not search.undecided:
                assert proof is not None
                return Answer.proven(proof).with_queries(self.queries - before)
            cells = sorted(search.undecided)
            reason = search.undecided[cells[0]]
        return Answer.unknown(reason, self.queries - before)


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
