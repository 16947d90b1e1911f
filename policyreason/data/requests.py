"""What a request AWS could actually receive looks like, from the service reference.

Shared by the symbolic request (`smt/request_space.py`, `smt/encode_request.py`) and by the
concrete check every witness passes (`analysis/real_request.py`), so the two cannot drift:

- an action is a real action; its resource is `*` when the action takes no resource type, else
  an ARN of one of its resource types' formats (each `${Variable}` a non-empty value);
- the context holds only keys the action, its resource type or the global list define, and the
  keys AWS sends with every request are always there;
- principal keys describe the principal, and only IAM principals have them.

A format's variables follow the published simulator's reading of the reference: a component
that is one variable (`${BucketName}`) takes no `:` or `/`; variables sharing a component with
text (`${BucketName}/${ObjectName}`) take any characters. An account variable is 12 digits and
is the resource's account.
"""

from __future__ import annotations

import base64
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import Any

from policyreason.data import reference

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")

# IAM User Guide, global condition context keys: "This key is always included in the request
# context" (lower-case).
ALWAYS_PRESENT = ("aws:currenttime", "aws:epochtime", "aws:securetransport")

# Keys that describe an IAM principal (and its session): an anonymous caller has none, and a
# service principal only its own (SERVICE_KEYS). Lower-case; `/` ends a templated prefix.
PRINCIPAL_FAMILY = (
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalorgmasteraccountid",
    "aws:principaltag/",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:assumedroot",
    "aws:federatedprovider",
    "aws:tokenissuetime",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:sourceidentity",
    "aws:ec2instancesourcevpc",
    "aws:ec2instancesourceprivateipv4",
    "ec2:roledelivery",
    "ec2:sourceinstancearn",
    "glue:roleassumedby",
    "glue:credentialissuingservice",
    "lambda:sourcefunctionarn",
    "ssm:sourceinstancearn",
    "identitystore:userid",
)
SERVICE_KEYS = (
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:principalservicenameslist",
)
# Keys whose values are functions of the principal (see `derived_principal_keys`).
DERIVED_PRINCIPAL_KEYS = (
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
)
RESOURCE_ACCOUNT = "aws:resourceaccount"


_PRINCIPAL_KEYS = frozenset(k for k in PRINCIPAL_FAMILY if not k.endswith("/"))
_PRINCIPAL_PREFIXES = tuple(k for k in PRINCIPAL_FAMILY if k.endswith("/"))


def principal_family(key: str) -> bool:
    """The key (lower-case) describes the calling principal."""
    return key in _PRINCIPAL_KEYS or key.startswith(_PRINCIPAL_PREFIXES)


# -- ARN formats --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Var:
    """A `${Name}` of a format. `kind`: "partition", "account" (12 digits, the resource's
    account), "segment" (non-empty, no `:` or `/`) or "any" (non-empty, any character)."""

    name: str
    kind: str


Piece = str | Var


@dataclass(frozen=True)
class ArnFormat:
    """One resource type's ARN format (`text`, which has six components when it is not the
    wildcard `*`)."""

    text: str
    service: str
    resource_type: str

    @cached_property
    def components(self) -> tuple[tuple[Piece, ...], ...]:
        """The six components as pieces (the resource component, the last, may hold `:` and
        `/`); parsed when first asked, since most formats a run loads are never looked into."""
        if self.wildcard:
            return ()
        return tuple(_pieces(c, i) for i, c in enumerate(self.text.split(":", 5)))

    @property
    def literal_service(self) -> str:
        """The service component when it is plain text, else "". (Not cached: a split costs
        less than `cached_property`'s lock, and most formats are asked once.)"""
        if self.wildcard:
            return ""
        service = self.text.split(":", 3)[2]
        return "" if "$" in service or "*" in service else service

    @property
    def account_var(self) -> bool:
        """The account component is the resource's account."""
        return not self.wildcard and any(
            isinstance(p, Var) and p.kind == "account" for p in self.components[4]
        )

    @property
    def wildcard(self) -> bool:
        """The format is the `*` of actions that take no resource type."""
        return self.text == "*"


WILDCARD = ArnFormat("*", "", "")
_VAR = re.compile(r"\$\{([^}]*)\}")
_ACCOUNT_VARS = frozenset({"account", "accountid", "managementaccountid", "vpcowneraccount"})


