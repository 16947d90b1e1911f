"""Could AWS receive this request? The concrete side of the request typing of
`data/requests.py`, which every witness passes before it is shown (the solver's typing is
`smt/encode_request.py`; a witness that fails here is a bug, never a finding)."""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal, InvalidOperation

from policyreason.data import reference
from policyreason.data.global_keys import SENT_AS_DATETIME, SENT_AS_SECONDS
from policyreason.data.requests import (
    ALWAYS_PRESENT,
    DERIVED_PRINCIPAL_KEYS,
    RESOURCE_ACCOUNT,
    SERVICE_KEYS,
    Typing,
    format_regex,
    iam_principal,
    key_available,
    key_type,
    principal_family,
    session_of_role,
    typings,
)
from policyreason.ir.policy import PrincipalType
from policyreason.ir.request import Request
from policyreason.ir.values import parse_date

# The only calls a web identity or SAML provider makes, and the only service a canonical
# user id calls.
FEDERATED_ACTIONS = frozenset(
    {
        "sts:assumerolewithwebidentity",
        "sts:assumerolewithsaml",
        "sts:tagsession",
        "sts:setsourceidentity",
    }
)
_USERID = {
    "User": re.compile(r"AIDA[A-Z0-9]{12,}"),
    "AssumedRole": re.compile(r"AROA[A-Z0-9]{12,}:(?P<session>.+)", re.DOTALL),
}


def is_real(req: Request) -> bool:
    """True when AWS could receive the request (see `problems`)."""
    return not problems(req)


def problems(req: Request) -> list[str]:
    """Why AWS could not receive the request, one sentence each; empty when it could."""
    action = reference.action(req.action)
    if action is None:
        return [f"{req.action!r} is not an action of the service reference"]
    fitting = [t for t in typings(req.action) if fits(t, req.resource)]
    if not fitting:
        return [f"{req.resource!r} is not a resource {action.full_name} acts on"]
    out = _principal_problems(req)
    out += _context_problems(req, fitting)
    out += _account_problems(req, fitting)
    return out


def fits(typing: Typing, resource: str) -> bool:
    """The resource has the typing's format (`*` for actions that take no resource type)."""
    if typing.format.wildcard:
        return resource == "*"
    return format_regex(typing.format).fullmatch(resource) is not None


def _principal_problems(req: Request) -> list[str]:
    keys = {k.lower() for k in req.context}
    ptype = req.principal_type
    if ptype is None:
        out = [] if req.principal is None else ["an anonymous caller has no principal"]
        if req.principal_account or req.principal_arn:
            out.append("an anonymous caller has no account and no principal ARN")
        out += [f"an anonymous caller sends no {k}" for k in sorted(keys) if principal_family(k)]
        return out
    if ptype is not PrincipalType.AWS:
        out = [] if req.principal else [f"a {ptype.value} caller needs a name"]
        if req.principal_account or req.principal_arn:
            out.append(f"a {ptype.value} caller has no account and no principal ARN")
        own = SERVICE_KEYS if ptype is PrincipalType.SERVICE else ()
        out += [
            f"a {ptype.value} caller sends no {k}"
            for k in sorted(keys)
            if principal_family(k) and k not in own
        ]
        action = req.action.lower()
        if ptype is PrincipalType.FEDERATED and action not in FEDERATED_ACTIONS:
            out.append(f"an identity provider does not call {req.action}")
        if ptype is PrincipalType.CANONICAL_USER and not action.startswith("s3:"):
            out.append(f"a canonical user does not call {req.action}")
        return out
    who = iam_principal(req.principal or "")
    if who is None:
        return [f"{req.principal!r} is not the ARN of an IAM caller (user, role session, root)"]
    out = []
    if req.principal_account != who.account:
        out.append(f"the principal's account is {who.account}, not {req.principal_account}")
    if who.kind == "AssumedRole":
        if req.principal_arn is None or not session_of_role(req.principal_arn, req.principal or ""):
            out.append("a role session's principal ARN must be its role's ARN")
    elif req.principal_arn not in (None, req.principal):
        out.append("the principal ARN of a user, root or federated user is its own ARN")
    if req.resource.startswith("arn:") and req.resource.split(":")[1] != who.partition:
        out.append("the caller and the resource are in different partitions")
    userid = _values(req, "aws:userid")
    if userid:
        out += _userid_problems(who.kind, who.account, who.name, who.session, userid[0])
    return out


