"""The symbolic request: one real request AWS could receive, as SMT terms.

What "real" means is `data/requests.py`, read the same way by the concrete check every witness
passes (`analysis/real_request.py`):

- the action and the type of its resource are a *cell* of the request space
  (`smt/request_space.py`), a small integer; the resource is an ARN of the cell's format, built
  from the shared partition, the resource's account and one string per variable of the format
  (or `*` for actions that take no resource type);
- the principal is anonymous, an IAM caller (a user, a role session, the account root or a
  federated user, with the ARN AWS reports and the aws:PrincipalArn it has), a service, an
  identity provider or a canonical user; keys that describe the principal are functions of it,
  and only IAM callers carry principal keys;
- each condition key a policy tests has typed values in a bounded number of slots with a count
  (0 = missing): one slot for single-valued keys; for multivalued keys one slot more than twice
  the number of distinct value tests on the key, which is enough for every answer (any set
  that satisfies the policies keeps, per test, one value passing and one failing it, and one
  more value keeps a many-valued set many-valued), so no proof rests on the bound;
- the keys AWS sends with every request are present, keys the action does not send are absent.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from cvc5 import Kind

from policyreason.data.global_keys import SENT_AS_DATETIME, SENT_AS_SECONDS
from policyreason.data.requests import (
    ALWAYS_PRESENT,
    PARTITIONS,
    SERVICE_KEYS,
    ArnFormat,
    Typing,
    Var,
    iam_principal,
    key_type,
    principal_family,
)
from policyreason.errors import EncodeError
from policyreason.ir.policy import PrincipalType
from policyreason.ir.request import IamKind, Request
from policyreason.ir.values import parse_date
from policyreason.smt.factory import MAX_CHAR, Factory, Term
from policyreason.smt.request_space import Cell, RequestSpace

MAX_EPOCH_MS = 253402300799999  # 9999-12-31T23:59:59.999Z, so every date prints in ISO 8601
PRINCIPAL_CODES = {
    None: 0,
    PrincipalType.AWS: 1,
    PrincipalType.SERVICE: 2,
    PrincipalType.FEDERATED: 3,
    PrincipalType.CANONICAL_USER: 4,
}


IAM_CODES = {IamKind.USER: 1, IamKind.ROLE_SESSION: 2, IamKind.ROOT: 3, IamKind.FEDERATED_USER: 4}
NAME_CHARS = "A-Za-z0-9+=,.@_-"  # IAM user, role and session names
# Keys whose value is a function of the request (`SymbolicRequest.derived`).
DERIVED_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:username",
        "aws:userid",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:resourceaccount",
    }
)


class KeySort(StrEnum):
    STRING = "string"
    INT = "int"
    DATE = "date"  # epoch milliseconds
    IP = "ip"


@dataclass
class KeyVars:
    """The symbolic values of one condition key: `count` of the `slots` are present. A
    `derived` key has one slot that is a function of the request (aws:PrincipalArn...)."""

    name: str  # as first written in a policy, for witnesses
    sort: KeySort
    count: Term
    slots: list[Term]
    v6: list[Term] = field(default_factory=list)  # IP sort: is slot i an IPv6 address
    derived: bool = False
    scale: int = 1  # INT sort: the integer slot stands for slot / scale


@dataclass(frozen=True)
class KeyDecl:
    """What the policies need of a key: its sort, its spelling, how many slots, the scale of
    its numbers."""

    name: str
    sort: KeySort
    slots: int = 1
    scale: int = 1


class SymbolicRequest:
    """The variables of one real request and the constraints that make it real (`domain`)."""

    def __init__(self, f: Factory, space: RequestSpace, keys: dict[str, KeyDecl]) -> None:
        self.f = f
        self.space = space
        s = f.string_sort
        self.cell = f.const(f.int_sort, "cell")
        self.partition = f.const(s, "partition")
        self.resource = f.const(s, "resource")
        self.resource_account = f.const(s, "resource_account")
        self.ptype = f.const(f.int_sort, "principal_type")
        self.iam_kind = f.const(f.int_sort, "iam_kind")
        self.principal_account = f.const(s, "principal_account")
        self.iam_path = f.const(s, "iam_path")
        self.iam_name = f.const(s, "iam_name")
        self.session = f.const(s, "session")
        self.unique_id = f.const(s, "unique_id")
        self.other = f.const(s, "principal_name")  # service, provider or canonical id
        self.identity = self._identity()
        self.caller = f.ite(
            self._kind(IamKind.ROLE_SESSION),
            self._arn("sts", "assumed-role/", self.iam_name, "/", self.session),
            self.identity,
        )
        # One string per variable position of a format, shared by every cell.
        self._pieces: dict[tuple[int, int], Term] = {}
        self.keys: dict[str, KeyVars] = {}
        for key, decl in keys.items():
            self.keys[key] = self._declare(key, decl)

    # -- the principal -------------------------------------------------------------------------

    def _kind(self, kind: IamKind) -> Term:
        return self.f.eq(self.iam_kind, self.f.integer(IAM_CODES[kind]))

    def is_type(self, ptype: PrincipalType | None) -> Term:
        """The caller is of this type (None: anonymous)."""
        return self.f.eq(self.ptype, self.f.integer(PRINCIPAL_CODES[ptype]))

    def _arn(self, service: str, *rest: Term | str) -> Term:
        f = self.f
        parts: list[Term] = [f.string("arn:"), self.partition, f.string(f":{service}::")]
        parts += [self.principal_account, f.string(":")]
        parts += [f.string(p) if isinstance(p, str) else p for p in rest]
        return f.app(Kind.STRING_CONCAT, *parts)

    def _identity(self) -> Term:
        """aws:PrincipalArn of an IAM caller: its own ARN, or its role's for a role session."""
        f = self.f
        name = (self.iam_path, self.iam_name)
        return f.ite(
            self._kind(IamKind.USER),
            self._arn("iam", "user/", *name),
            f.ite(
                self._kind(IamKind.ROLE_SESSION),
                self._arn("iam", "role/", *name),
                f.ite(
                    self._kind(IamKind.ROOT),
                    self._arn("iam", "root"),
                    self._arn("sts", "federated-user/", self.iam_name),
                ),
            ),
        )

    def _text(self, value: str | Term) -> Term:
        # Values from a template are terms already (`smt/encode_template.py`).
        return self.f.string(value) if isinstance(value, str) else value

    def principal_names(self, value: str | Term) -> Term:
        """A Principal element's ARN names the caller itself: its own ARN or its role's."""
        f = self.f
        v = self._text(value)
        return f.and_(
            [self.is_type(PrincipalType.AWS), f.or_([f.eq(self.caller, v), f.eq(self.identity, v)])]
        )

    def principal_in_account(self, account: str | Term) -> Term:
        f = self.f
        return f.and_(
            [self.is_type(PrincipalType.AWS), f.eq(self.principal_account, self._text(account))]
        )

    def principal_other(self, ptype: PrincipalType, value: str | Term) -> Term:
        """A service, identity provider or canonical user named by its value."""
        return self.f.and_([self.is_type(ptype), self.f.eq(self.other, self._text(value))])

    def derived(self) -> dict[str, tuple[Term, Term]]:
        """Keys that are functions of the request: key -> (value, present)."""
        f = self.f
        aws = self.is_type(PrincipalType.AWS)
        service = self.is_type(PrincipalType.SERVICE)
        kind_name = f.ite(
            self._kind(IamKind.USER),
            f.string(IamKind.USER.value),
            f.ite(
                self._kind(IamKind.ROLE_SESSION),
                f.string(IamKind.ROLE_SESSION.value),
                f.ite(
                    self._kind(IamKind.ROOT),
                    f.string(IamKind.ROOT.value),
                    f.string(IamKind.FEDERATED_USER.value),
                ),
            ),
        )
        userid = f.ite(
            self._kind(IamKind.USER),
            f.app(Kind.STRING_CONCAT, f.string("AIDA"), self.unique_id),
            f.ite(
                self._kind(IamKind.ROLE_SESSION),
                f.app(
                    Kind.STRING_CONCAT,
                    f.string("AROA"),
                    self.unique_id,
                    f.string(":"),
                    self.session,
                ),
                f.ite(
                    self._kind(IamKind.ROOT),
                    self.principal_account,
                    f.app(Kind.STRING_CONCAT, self.principal_account, f.string(":"), self.iam_name),
                ),
            ),
        )
        return {
            "aws:principalarn": (self.identity, aws),
            "aws:principalaccount": (self.principal_account, aws),
            "aws:principaltype": (kind_name, aws),
            "aws:username": (self.iam_name, f.and_([aws, self._kind(IamKind.USER)])),
            "aws:userid": (userid, aws),
            "aws:principalisawsservice": (
                f.ite(aws, f.string("false"), f.string("true")),
                f.or_([aws, service]),
            ),
            "aws:principalservicename": (self.other, service),
            "aws:resourceaccount": (self.resource_account, f.true),
        }

    # -- condition keys ------------------------------------------------------------------------

    def _declare(self, key: str, decl: KeyDecl) -> KeyVars:
        f = self.f
        derived = self.derived().get(key) if key in DERIVED_KEYS else None
        if derived is not None:
            value, present = derived
            count = f.ite(present, f.integer(1), f.integer(0))
            return KeyVars(decl.name, decl.sort, count, [value], derived=True)
        smt_sort = {
            KeySort.STRING: f.string_sort,
            KeySort.INT: f.int_sort,
            KeySort.DATE: f.int_sort,
            KeySort.IP: f.tm.mkBitVectorSort(128),
        }[decl.sort]
        slots = [f.const(smt_sort, f"ctx[{key}][{i}]") for i in range(decl.slots)]
        v6 = (
            [f.const(f.bool_sort, f"ctx[{key}][{i}].v6") for i in range(decl.slots)]
            if decl.sort is KeySort.IP
            else []
        )
        count = f.const(f.int_sort, f"ctx[{key}].count")
        return KeyVars(decl.name, decl.sort, count, slots, v6, scale=decl.scale)

    # -- actions and resources -----------------------------------------------------------------

    def in_cells(self, cells: Iterable[int]) -> Term:
        """The request's action and resource type are in one of these cells."""
        f = self.f
        wanted = sorted(set(cells))
        if len(wanted) == len(self.space.cells):
            return f.true
        runs: list[tuple[int, int]] = []
        for c in wanted:
            if runs and runs[-1][1] == c - 1:
                runs[-1] = (runs[-1][0], c)
            else:
                runs.append((c, c))
        return f.or_(
            f.eq(self.cell, f.integer(lo))
            if lo == hi
            else f.and_(
                [
                    f.app(Kind.GEQ, self.cell, f.integer(lo)),
                    f.app(Kind.LEQ, self.cell, f.integer(hi)),
                ]
            )
            for lo, hi in runs
        )

    def _piece(self, component: int, index: int) -> Term:
        found = self._pieces.get((component, index))
        if found is None:
            found = self._pieces[(component, index)] = self.f.const(
                self.f.string_sort, f"resource.piece[{component}][{index}]"
            )
        return found

    def _resource_of(self, fmt: ArnFormat) -> Term:
        """The resource is an ARN of the format."""
        f = self.f
        if fmt.wildcard:
            return f.eq(self.resource, f.string("*"))
        parts: list[Term] = []
        facts: list[Term] = []
        for i, comp in enumerate(fmt.components):
            if i:
                parts.append(f.string(":"))
            for k, piece in enumerate(comp):
                if isinstance(piece, str):
                    parts.append(f.string(piece))
                    continue
                term, fact = self._var_piece(piece, i, k)
                parts.append(term)
                if fact is not None:
                    facts.append(fact)
        return f.and_([f.eq(self.resource, f.app(Kind.STRING_CONCAT, *parts)), *facts])

    def component(self, fmt: ArnFormat, i: int) -> Term:
        """Component `i` of the resource where it is an ARN of the format (its domain holds
        the facts about the variables)."""
        f = self.f
        parts = [
            f.string(piece) if isinstance(piece, str) else self._var_piece(piece, i, k)[0]
            for k, piece in enumerate(fmt.components[i])
        ]
        if len(parts) == 1:
            return parts[0]
        return f.app(Kind.STRING_CONCAT, *parts) if parts else f.string("")

    def _var_piece(self, piece: Var, i: int, k: int) -> tuple[Term, Term | None]:
        f = self.f
        if piece.kind == "partition":
            return self.partition, None
        if piece.kind == "account":
            return self.resource_account, None
        term = self._piece(i, k)
        # A variable alone in its component takes no `:` or `/` (MAX_CHAR bounds the range).
        no_sep = f.re_union(
            [f.re_range(chr(0), "."), f.re_range("0", "9"), f.re_range(";", chr(MAX_CHAR))]
        )
        regex = f.re_plus(f.any_char_re if piece.kind == "any" else no_sep)
        return term, f.in_re(term, regex)

    # -- several requests by one caller --------------------------------------------------------

    def _caller_terms(self) -> tuple[Term, ...]:
        return (
            self.partition,
            self.ptype,
            self.iam_kind,
            self.principal_account,
            self.iam_path,
            self.iam_name,
            self.session,
            self.unique_id,
            self.other,
        )

    def same_caller(self, other: SymbolicRequest) -> Term:
        """`other` is made by the same caller in the same session: the principal's variables
        (and so every key derived from them) are equal, and so is every key that describes the
        principal which both requests declare. The partition is the caller's, shared by the
        resources of both."""
        f = self.f
        out = [f.eq(a, b) for a, b in zip(self._caller_terms(), other._caller_terms(), strict=True)]
        for key, mine in self.keys.items():
            theirs = other.keys.get(key)
            if theirs is None or mine.derived or theirs.derived or not principal_family(key):
                continue
            out.append(self._same_values(mine, theirs))
        return f.and_(out)

    def _same_values(self, a: KeyVars, b: KeyVars) -> Term:
        """Two declarations of one key hold the same set of values (slot counts, and the scale
        of numbers, may differ: each request declares what its own policies need)."""
        f = self.f
        if a.sort is not b.sort:
            raise EncodeError(
                f"condition key {a.name!r} is compared as {a.sort.value} for one request of the "
                f"question and as {b.sort.value} for another; this is not supported"
            )

        def equal(i: int, j: int) -> Term:
            x, y = a.slots[i], b.slots[j]
            if a.sort is KeySort.INT and a.scale != b.scale:
                x = f.app(Kind.MULT, x, f.integer(b.scale))
                y = f.app(Kind.MULT, y, f.integer(a.scale))
            same = f.eq(x, y)
            if a.sort is KeySort.IP:
                return f.and_([same, f.eq(a.v6[i], b.v6[j])])
            return same

        def present(kv: KeyVars, i: int) -> Term:
            return f.app(Kind.GT, kv.count, f.integer(i))

        # Counts equal and each present value of `a` is a present value of `b`: with distinct
        # values (a set), the two sets are equal.
        out = [f.eq(a.count, b.count)]
        out += [
            f.implies(
                present(a, i),
                f.or_(f.and_([present(b, j), equal(i, j)]) for j in range(len(b.slots))),
            )
            for i in range(len(a.slots))
        ]
        return f.and_(out)

    # -- one concrete request -----------------------------------------------------------------

    def pin(self, req: Request, typing: Typing) -> Term:
        """The symbolic request is `req`, whose action and resource have `typing` (register
        the action and the resource as patterns first, so the cell's format is the
        resource's): the concrete twin of every question can then be checked by the solver."""
        f = self.f
        cell = self.space.cell_of(typing)
        if cell is None:
            raise EncodeError(f"internal: {typing.action.full_name} is outside the request space")
        out = [
            f.eq(self.cell, f.integer(cell)),
            f.eq(self.resource, f.string(req.resource)),
            f.eq(self.ptype, f.integer(PRINCIPAL_CODES[req.principal_type])),
        ]
        if req.resource_account is not None:
            out.append(f.eq(self.resource_account, f.string(req.resource_account)))
        who = (
            iam_principal(req.principal or "") if req.principal_type is PrincipalType.AWS else None
        )
        if who is not None:
            identity = req.identity_arn or ""
            out += [
                f.eq(self.partition, f.string(who.partition)),
                f.eq(self.principal_account, f.string(who.account)),
                f.eq(self.iam_kind, f.integer(IAM_CODES[IamKind(who.kind)])),
                f.eq(self.caller, f.string(req.principal or "")),
                f.eq(self.identity, f.string(identity)),
            ]
            if who.session:
                out.append(f.eq(self.session, f.string(who.session)))
        elif req.principal is not None:
            out.append(f.eq(self.other, f.string(req.principal)))
        given = {k.lower(): v for k, v in req.context.items()}
        for key, kv in self.keys.items():
            if kv.derived:
                if key == "aws:userid" and given.get(key):
                    out.append(f.eq(kv.slots[0], f.string(given[key][0])))
                continue
            values = given.get(key, ())
            constants = [self._constant(kv, text) for text in values]
            if len(values) > len(kv.slots) or any(c is None for c in constants):
                # More values than slots, or a value the key's sort cannot hold (a guess
                # sending a condition's CIDR as an address): no request of this encoding.
                return f.false
            out.append(f.eq(kv.count, f.integer(len(values))))
            out += [f.eq(kv.slots[i], c) for i, c in enumerate(constants) if c is not None]
            out += [
                f.eq(kv.v6[i], f.bool_const(ipaddress.ip_address(text).version == 6))
                for i, text in enumerate(values)
                if kv.sort is KeySort.IP
            ]
        return f.and_(out)

    def _constant(self, kv: KeyVars, text: str) -> Term | None:
        """`text` as a value of the key's sort; None when the sort has no such value."""
        f = self.f
        if kv.sort is KeySort.STRING:
            return f.string(text)
        if kv.sort is KeySort.INT:
            try:
                return f.integer(int(Decimal(text) * kv.scale))
            except (InvalidOperation, ValueError, OverflowError):
                return None
        if kv.sort is KeySort.DATE:
            when = parse_date(text)
            return None if when is None else f.integer(when)
        try:
            return f.tm.mkBitVector(128, int(ipaddress.ip_address(text)))
        except ValueError:
            return None

    # -- well-formedness -----------------------------------------------------------------------

    def domain(self, principal_types: Iterable[PrincipalType | None] | None = None) -> Term:
        """Everything that makes the symbolic request one AWS could receive (module docstring).
        `principal_types` limits the callers (identity policies apply to IAM callers only)."""
        f = self.f
        out: list[Term] = [
            f.app(Kind.GEQ, self.cell, f.integer(0)),
            f.app(Kind.LT, self.cell, f.integer(len(self.space.cells))),
            f.or_(f.eq(self.partition, f.string(p)) for p in PARTITIONS),
            f.in_re(self.resource_account, _digits(f, 12)),
        ]
        for cell in self.space.cells:
            out.append(f.implies(self._is_cell(cell), self._resource_of(cell.typing.format)))
        out += self._principal_domain(principal_types)
        out += self._key_domain()
        return f.and_(out)

    def _is_cell(self, cell: Cell) -> Term:
        return self.f.eq(self.cell, self.f.integer(cell.index))

    def _principal_domain(self, types: Iterable[PrincipalType | None] | None) -> list[Term]:
        f = self.f
        allowed = (
            list(PRINCIPAL_CODES.values()) if types is None else [PRINCIPAL_CODES[t] for t in types]
        )
        name = f.re_plus(_chars(f, NAME_CHARS))
        aws = f.and_(
            [
                f.app(Kind.GEQ, self.iam_kind, f.integer(1)),
                f.app(Kind.LEQ, self.iam_kind, f.integer(len(IAM_CODES))),
                f.in_re(self.principal_account, _digits(f, 12)),
                f.in_re(self.iam_name, name),
                f.in_re(self.iam_path, f.re_star(f.re_concat([name, f.re_lit("/")]))),
                f.in_re(self.session, name),
                f.in_re(self.unique_id, f.re_repeat(_chars(f, "A-Z0-9"), 16)),
                f.eq(self.other, f.string("")),
            ]
        )
        blank = [f.eq(self.principal_account, f.string(""))]
        anonymous = f.and_([*blank, f.eq(self.other, f.string(""))])
        service = f.and_(
            [
                *blank,
                f.in_re(
                    self.other,
                    f.re_concat(
                        [
                            f.re_plus(_chars(f, "a-z0-9-")),
                            f.re_star(
                                f.re_concat([f.re_lit("."), f.re_plus(_chars(f, "a-z0-9-"))])
                            ),
                            f.re_lit(".amazonaws.com"),
                        ]
                    ),
                ),
            ]
        )
        named = f.and_([*blank, f.in_re(self.other, f.re_plus(f.any_char_re))])
        return [
            f.or_(f.eq(self.ptype, f.integer(c)) for c in allowed),
            f.ite(
                self.is_type(None),
                anonymous,
                f.ite(
                    self.is_type(PrincipalType.AWS),
                    aws,
                    f.ite(self.is_type(PrincipalType.SERVICE), service, named),
                ),
            ),
        ]

    def _key_domain(self) -> list[Term]:
        f = self.f
        out: list[Term] = []
        aws = self.is_type(PrincipalType.AWS)
        for key, kv in self.keys.items():
            if kv.derived:
                continue
            present = f.app(Kind.GT, kv.count, f.integer(0))
            out.append(f.app(Kind.GEQ, kv.count, f.integer(0)))
            out.append(f.app(Kind.LEQ, kv.count, f.integer(len(kv.slots))))
            if key in ALWAYS_PRESENT:
                out.append(present)
            if principal_family(key):
                owner = self.is_type(PrincipalType.SERVICE) if key in SERVICE_KEYS else aws
                out.append(f.implies(present, owner))
            if key in self.space.keys:
                cells = [c.index for c in self.space.cells if key in c.keys]
                out.append(f.implies(present, self.in_cells(cells)))
            for i in range(len(kv.slots)):
                out += self._slot_domain(key, kv, i)
                for j in range(i):
                    # A set: present values are distinct, so the count is the set's size.
                    both = f.app(Kind.GT, kv.count, f.integer(i))
                    out.append(f.implies(both, f.not_(self._same(kv, i, j))))
        out += self._time_domain()
        return out

    def _same(self, kv: KeyVars, i: int, j: int) -> Term:
        f = self.f
        same = f.eq(kv.slots[i], kv.slots[j])
        if kv.sort is KeySort.IP:
            return f.and_([same, f.eq(kv.v6[i], kv.v6[j])])
        return same

    def _slot_domain(self, key: str, kv: KeyVars, i: int) -> list[Term]:
        f = self.f
        slot = kv.slots[i]
        if kv.sort is KeySort.DATE:
            return [
                f.app(Kind.GEQ, slot, f.integer(0)),
                f.app(Kind.LEQ, slot, f.integer(MAX_EPOCH_MS)),
            ]
        if kv.sort is KeySort.IP:
            high = f.app(f.tm.mkOp(Kind.BITVECTOR_EXTRACT, 127, 32), slot)
            return [f.implies(f.not_(kv.v6[i]), f.eq(high, f.tm.mkBitVector(96, 0)))]
        if kv.sort is not KeySort.STRING:
            return []
        base = (key_type(key) or "String").removeprefix("ArrayOf")
        if base == "Bool":
            return [f.or_([f.eq(slot, f.string("true")), f.eq(slot, f.string("false"))])]
        if base == "Numeric":
            return [f.in_re(slot, _decimal(f))]
        if base == "Date" and key in SENT_AS_DATETIME:
            return [f.in_re(slot, _iso_date(f, time=True))]
        if base == "Date" and key in SENT_AS_SECONDS:
            return [f.in_re(slot, _epoch_seconds(f))]
        if base == "Date":
            return [f.in_re(slot, f.re_union([f.re_plus(f.re_range("0", "9")), _iso_date(f)]))]
        if base == "IPAddress":
            return [f.in_re(slot, _ipv4(f))]
        return []

    def _time_domain(self) -> list[Term]:
        """aws:CurrentTime and aws:EpochTime are the same instant (EpochTime in whole seconds)."""
        f = self.f
        current = self.keys.get("aws:currenttime")
        epoch = self.keys.get("aws:epochtime")
        out: list[Term] = []
        if epoch is not None and epoch.sort is KeySort.DATE:
            out.append(
                f.eq(f.app(Kind.INTS_MODULUS, epoch.slots[0], f.integer(1000)), f.integer(0))
            )
        if epoch is not None and epoch.sort is KeySort.INT:
            # Whole seconds since 1970 (`_epoch_seconds`), on the key's decimal grid.
            slot, scale = epoch.slots[0], f.integer(epoch.scale)
            out += [
                f.eq(f.app(Kind.INTS_MODULUS, slot, scale), f.integer(0)),
                f.app(Kind.GEQ, slot, f.integer(0)),
                f.app(Kind.LT, slot, f.integer(10**11 * epoch.scale)),
            ]
        if current is None or epoch is None or current.sort is not KeySort.DATE:
            return out
        seconds = f.app(Kind.INTS_DIVISION, current.slots[0], f.integer(1000))
        if epoch.sort is KeySort.DATE:
            out.append(f.eq(epoch.slots[0], f.app(Kind.MULT, seconds, f.integer(1000))))
        elif epoch.sort is KeySort.INT:
            out.append(f.eq(epoch.slots[0], f.app(Kind.MULT, seconds, f.integer(epoch.scale))))
        return out