def _pieces(component: str, index: int) -> tuple[Piece, ...]:
    out: list[Piece] = []
    alone = _VAR.fullmatch(component) is not None
    pos = 0
    # A literal `*` in a format stands for a value the reference does not spell out.
    for m in re.finditer(r"\$\{([^}]*)\}|\*", component):
        if m.start() > pos:
            out.append(component[pos : m.start()])
        name = m.group(1) or "*"
        if index == 1:
            kind = "partition"
        elif index == 4 and name.lower() in _ACCOUNT_VARS:
            kind = "account"
        elif alone or index < 5:
            kind = "segment"
        else:
            kind = "any"
        out.append(Var(name, kind))
        pos = m.end()
    if pos < len(component):
        out.append(component[pos:])
    return tuple(out)


@cache
def arn_format(service: str, resource_type: str) -> ArnFormat | None:
    """The parsed format of a resource type (the first, if the reference lists several)."""
    formats = reference.arn_formats(service, resource_type)
    return _parse_format(formats[0], service, resource_type) if formats else None


@cache
def _parse_format(text: str, service: str, resource_type: str) -> ArnFormat | None:
    return ArnFormat(text, service, resource_type) if text.count(":") >= 5 else None


_CLASS = {"partition": "|".join(PARTITIONS), "account": r"\d{12}", "segment": r"[^:/]+"}


@cache
def format_regex(fmt: ArnFormat) -> re.Pattern[str]:
    """The format as a Python regex (the concrete side of the typing)."""
    comps = []
    for comp in fmt.components:
        rx = ""
        for p in comp:
            if isinstance(p, str):
                rx += re.escape(p)
            elif p.kind == "any":
                rx += ".+"
            else:
                rx += f"(?:{_CLASS[p.kind]})"
        comps.append(rx)
    return _compiled(":".join(comps))


@cache
def _compiled(rx: str) -> re.Pattern[str]:
    return re.compile(rx, re.DOTALL)


@dataclass(frozen=True, slots=True)
class Typing:
    """A way an action can be called: the action, the format of its resource, and the
    condition keys such a request can carry besides the global ones (lower-case)."""

    action: reference.Action
    format: ArnFormat
    keys: frozenset[str]


# Witness checks ask for the same few actions' typings thousands of times over a corpus.
@lru_cache(maxsize=4096)
def typings(action_name: str) -> tuple[Typing, ...]:
    """Every (format, keys) an action can be called with: one per resource type it takes,
    or the wildcard `*` when it takes none."""
    table = typing_table()
    index = table.position(action_name)
    return () if index is None else tuple(table.typing(index, g) for g in table.groups_of(index))


# The packaged typing table (`typings.json` in the reference archive): every action with the
# (format, keys) groups it can be called with, and the same pairs by *profile*. Deriving it
# takes every service's actions, which a run that names a few services should not have to read;
# `typing_table_document` derives it from the generator's document, and a test holds the
# packaged one equal to a fresh derivation.
#
# A profile is every (action, group) pair of one format text and key set: every action of a
# profile is typed alike, so a request space looks at each profile once rather than at each
# of ~22,000 actions. The profiles are shipped ready-made, in the order request spaces visit
# them. Actions are numbered in the order of their services and, within a service, of their
# names (which the service's own member lists), and the table's lists of numbers are packed
# (base64 of little-endian unsigned 32-bit integers): read as JSON numbers they took most of
# the table's reading time, which every run reaching the solver pays.