def _userid_problems(kind: str, account: str, name: str, session: str, userid: str) -> list[str]:
    if kind == "Account":
        ok = userid == account
    elif kind == "FederatedUser":
        ok = userid == f"{account}:{name}"
    else:
        m = _USERID[kind].fullmatch(userid)
        ok = m is not None and (kind == "User" or m.group("session") == session)
    return [] if ok else [f"aws:userid {userid!r} is not the unique id of a {kind} caller"]


def _values(req: Request, key: str) -> tuple[str, ...]:
    for k, v in req.context.items():
        if k.lower() == key:
            return v
    return ()


def _context_problems(req: Request, fitting: list[Typing]) -> list[str]:
    out: list[str] = []
    given = {k.lower(): (k, v) for k, v in req.context.items()}
    for key in ALWAYS_PRESENT:
        if not given.get(key, ("", ()))[1]:
            out.append(f"{key} is in every request")
    for key, (written, values) in sorted(given.items()):
        if key in DERIVED_PRINCIPAL_KEYS or key == RESOURCE_ACCOUNT:
            out.append(f"{written} is derived from the request, not sent in its context")
            continue
        if not any(key_available(key, t.keys) for t in fitting):
            out.append(f"{req.action} on this resource sends no {written}")
            continue
        out += _value_problems(written, key_type(key) or "String", values)
        out += [f"{written} = {v!r} is not how AWS sends it" for v in values if not _sent(key, v)]
    current = _values(req, "aws:currenttime")
    epoch = _values(req, "aws:epochtime")
    if current and epoch:
        a, b = parse_date(current[0]), parse_date(epoch[0])
        if a is None or b is None or a // 1000 != b // 1000:
            out.append("aws:CurrentTime and aws:EpochTime are the same instant")
    return out


def _sent(key: str, value: str) -> bool:
    """A time key's value as AWS writes it: a date or epoch seconds compare alike as dates,
    but a request carries its own time keys in one form each."""
    if key in SENT_AS_DATETIME:
        when = parse_date(value)
        return "T" in value and when is not None and when >= 0
    if key in SENT_AS_SECONDS:
        return re.fullmatch(r"0|[1-9][0-9]{0,10}", value) is not None
    return True


def _value_problems(key: str, kind: str, values: tuple[str, ...]) -> list[str]:
    multi = kind.startswith("ArrayOf")
    base = kind.removeprefix("ArrayOf")
    if not multi and len(values) > 1:
        return [f"{key} carries one value, not {len(values)}"]
    bad = [v for v in values if not _typed(base, v)]
    return [f"{key} = {v!r} is not a {base} value" for v in bad]


def _typed(kind: str, value: str) -> bool:
    if kind == "Bool":
        return value in ("true", "false")
    if kind == "Numeric":
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    if kind == "Date":
        return parse_date(value) is not None
    if kind == "IPAddress":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return True
    return True


def _account_problems(req: Request, fitting: list[Typing]) -> list[str]:
    owned = [t for t in fitting if t.format.account_var]
    if not owned:
        if req.resource_account is not None and not re.fullmatch(r"\d{12}", req.resource_account):
            return [f"resource account {req.resource_account!r} is not an account id"]
        return []
    account = req.resource.split(":")[4]
    if req.resource_account != account:
        return [f"the resource's account is {account}, not {req.resource_account}"]
    return []
