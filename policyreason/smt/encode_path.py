"""Several real requests made by one caller, as one solver question.

A privilege-escalation path is a set of requests that one principal must be allowed to make
together: pass a role to Lambda, create the function, invoke it. Asking about each request
alone is wrong twice over: the requests may each be allowed but never together (an
`iam:PassRole` allowed only with `iam:PassedToService = ec2.amazonaws.com` passes no role to
Lambda; a condition on a principal tag can hold for one request and fail for another), and
what ties them (the function invoked is the one created, the user modified is the caller) is
lost.

Design: the question holds k symbolic requests, each a full `PolicyEncoder` over its own
`SymbolicRequest`, all in one term manager. The caller is one: `SymbolicRequest.same_caller`
equates the principal's variables (kind, account, path, name, session, partition) and every
principal key both requests declare (aws:PrincipalTag/..., aws:MultiFactorAuthPresent...), so
keys derived from the principal agree too. Each request is encoded over only the statements
that can apply to its action (the caller cuts the policies), which keeps each copy small; the
requests' other variables (resource, context) stay independent unless the question links them
(`same_resource`, `resource_is_caller`, `key_is_resource`...). Keeping one encoder per request,
rather than one encoder with k requests, leaves `PolicyEncoder` untouched: a copy is just
another encoder built through its public constructor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import cvc5
from cvc5 import Kind

from policyreason.data.requests import ArnFormat, format_regex
from policyreason.errors import EncodeError
from policyreason.ir.pattern import Pattern
from policyreason.ir.policy import PrincipalType
from policyreason.ir.request import IamKind
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.encode_request import IAM_CODES, KeySort, KeyVars
from policyreason.smt.factory import Term
from policyreason.smt.parts import Part


class JointEncoder:
    """k symbolic requests by one IAM caller (see the module docstring)."""

    def __init__(self, tm: cvc5.TermManager, parts: Sequence[Part]) -> None:
        if not parts:
            raise ValueError("a joint question needs at least one request")
        self.parts = list(parts)
        self.encoders = [
            PolicyEncoder(
                tm,
                p.policies.all_policies(),
                p.actions,
                p.resources,
                only_actions=p.only,
                by_format=False,
            )
            for p in parts
        ]
        self.f = self.encoders[0].f
        self._first = self.encoders[0].request

    def domain(self) -> Term:
        """Every request is real, made by one IAM caller."""
        f = self.f
        out = [e.domain([PrincipalType.AWS]) for e in self.encoders]
        out += [self._first.same_caller(e.request) for e in self.encoders[1:]]
        return f.and_(out)

    def allowed(self, i: int) -> Term:
        """Request i is allowed by its policies."""
        return self.encoders[i].allows_set(self.parts[i].policies)

    def action_in(self, i: int, patterns: Sequence[Pattern]) -> Term:
        """Request i's action matches one of the (registered) patterns."""
        return self.encoders[i].action_in(patterns)

    def resource_in(self, i: int, patterns: Sequence[Pattern]) -> Term:
        """Request i's resource matches one of the (registered) patterns."""
        return self.encoders[i].resource_in(patterns)

    def resource_of_format(self, i: int, formats: Iterable[ArnFormat]) -> Term:
        """Request i's resource has one of these ARN formats. Chosen through the request's
        cell, not by matching the resource against a pattern (a regex over the ARN the domain
        already builds piece by piece, which the solver finds far harder): register each
        format's pattern with the request space first, so its formats have cells of their
        own."""
        wanted = {format_regex(fmt).pattern for fmt in formats}
        enc = self.encoders[i]
        cells = [
            c.index
            for c in enc.space.cells
            if not c.typing.format.wildcard and format_regex(c.typing.format).pattern in wanted
        ]
        return enc.request.in_cells(cells)

    # -- the caller ----------------------------------------------------------------------------

    def caller_kind(self, kinds: Iterable[IamKind]) -> Term:
        """The caller is of one of these kinds (an IAM user, a role session...)."""
        f = self.f
        return f.or_(f.eq(self._first.iam_kind, f.integer(IAM_CODES[k])) for k in kinds)

    def caller_is(self, identity: str, kind: IamKind) -> Term:
        """The caller is the user (or a session of the role) with this ARN."""
        f = self.f
        return f.and_([self.caller_kind([kind]), f.eq(self._first.identity, f.string(identity))])

    def caller_key(self, key: str, value: str | None) -> Term:
        """A single-valued principal key (a user's tag) has this value, or is absent (None), in
        every request that declares it."""
        f = self.f
        out: list[Term] = []
        for enc in self.encoders:
            kv = enc.keys.get(key)
            if kv is None or kv.derived:
                continue
            if value is None:
                out.append(f.eq(kv.count, f.integer(0)))
            else:
                out.append(self._is_value(kv, [value]))
        return f.and_(out)

    # -- links between requests ----------------------------------------------------------------

    def same_resource(self, i: int, j: int) -> Term:
        """Requests i and j act on one resource."""
        f = self.f
        a, b = self.encoders[i].request, self.encoders[j].request
        return f.and_([f.eq(a.resource, b.resource), f.eq(a.resource_account, b.resource_account)])

    def resource_is_caller(self, i: int) -> Term:
        """Request i acts on the caller's own user, or on the role of its session."""
        return self.f.eq(self.encoders[i].request.resource, self._first.identity)

    def resource_names_caller(self, i: int) -> Term:
        """Request i acts on the caller's user, or on the role of its session, whatever path
        its ARN gives: IAM user and role names are unique in an account, so `user/A` and
        `user/team/A` both name user A."""
        f = self.f
        me = self._first
        kind = f.ite(
            f.eq(me.iam_kind, f.integer(IAM_CODES[IamKind.USER])),
            f.string("user/"),
            f.string("role/"),
        )
        prefix = f.app(
            Kind.STRING_CONCAT,
            f.string("arn:"),
            me.partition,
            f.string(":iam::"),
            me.principal_account,
            f.string(":"),
            kind,
        )
        resource = self.encoders[i].request.resource
        return f.and_(
            [
                f.app(Kind.STRING_PREFIX, prefix, resource),
                f.app(
                    Kind.STRING_SUFFIX,
                    f.app(Kind.STRING_CONCAT, f.string("/"), me.iam_name),
                    resource,
                ),
            ]
        )

    def resource_named(self, i: int, names: Sequence[str]) -> Term:
        """Request i's resource ARN ends in `/<name>` for one of the names."""
        f = self.f
        res = self.encoders[i].request.resource
        return f.or_(f.app(Kind.STRING_SUFFIX, f.string(f"/{n}"), res) for n in names)

    def resource_in_account(self, i: int) -> Term:
        """Request i acts on a resource of the caller's account."""
        req = self.encoders[i].request
        return self.f.eq(req.resource_account, self._first.principal_account)

    def resource_is(self, i: int, values: Sequence[str]) -> Term:
        """Request i's resource is one of these ARNs."""
        f = self.f
        res = self.encoders[i].request.resource
        return f.or_(f.eq(res, f.string(v)) for v in values)

    def key_is(self, i: int, key: str, values: Sequence[str]) -> Term:
        """Request i carries `key` with one of `values` (true when no policy of it reads the
        key: the request can carry any value)."""
        kv = self.encoders[i].keys.get(key.lower())
        if kv is None:
            return self.f.true
        return self._is_value(kv, values)

    def key_is_resource(self, i: int, key: str, j: int, optional: bool = False) -> Term:
        """Request i's `key` names request j's resource (with `optional`, when it is sent)."""
        f = self.f
        kv = self.encoders[i].keys.get(key.lower())
        if kv is None:
            return f.true
        self._string_key(kv)
        names = f.and_(
            [f.eq(kv.count, f.integer(1)), f.eq(kv.slots[0], self.encoders[j].request.resource)]
        )
        return f.or_([f.eq(kv.count, f.integer(0)), names]) if optional else names

    def _is_value(self, kv: KeyVars, values: Sequence[str]) -> Term:
        f = self.f
        self._string_key(kv)
        one = f.or_(f.eq(kv.slots[0], f.string(v)) for v in values)
        return f.and_([f.eq(kv.count, f.integer(1)), one])

    def _string_key(self, kv: KeyVars) -> None:
        if kv.sort is not KeySort.STRING:
            raise EncodeError(
                f"condition key {kv.name!r} is compared as {kv.sort.value}, not as the string "
                "the question gives it"
            )
