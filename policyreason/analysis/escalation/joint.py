"""Joint questions: find several real requests, made by one caller, that have a joint
property (`analysis/questions.py`) together — or prove there are none, or say why it is
unknown.

The encoding is `smt/encode_path.py`. The answer is an `Answer[Request]` whose witnesses are
the question's requests in order (all of them together are the witness), each re-checked by
the request typing, and the whole set by the property's concrete twin (the evaluator and every
link between the requests), before it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from policyreason.analysis.questions import JointHolds, JointProperty
from policyreason.analysis.real_request import problems
from policyreason.analysis.search import PORTFOLIO
from policyreason.errors import EncodeError, ModelInvalid
from policyreason.ir.answer import Answer
from policyreason.ir.request import Request
from policyreason.smt.parts import Part

if TYPE_CHECKING:
    from policyreason.smt.encode_path import JointEncoder
    from policyreason.smt.factory import Term
    from policyreason.smt.session import Session

Complete = Callable[[list[Request]], list[Request]]


class Joint:
    """The requests of `parts` encoded once, in one term manager, for every question asked of
    them: each question (and each option set of the portfolio) still gets a solver of its own,
    whose resource limit is its share, but the encoding and its domain are built once. A path
    asked first with its resources fixed, then over every resource, pays for one encoding."""

    def __init__(self, parts: Sequence[Part]) -> None:
        self.parts = list(parts)
        self._made: tuple[JointEncoder, Term] | EncodeError | None = None

    def find(
        self, question: JointProperty, complete: Complete, rlimit: int | None
    ) -> Answer[Request]:
        """Requests for the parts that have the property together. `complete` adds to a
        decoded set what no policy reads but the question fixes (a pinned context value); the
        property's twin must then accept it. Each option set of the portfolio is tried in turn
        until one decides."""
        from policyreason.smt.decode import decode_request
        from policyreason.smt.session import Session, Verdict

        answer: Answer[Request] = Answer.unknown("no solver strategy was tried")
        queries = 0
        for options, share in PORTFOLIO:
            made = self._made
            session = Session(
                rlimit=None if rlimit is None else max(1, int(rlimit * share)),
                options=options,
                tm=made[0].f.tm if isinstance(made, tuple) else None,
            )
            try:
                enc, domain = self._encoding(session)
                session.add(domain)
                session.add(question.goal(enc))
            except EncodeError as exc:
                return Answer.unknown(str(exc), queries)
            result = session.check()
            queries += session.queries
            if result.verdict is Verdict.UNKNOWN:
                answer = Answer.unknown(result.reason, queries)
                continue
            if result.verdict is Verdict.UNSAT:
                assert result.proof is not None
                return Answer.proven(result.proof)
            raw = complete([decode_request(session, e) for e in enc.encoders])
            recheck(raw, question.problems)
            return Answer.witnessed(raw, queries)
        return answer

    def _encoding(self, session: Session) -> tuple[JointEncoder, Term]:
        from policyreason.smt.encode_path import JointEncoder

        if self._made is None:
            try:
                enc = JointEncoder(session.tm, self.parts)
                self._made = (enc, enc.domain())
            except EncodeError as exc:
                self._made = exc
        if isinstance(self._made, EncodeError):
            raise self._made
        return self._made


def recheck(
    requests: Sequence[Request],
    check: JointHolds,
    real: Callable[[Request], Sequence[str]] = problems,
) -> None:
    """Raise ModelInvalid unless every request is real (`real`: real_request's `problems`,
    or a keeper of its answers) and the set passes `check`."""
    for req in requests:
        wrong = real(req)
        if wrong:
            raise ModelInvalid(
                f"the solver's witness {req.to_json()} is not a request AWS could receive "
                f"({'; '.join(wrong)}); this is a bug in policyreason"
            )
    wrong = check(requests)
    if wrong:
        shown = [r.to_json() for r in requests]
        raise ModelInvalid(
            f"the concrete check rejects the solver's joint witness {shown} "
            f"({'; '.join(wrong)}); this is a bug in policyreason"
        )