def _digits(f: Factory, n: int) -> Term:
    return f.re_repeat(f.re_range("0", "9"), n)


def _chars(f: Factory, spec: str) -> Term:
    """A character class written like a regex body: `a-z0-9+=`."""
    parts: list[Term] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            parts.append(f.re_range(spec[i], spec[i + 2]))
            i += 3
        else:
            parts.append(f.re_lit(spec[i]))
            i += 1
    return f.re_union(parts)


def _decimal(f: Factory) -> Term:
    digits = f.re_plus(f.re_range("0", "9"))
    fraction = f.re_union([f.re_lit(""), f.re_concat([f.re_lit("."), digits])])
    return f.re_concat([f.re_union([f.re_lit(""), f.re_lit("-")]), digits, fraction])


def _iso_date(f: Factory, time: bool = False) -> Term:
    """ISO 8601 dates and UTC date-times that parse (February 29 left out: the regex does not
    know leap years); with `time`, date-times only, from 1970 on (as a request's time is)."""
    d = f.re_range("0", "9")

    def lits(*texts: str) -> Term:
        return f.re_union([f.re_lit(t) for t in texts])

    def days(last: str) -> Term:
        tens = {"8": ("2", "8"), "0": ("3", "0"), "1": ("3", "1")}[last[-1]]
        parts = [
            f.re_concat([f.re_lit("0"), f.re_range("1", "9")]),
            f.re_concat([f.re_lit("1"), d]),
            f.re_concat([f.re_lit("2"), f.re_range("0", "8" if last == "28" else "9")]),
        ]
        if last != "28":
            parts.append(f.re_concat([f.re_lit(tens[0]), f.re_range("0", tens[1])]))
        return f.re_union(parts)

    month_day = f.re_union(
        [
            f.re_concat(
                [lits("01", "03", "05", "07", "08", "10", "12"), f.re_lit("-"), days("31")]
            ),
            f.re_concat([lits("04", "06", "09", "11"), f.re_lit("-"), days("30")]),
            f.re_concat([f.re_lit("02-"), days("28")]),
        ]
    )
    hour = f.re_union(
        [f.re_concat([f.re_range("0", "1"), d]), f.re_concat([f.re_lit("2"), f.re_range("0", "3")])]
    )
    minute = f.re_concat([f.re_range("0", "5"), d])
    millis = f.re_union([f.re_lit(""), f.re_concat([f.re_lit("."), f.re_repeat(d, 3)])])
    clock = f.re_concat(
        [f.re_lit("T"), hour, f.re_lit(":"), minute, f.re_lit(":"), minute, millis, f.re_lit("Z")]
    )
    year = (
        f.re_union(
            [
                f.re_concat([f.re_lit("19"), f.re_range("7", "9"), d]),
                f.re_concat([f.re_range("2", "9"), f.re_repeat(d, 3)]),
            ]
        )
        if time
        else f.re_repeat(d, 4)
    )
    date = f.re_concat([year, f.re_lit("-"), month_day])
    return f.re_concat([date, clock if time else f.re_union([f.re_lit(""), clock])])


def _epoch_seconds(f: Factory) -> Term:
    """Whole seconds since 1970 without leading zeros, up to 11 digits (the year 5138), so that
    each is also an ISO 8601 date."""
    d = f.re_range("0", "9")
    rest = f.re_union([f.re_repeat(d, n) for n in range(11)])
    return f.re_union([f.re_lit("0"), f.re_concat([f.re_range("1", "9"), rest])])


def _ipv4(f: Factory) -> Term:
    """Dotted-quad IPv4 addresses, each octet 0-255 without leading zeros."""
    digit = f.re_range("0", "9")
    octet = f.re_union(
        [
            digit,
            f.re_concat([f.re_range("1", "9"), digit]),
            f.re_concat([f.re_lit("1"), digit, digit]),
            f.re_concat([f.re_lit("2"), f.re_range("0", "4"), digit]),
            f.re_concat([f.re_lit("25"), f.re_range("0", "5")]),
        ]
    )
    return f.re_concat([octet, f.re_lit("."), octet, f.re_lit("."), octet, f.re_lit("."), octet])
