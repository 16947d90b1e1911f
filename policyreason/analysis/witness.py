"""Make solver witnesses read like real requests without changing what they prove.

A model may name an action `s3:` or a principal `arn:aws:iam::000000000000:A`: valid, but not
what a reviewer wants to read. Each polish step swaps in a realistic value (a real action of the
same service from the service reference, a role ARN) and keeps it only if the concrete evaluator
still accepts the witness for the same question.
"""

from __future__ import annotations

from collections.abc import Callable

from policyreason.data import reference
from policyreason.ir.pattern import ascii_lower
from policyreason.ir.policy import Family, PrincipalType, Statement
from policyreason.ir.request import Request

Check = Callable[[Request], bool]


def polish(witness: Request, check: Check, avoid: frozenset[str] = frozenset()) -> Request:
    """A more readable witness that still passes `check`; `witness` itself if none is found.

    Actions in `avoid` (lower-case) are not swapped in, so successive witnesses differ."""
    witness = _polish_action(witness, check, avoid)
    return _polish_principal(witness, check)


def _polish_action(witness: Request, check: Check, avoid: frozenset[str]) -> Request:
    known = reference.action(witness.action)
    if known is not None:
        return witness.model_copy(update={"action": known.full_name})
    svc = reference.service(witness.action.partition(":")[0])
    if svc is None:
        return witness
    for candidate in sorted(svc.actions.values(), key=lambda a: a.name):
        if ascii_lower(candidate.full_name) in avoid:
            continue
        better = witness.model_copy(update={"action": candidate.full_name})
        if check(better):
            return better
    return witness


def _polish_principal(witness: Request, check: Check) -> Request:
    if witness.principal_type is not PrincipalType.AWS or not witness.principal_account:
        return witness
    for name in ("role/ExampleRole", "user/ExampleUser"):
        better = witness.model_copy(
            update={"principal": f"arn:aws:iam::{witness.principal_account}:{name}"}
        )
        if check(better):
            return better
    return witness


def guessed_request(
    action: str, resource: str, account: str, stmt: Statement | None = None
) -> Request:
    """A plain request by a role of `account`; with `stmt`, each positive condition of the
    statement gets its first literal value. A cheap guess at a witness, for the concrete
    evaluator to judge before any solver call: most grants have simple conditions or none."""
    context = {
        c.key_text: (c.values[0].text,)
        for c in (stmt.conditions if stmt is not None else ())
        if c.values and not c.op.negated and c.op.family is not Family.NULL
    }
    return Request(
        principal=f"arn:aws:iam::{account}:role/ExampleRole",
        principal_type=PrincipalType.AWS,
        principal_account=account,
        action=action,
        resource=resource,
        context=context,
    )