def typing_table_document(document: dict[str, Any]) -> dict[str, Any]:
    """The typing table of a reference document as the generator builds it (services with
    their actions), actions sorted by service then name:

        {"services": [[prefix, first action], ...],
         "formats": [[arn format, service, resource type], ...], "keysets": [[key, ...], ...],
         "groups": [format, keyset, format, keyset, ...],
         "action_groups": [group, ...], "action_starts": [0, ..., len(action_groups)],
         "profile_actions": [action, ...], "profile_groups": [group, ...],
         "profile_starts": [0, ..., len(profile_actions)]}

    with the lists of numbers packed. Group g is the pair at 2g, 2g + 1 of `groups`; action
    a's groups are `action_groups[action_starts[a]:action_starts[a + 1]]`, and profile p's
    pairs are at `profile_starts[p]:profile_starts[p + 1]` of `profile_actions` and
    `profile_groups`.

    The keys of a typing are the action's, its resource type's as the action lists it, and the
    resource type's own (lower-case); a resource type whose format is no ARN is left out, and
    an action that takes none has the format `*`. Profiles are sorted by format text, then by
    key set; a profile's actions ascend, and an action with two groups in one profile keeps
    the later one."""
    formats: dict[tuple[str, str, str], int] = {}
    keysets: dict[tuple[str, ...], int] = {}
    groups: dict[tuple[int, int], int] = {}
    services: list[list[Any]] = []
    of_action: list[list[int]] = []

    def group(fmt: tuple[str, str, str], keys: set[str]) -> int:
        keyset = tuple(sorted(keys))
        at = (formats.setdefault(fmt, len(formats)), keysets.setdefault(keyset, len(keysets)))
        return groups.setdefault(at, len(groups))

    for prefix in sorted(document["services"]):
        svc = document["services"][prefix]
        services.append([prefix, len(of_action)])
        for name in sorted(svc["actions"]):
            _level, rtypes, keys, *_rest = svc["actions"][name]
            own = {k.lower() for k in keys}
            found = [] if rtypes else [group(("*", "", ""), own)]
            for rname, _required, rkeys, _deps in rtypes:
                known = svc["resources"].get(rname)
                text = "" if known is None else known[0].split(", ")[0].strip()
                if text.count(":") >= 5:
                    every = own | {k.lower() for k in rkeys} | {k.lower() for k in known[1]}
                    found.append(group((text, prefix, rname), every))
            of_action.append(found)
    format_list, keyset_list, pairs = list(formats), list(keysets), list(groups)
    profiles: dict[tuple[str, tuple[str, ...]], dict[int, int]] = {}
    for a, found in enumerate(of_action):
        for g in found:
            f, k = pairs[g]
            profiles.setdefault((format_list[f][0], keyset_list[k]), {})[a] = g
    ordered = [profiles[key] for key in sorted(profiles)]
    return {
        "services": services,
        "formats": [list(f) for f in format_list],
        "keysets": [list(k) for k in keyset_list],
        "groups": _pack(i for pair in pairs for i in pair),
        "action_groups": _pack(g for found in of_action for g in found),
        "action_starts": _pack(_starts(len(found) for found in of_action)),
        "profile_actions": _pack(a for by in ordered for a in sorted(by)),
        "profile_groups": _pack(by[a] for by in ordered for a in sorted(by)),
        "profile_starts": _pack(_starts(len(by) for by in ordered)),
    }


def _starts(lengths: Iterable[int]) -> list[int]:
    out = [0]
    for n in lengths:
        out.append(out[-1] + n)
    return out


def _pack(numbers: Iterable[int]) -> str:
    packed = array("I", numbers)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(text: str) -> array[int]:
    numbers = array("I")
    numbers.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


@dataclass(frozen=True, slots=True)
class TypingTable:
    """The typing table read (as `typing_table_document` describes it, the lists of numbers
    unpacked, formats and key sets made objects)."""

    formats: list[ArnFormat]
    keysets: list[frozenset[str]]
    groups: array[int]
    action_groups: array[int]
    action_starts: array[int]
    profile_actions: array[int]
    profile_groups: array[int]
    profile_starts: array[int]
    prefixes: list[str]  # the services in the table's order
    firsts: list[int]  # each service's first action
    # Each service's action names in the table's order, and their positions by lower-case
    # `prefix:name`: made when the service is first looked up (a run meets a few of them).
    names: dict[str, list[str]] = field(default_factory=dict)
    positions: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many actions the table has."""
        return len(self.action_starts) - 1

    def position(self, name: str) -> int | None:
        """The position of the action `prefix:Name` (any case), or None if unknown."""
        prefix = name.partition(":")[0].lower()
        found = self.positions.get(prefix)
        if found is None:
            svc = reference.service(prefix)
            if svc is None:
                return None
            first = self.firsts[bisect_left(self.prefixes, svc.prefix)]
            found = self.positions[prefix] = {
                f"{prefix}:{n}".lower(): i for i, n in enumerate(self._names(svc.prefix), first)
            }
        return found.get(name.lower())

    def name(self, action_index: int) -> str:
        """The action `prefix:Name` at a position."""
        at = bisect_right(self.firsts, action_index) - 1
        prefix = self.prefixes[at]
        return f"{prefix}:{self._names(prefix)[action_index - self.firsts[at]]}"

    def _names(self, prefix: str) -> list[str]:
        found = self.names.get(prefix)
        if found is None:
            svc = reference.service(prefix)
            assert svc is not None
            found = self.names[prefix] = sorted(a.name for a in svc.actions.values())
        return found

    def group(self, group: int) -> tuple[ArnFormat, frozenset[str]]:
        """A group's format and keys."""
        return self.formats[self.groups[2 * group]], self.keysets[self.groups[2 * group + 1]]

    def groups_of(self, action_index: int) -> array[int]:
        """The groups of one action."""
        starts = self.action_starts
        return self.action_groups[starts[action_index] : starts[action_index + 1]]

    def typing(self, action_index: int, group: int) -> Typing:
        """The typing of one action in one of its groups."""
        found = reference.action(self.name(action_index))
        assert found is not None
        return Typing(found, *self.group(group))


