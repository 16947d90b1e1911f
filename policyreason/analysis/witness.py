"""Make solver witnesses read like requests a person recognises, without changing what they
prove.

A model may name a role `arn:aws:iam::000000000000:role/A` with session `=`, or a bucket `+`:
real, but not what a reviewer wants to read. Each polish step swaps in a readable value (a role
called ExampleRole, a bucket called example-bucket) and keeps it only if the request is still
one AWS could receive and the concrete evaluator still accepts it for the same question.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from policyreason.analysis.evaluate import DERIVED_KEYS, Context, context_of
from policyreason.analysis.real_request import fits, is_real
from policyreason.data.requests import Typing, Var, iam_principal, typings
from policyreason.ir import template
from policyreason.ir.pattern import Star, Text, Variable
from policyreason.ir.policy import Comparison, Condition, Family, PrincipalType, Statement
from policyreason.ir.request import Request

Check = Callable[[Request], bool]
# Values for the keys AWS sends with every request (`data.requests.ALWAYS_PRESENT`).
# The account of callers a witness makes up (AWS documentation's example account).
EXAMPLE_ACCOUNT = "111122223333"

# What a wildcard or a policy variable the caller does not fix becomes in a guess.
FILLER = "example"

ALWAYS_SENT = {
    "aws:CurrentTime": "2026-01-01T00:00:00Z",
    "aws:EpochTime": "1767225600",
    "aws:SecureTransport": "true",
}


def polish(witness: Request, check: Check) -> Request:
    """A more readable witness that still passes `check`; `witness` itself if none is found."""
    witness = _polish_principal(witness, check)
    witness = _polish_service(witness, check)
    witness = _polish_resource(witness, check)
    return _polish_template_values(witness, check)


def _keep(candidate: Request, check: Check) -> bool:
    return is_real(candidate) and check(candidate)


def _polish_principal(witness: Request, check: Check) -> Request:
    who = iam_principal(witness.principal or "")
    if witness.principal_type is not PrincipalType.AWS or who is None:
        return witness
    if who.kind not in ("AssumedRole", "User"):
        return witness
    # The account stays: which account a caller is in is often what a witness shows.
    name, session = ("ExampleRole", "example-session") if who.session else ("ExampleUser", "")
    better = iam_caller(who.partition, who.account, who.kind, name, session, witness)
    return better if _keep(better, check) else witness


def _polish_service(witness: Request, check: Check) -> Request:
    """A service caller named after a real service: the one whose action it calls."""
    if witness.principal_type is not PrincipalType.SERVICE:
        return witness
    service = witness.action.partition(":")[0].lower()
    for name in (f"{service}.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com"):
        better = witness.model_copy(update={"principal": name})
        if _keep(better, check):
            return better
    return witness


def iam_caller(
    partition: str, account: str, kind: str, name: str, session: str, base: Request
) -> Request:
    """`base` with its caller replaced by a user or role session of `account` (consistent
    aws:userid included, if `base` carries one)."""
    iam = f"arn:{partition}:iam::{account}"
    if kind == "User":
        caller, identity, userid = f"{iam}:user/{name}", None, "AIDAEXAMPLEUSERID0001"
    else:
        caller = f"arn:{partition}:sts::{account}:assumed-role/{name}/{session}"
        identity, userid = f"{iam}:role/{name}", f"AROAEXAMPLEROLEID0001:{session}"
    context = {k: ((userid,) if k.lower() == "aws:userid" else v) for k, v in base.context.items()}
    return base.model_copy(
        update={
            "principal": caller,
            "principal_arn": identity,
            "principal_account": account,
            "principal_type": PrincipalType.AWS,
            "context": context,
        }
    )


def _polish_resource(witness: Request, check: Check) -> Request:
    """Give each variable of the resource's ARN a readable value, one at a time."""
    for typing in typings(witness.action):
        if typing.format.wildcard or not fits(typing, witness.resource):
            continue
        names = [
            (i, p.name)
            for i, c in enumerate(typing.format.components)
            for p in c
            if isinstance(p, Var) and p.kind not in ("partition", "account")
        ]
        for _i, name in names:
            value = _piece(typing.format.components, name, witness.resource)
            readable = _example(name)
            if value is None or value == readable:
                continue
            better = witness.model_copy(
                update={
                    "resource": _replace(typing.format.components, name, witness.resource, readable)
                }
            )
            if _keep(better, check):
                witness = better
        break
    return witness


