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

import re
from dataclasses import dataclass
from functools import cache, cached_property
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


def principal_family(key: str) -> bool:
    """The key (lower-case) describes the calling principal."""
    return any(key == k or (k.endswith("/") and key.startswith(k)) for k in PRINCIPAL_FAMILY)


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


def typings(action_name: str) -> tuple[Typing, ...]:
    """Every (format, keys) an action can be called with: one per resource type it takes,
    or the wildcard `*` when it takes none."""
    table = typing_table()
    index = table.index.get(action_name.lower())
    return () if index is None else tuple(table.typing(index, g) for g in table.of_action[index])


# The packaged typing table (`typings.json` in the reference archive): every action with the
# (format, keys) groups it can be called with. Deriving it takes every service's actions, which
# a run that names a few services should not have to read; `typing_table_document` derives it
# from the generator's document, and a test holds the packaged one equal to a fresh derivation.


def typing_table_document(document: dict[str, Any]) -> dict[str, Any]:
    """The typing table of a reference document as the generator builds it (services with
    their actions), actions sorted by service then name:

        {"actions": [prefix:Name, ...], "of_action": [[group, ...], ...],
         "groups": [[format, keyset], ...], "formats": [[arn format, service, resource type], ...],
         "keysets": [[key, ...], ...]}

    The keys of a typing are the action's, its resource type's as the action lists it, and the
    resource type's own (lower-case); a resource type whose format is no ARN is left out, and
    an action that takes none has the format `*`."""
    formats: dict[tuple[str, str, str], int] = {}
    keysets: dict[tuple[str, ...], int] = {}
    groups: dict[tuple[int, int], int] = {}
    names: list[str] = []
    of_action: list[list[int]] = []

    def group(fmt: tuple[str, str, str], keys: set[str]) -> int:
        keyset = tuple(sorted(keys))
        at = (formats.setdefault(fmt, len(formats)), keysets.setdefault(keyset, len(keysets)))
        return groups.setdefault(at, len(groups))

    for prefix in sorted(document["services"]):
        svc = document["services"][prefix]
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
            names.append(f"{prefix}:{name}")
            of_action.append(found)
    return {
        "actions": names,
        "of_action": of_action,
        "groups": [list(g) for g in groups],
        "formats": [list(f) for f in formats],
        "keysets": [list(k) for k in keysets],
    }


@dataclass(frozen=True, slots=True)
class TypingTable:
    """The typing table read: action names (in the table's order), groups of (format, keys),
    and each action's groups."""

    actions: tuple[str, ...]
    groups: tuple[tuple[ArnFormat, frozenset[str]], ...]
    of_action: tuple[tuple[int, ...], ...]
    index: dict[str, int]  # lower-case action name -> position

    def typing(self, action_index: int, group: int) -> Typing:
        """The typing of one action in one of its groups."""
        found = reference.action(self.actions[action_index])
        assert found is not None
        fmt, keys = self.groups[group]
        return Typing(found, fmt, keys)


@cache
def typing_table() -> TypingTable:
    """The packaged typing table."""
    raw = reference.typing_table_raw()
    formats = [ArnFormat(*f) if f[0] != "*" else WILDCARD for f in raw["formats"]]
    keysets = [frozenset(keys) for keys in raw["keysets"]]
    names = tuple(raw["actions"])
    return TypingTable(
        actions=names,
        groups=tuple((formats[f], keysets[k]) for f, k in raw["groups"]),
        # map and zip rather than comprehensions: 21,788 actions, read at every start-up.
        of_action=tuple(map(tuple, raw["of_action"])),
        index=dict(zip(map(str.lower, names), range(len(names)), strict=True)),
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