@cache
def typing_table() -> TypingTable:
    """The packaged typing table."""
    raw = reference.typing_table_raw()
    return TypingTable(
        formats=[ArnFormat(*f) if f[0] != "*" else WILDCARD for f in raw["formats"]],
        keysets=[frozenset(keys) for keys in raw["keysets"]],
        groups=_unpack(raw["groups"]),
        action_groups=_unpack(raw["action_groups"]),
        action_starts=_unpack(raw["action_starts"]),
        profile_actions=_unpack(raw["profile_actions"]),
        profile_groups=_unpack(raw["profile_groups"]),
        profile_starts=_unpack(raw["profile_starts"]),
        prefixes=[prefix for prefix, _first in raw["services"]],
        firsts=[first for _prefix, first in raw["services"]],
    )


def key_available(key: str, keys: frozenset[str]) -> bool:
    """A context key (lower-case) can be in a request whose typing lists `keys`: it is global,
    or one of `keys` (templated keys such as `s3:RequestObjectTag/<key>` included)."""
    if reference.global_key(key) is not None:
        return True
    if key in keys:
        return True
    return any(
        _template_match(k, key) for k in keys if "$" in k or "<" in k or k.endswith("/tag-key")
    )


@cache
def _template_regex(template: str) -> re.Pattern[str]:
    pieces = re.split(r"\$\{[^}]*\}|<[^>]*>|(?<=/)tag-key$", template)
    return re.compile(".+".join(re.escape(p) for p in pieces), re.IGNORECASE)


def _template_match(template: str, key: str) -> bool:
    return _template_regex(template).fullmatch(key) is not None


def key_type(key: str) -> str | None:
    """The reference's type of a key (String, ArrayOfString, Bool, Date, ...), any case."""
    info = reference.condition_key(key)
    return info.type if info is not None else None


# -- principals ---------------------------------------------------------------------------------

_IAM_ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<rest>.+)", re.DOTALL
)


@dataclass(frozen=True, slots=True)
class IamPrincipal:
    """An IAM caller read off its ARN: `kind` is User, AssumedRole, Account or FederatedUser
    (aws:PrincipalType's values); `name` the user, role or federated user name; `session` the
    role session name."""

    partition: str
    account: str
    kind: str
    name: str = ""
    session: str = ""


# Asked of every request judged (a witness's each request, each candidate a search judges),
# which name a handful of callers.
@lru_cache(maxsize=1 << 12)
def iam_principal(caller: str) -> IamPrincipal | None:
    """The IAM principal a caller ARN names, or None if it is no caller ARN (a role ARN is not
    a caller: its sessions are)."""
    m = _IAM_ARN.fullmatch(caller)
    if m is None:
        return None
    partition, service, account, rest = m.group("partition", "service", "account", "rest")
    if partition not in PARTITIONS:
        return None
    if service == "iam":
        if rest == "root":
            return IamPrincipal(partition, account, "Account")
        if rest.startswith("user/") and not rest.endswith("/"):
            return IamPrincipal(partition, account, "User", rest.rsplit("/", 1)[1])
        return None
    if rest.startswith("assumed-role/"):
        role, _, session = rest.removeprefix("assumed-role/").partition("/")
        if role and session and "/" not in session:
            return IamPrincipal(partition, account, "AssumedRole", role, session)
        return None
    if rest.startswith("federated-user/"):
        name = rest.removeprefix("federated-user/")
        return IamPrincipal(partition, account, "FederatedUser", name) if name else None
    return None


def session_of_role(role_arn: str, caller: str) -> bool:
    """The caller is a session of the role (`arn:...:iam::A:role/path/R` and
    `arn:...:sts::A:assumed-role/R/S`): a Principal or aws:PrincipalArn naming the role
    matches its sessions."""
    who = iam_principal(caller)
    if who is None or who.kind != "AssumedRole":
        return False
    prefix = f"arn:{who.partition}:iam::{who.account}:role/"
    return role_arn.startswith(prefix) and role_arn.rsplit("/", 1)[1] == who.name