def _example(variable: str) -> str:
    """A readable value for a format variable: `us-east-1` for a region, else
    `example-<name>` (BucketName -> example-bucket)."""
    if variable.lower() == "region":
        return "us-east-1"
    stem = re.sub(r"(Name|Id|Identifier)$", "", variable) or variable
    return "example-" + re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()


def _capture(components: tuple[tuple[object, ...], ...], name: str) -> re.Pattern[str]:
    comps = []
    for comp in components:
        rx = ""
        for p in comp:
            if isinstance(p, str):
                rx += re.escape(p)
            elif isinstance(p, Var) and p.name == name and p.kind not in ("partition", "account"):
                rx += "(?P<v>.+?)" if p.kind == "any" else "(?P<v>[^:/]+)"
            elif isinstance(p, Var) and p.kind == "account":
                rx += r"\d{12}"
            elif isinstance(p, Var) and p.kind == "any":
                rx += ".+?"
            else:
                rx += "[^:/]+"
        comps.append(rx)
    return re.compile(":".join(comps), re.DOTALL)


def _piece(components: tuple[tuple[object, ...], ...], name: str, resource: str) -> str | None:
    m = _capture(components, name).fullmatch(resource)
    return m.group("v") if m is not None and "v" in m.groupdict() else None


def _replace(
    components: tuple[tuple[object, ...], ...], name: str, resource: str, value: str
) -> str:
    m = _capture(components, name).fullmatch(resource)
    assert m is not None
    return resource[: m.start("v")] + value + resource[m.end("v") :]


def guessed_request(
    action: str, resource: str, account: str, stmt: Statement | None = None
) -> Request:
    """A plain request by a role session of `account`; with `stmt`, each positive condition of
    the statement gets its first literal value (wildcards of a `...Like` value filled in). A
    cheap guess at a witness, for the concrete evaluator to judge before any solver call: most
    grants have simple conditions or none."""
    context = {
        c.key_text: (
            _like_filled(c.values[0].text)
            if c.op.comparison is Comparison.LIKE
            else c.values[0].text,
        )
        for c in (stmt.conditions if stmt is not None else ())
        if c.values and not c.op.negated and c.op.family is not Family.NULL
    }
    given = {k.lower() for k in context}
    for key, value in ALWAYS_SENT.items():
        if key.lower() not in given:
            context[key] = (value,)
    base = Request(action=action, resource=resource, context=context)
    req = iam_caller("aws", account, "AssumedRole", "ExampleRole", "example-session", base)
    return req if stmt is None else _variables_filled(req, stmt)


def _variables_filled(req: Request, stmt: Statement) -> Request:
    """The guess with each positive condition whose first value names policy variables given
    that value as the caller makes it (`variable_value`). A condition whose value cannot be
    given stays as it was (the guess then fails, and the solver is asked)."""
    known = context_of(req)
    context = dict(req.context)
    for c in stmt.conditions:
        if not c.op.negated:
            context.update(variable_value(c, known))
    return req.model_copy(update={"context": context})


def variable_value(cond: Condition, known: Context) -> Context:
    """A value for a condition whose first value names policy variables
    (`${aws:PrincipalTag/owner}` is the caller's tag), with the keys to send for it: each
    variable the caller's value (`known`: lower-case keys), else its default, else `example`,
    then sent as well; each wildcard `example` or `x`. Empty when the value names no variable,
    or one that AWS derives from the request and the caller lacks (`aws:username` of a role)."""
    first = cond.values[0].pattern if cond.values else None
    if first is None or not first.has_variable:
        return {}
    text = ""
    sent: Context = {}
    for part in first.parts:
        if isinstance(part, Text):
            text += part.text
        elif isinstance(part, Variable):
            value = known.get(part.key, ())
            if len(value) == 1:
                text += value[0]
            elif part.default is not None:
                text += part.default
            elif part.key in DERIVED_KEYS:
                return {}
            else:
                sent[part.key] = (FILLER,)
                text += FILLER
        else:
            text += FILLER if isinstance(part, Star) else "x"
    return {cond.key_text: (text,), **sent}


def _like_filled(text: str) -> str:
    return text.replace("*", "example").replace("?", "x")


def _polish_template_values(witness: Request, check: Check) -> Request:
    """Give each template value a readable value of the same shape (an account id for an
    account, an ARN for an ARN), and the request the same value where it used the old one. A
    value the resource starts with (`${Bucket.Arn}/*`) is tried as a prefix of a readable
    resource first."""
    for name in sorted(witness.bindings):
        old = witness.bindings[name]
        for value, request in _template_candidates(witness, name, old):
            bindings = {**request.bindings, name: value}
            if value == old or not template.admits(name, value, _shapes_of(old), bindings):
                continue
            candidate = request.model_copy(update={"bindings": bindings})
            if _keep(candidate, check):
                witness = candidate
                break
    return witness


def _template_candidates(witness: Request, name: str, old: str) -> list[tuple[str, Request]]:
    out: list[tuple[str, Request]] = []
    example = _example_resource(witness) if witness.resource.startswith(old) else None
    if example is not None:
        # The whole resource first (a value that is the resource's whole ARN), then prefixes.
        cuts = [i for i, c in enumerate(example) if c in "/:" and i > len("arn:")]
        cuts.append(len(example))
        request = witness.model_copy(update={"resource": example})
        out += [(example[:i], request) for i in reversed(cuts)]
    for value in _template_examples(name):
        out.append((value, witness))
        out.append((value, _renamed(witness, old, value)))
    return out


def _example_resource(witness: Request) -> str | None:
    """The witness's resource with a readable value for every variable of its format (the
    partition and the account kept)."""
    for typing in typings(witness.action):
        if typing.format.wildcard or not fits(typing, witness.resource):
            continue
        parts = witness.resource.split(":", 5)
        out: list[str] = []
        for i, comp in enumerate(typing.format.components):
            text = ""
            for piece in comp:
                if isinstance(piece, str):
                    text += piece
                elif piece.kind in ("partition", "account"):
                    text += parts[i]
                else:
                    text += _example(piece.name)
            out.append(text)
        return ":".join(out)
    return None


def example_resource(typing: Typing) -> str:
    """A readable resource of the typing's format in the example account (`*` for an action
    that takes no resource)."""
    if typing.format.wildcard:
        return "*"
    fill = {"partition": "aws", "account": EXAMPLE_ACCOUNT}
    return ":".join(
        "".join(
            piece if isinstance(piece, str) else fill.get(piece.kind) or _example(piece.name)
            for piece in comp
        )
        for comp in typing.format.components
    )


def _shapes_of(value: str) -> list[template.Shape]:
    # The shapes a value has are a superset of those its place demands: a replacement that
    # keeps them all is one the deployment could give.
    return [s for s in template.Shape if template.admits("", value, [s], {})]


def _template_examples(name: str) -> list[str]:
    kind = template.kind(name)
    fixed = {
        template.Kind.ACCOUNT: "123456789012",
        template.Kind.REGION: "us-east-1",
        template.Kind.PARTITION: "aws",
        template.Kind.URL_SUFFIX: "amazonaws.com",
    }
    if kind in fixed:
        return [fixed[kind]]
    # Named after the last two parts of the name that are not positions.
    parts = [p for p in re.split(r"[.@]", name) if p and not p.isdigit()][-2:]
    words = re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", "-".join(parts))
    stem = "example-" + "-".join(w.lower() for w in words if w)
    arns = [f"arn:aws:s3:::{stem}", f"arn:aws:iam::123456789012:role/{stem}"]
    # A value named as an ARN (`TopicArn`, `Queue.Arn`) is tried as one first.
    if name.lower().endswith("arn"):
        return [*arns, "123456789012", stem]
    return ["123456789012", *arns, stem]


def _renamed(witness: Request, old: str, new: str) -> Request:
    """The request with every use of a template value's old value switched to the new: inside
    longer texts only when the old value is long enough not to occur there by chance."""

    def swap(text: str | None) -> str | None:
        if text is None or (len(old) <= 2 and text != old):
            return text
        return text.replace(old, new)

    ctx = witness.context
    return witness.model_copy(
        update={
            "principal": swap(witness.principal),
            "principal_arn": swap(witness.principal_arn),
            "principal_account": swap(witness.principal_account),
            "resource_account": swap(witness.resource_account),
            "resource": swap(witness.resource) or witness.resource,
            "context": {k: tuple(swap(v) or v for v in vs) for k, vs in ctx.items()},
        }
    )
