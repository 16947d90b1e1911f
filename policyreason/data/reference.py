"""The AWS service authorization reference: services, actions, resource types, condition keys.

The data ships as `service_reference.zip` beside this module (see README.md there): an index
(services, resource types, condition keys) read on first use, and each service's actions, read
when that service is first asked about, so a run pays for the services its policies name, not
for all of them. Action names, service prefixes and condition key names are case-insensitive in
IAM, so every lookup here is too; results carry the canonical spelling.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any, NamedTuple

from policyreason.data.global_keys import ALSO_NUMERIC, GLOBAL_KEYS

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


# Actions and their resource types are named tuples, made with `tuple.__new__`: a run over
# many policies builds all 21,788 actions (every `*` names them), in a third of the time frozen
# dataclasses took.
class ActionResource(NamedTuple):
    """A resource type an action can act on, as listed for that action."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


class Action(NamedTuple):
    """One action (permission) of a service."""

    service: str
    name: str
    access_level: str
    resource_types: tuple[ActionResource, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]
    # None when current; the documented replacement ("" if none is named) when deprecated.
    replacement: str | None = None

    @property
    def full_name(self) -> str:
        """`prefix:Name`, e.g. `s3:GetObject`."""
        return f"{self.service}:{self.name}"

    @property
    def deprecated(self) -> bool:
        """True when AWS documents the action as deprecated."""
        return self.replacement is not None

    @property
    def access_levels(self) -> tuple[str, ...]:
        """Every level the reference gives, e.g. ("Tagging", "Write") for tagging actions."""
        return tuple(level.strip() for level in self.access_level.split(","))


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type of a service with its ARN format(s)."""

    service: str
    name: str
    arn_formats: tuple[str, ...]
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConditionKey:
    """A condition key's canonical name and type (String, ArrayOfString, ARN, Bool, ...)."""

    name: str
    type: str
    replacement: str | None = None

    @property
    def multivalued(self) -> bool:
        """Multivalued keys (`ArrayOf...`) are sets in the request context."""
        return self.type.startswith("ArrayOf")

    @property
    def base_type(self) -> str:
        """The type of one value: `String` for both String and ArrayOfString."""
        return self.type.removeprefix("ArrayOf")

    @property
    def deprecated(self) -> bool:
        """True when AWS documents the key as deprecated."""
        return self.replacement is not None

    @property
    def templated(self) -> bool:
        """True for keys with a part the author chooses, e.g. `aws:RequestTag/${TagKey}`."""
        return _TEMPLATE.search(self.name) is not None

    @property
    def also_numeric(self) -> bool:
        """Date keys that AWS also compares with Numeric operators (aws:EpochTime)."""
        return self.name.lower() in ALSO_NUMERIC


# The reference marks the author-chosen part of a key as `${TagKey}`, `<key>`, or (for a few
# services) a bare trailing `tag-key`, as in `secretsmanager:ResourceTag/tag-key`.
_TEMPLATE = re.compile(r"\$\{[^}]*\}|<[^>]*>|(?<=/)tag-key$")


def _template_regex(name: str) -> re.Pattern[str]:
    pieces = _TEMPLATE.split(name)
    return re.compile(".+".join(re.escape(p) for p in pieces), re.IGNORECASE)


class KeyTable:
    """Condition keys by lower-cased name, plus the templated ones tried as patterns."""

    def __init__(self, keys: list[ConditionKey]) -> None:
        self.exact: dict[str, ConditionKey] = {}
        self.templates: list[tuple[re.Pattern[str], ConditionKey]] = []
        for key in keys:
            self.exact.setdefault(key.name.lower(), key)
            if key.templated:
                self.templates.append((_template_regex(key.name), key))

    def get(self, key: str) -> ConditionKey | None:
        """The key's definition; a concrete key (`aws:RequestTag/team`) finds its template."""
        found = self.exact.get(key.lower())
        if found is not None:
            return found
        for regex, template in self.templates:
            if regex.fullmatch(key):
                return template
        return None


class Service:
    """One service prefix: its actions, resource types and condition keys."""

    def __init__(self, prefix: str, raw: dict[str, Any]) -> None:
        self.prefix = prefix
        self.name: str = raw["name"]
        self._raw_keys: dict[str, str | list[str]] = raw["keys"]
        self.resource_types: dict[str, ResourceType] = {
            name: ResourceType(prefix, name, _split_formats(arn), tuple(keys))
            for name, (arn, keys) in raw["resources"].items()
        }

    @cached_property
    def actions(self) -> dict[str, Action]:
        """The service's actions by lower-cased name (read from the archive on first use)."""
        raw: dict[str, list[Any]] = json.loads(_archive().read(f"actions/{self.prefix}.json"))
        return {name.lower(): _action(self.prefix, name, entry) for name, entry in raw.items()}

    @cached_property
    def keys(self) -> KeyTable:
        """The condition keys the service documents."""
        return KeyTable([_key(name, entry) for name, entry in self._raw_keys.items()])

    def __repr__(self) -> str:
        return f"Service({self.prefix!r})"

    def action(self, name: str) -> Action | None:
        """The action called `name` (without the prefix), any case."""
        return self.actions.get(name.lower())

    def condition_key(self, key: str) -> ConditionKey | None:
        """The key if this service documents it (global keys are not included)."""
        return self.keys.get(key)


_tuple = tuple.__new__


def _action(prefix: str, name: str, entry: list[Any]) -> Action:
    level, rtypes, keys, deps, *rest = entry
    types = [
        _tuple(ActionResource, (rname, bool(required), tuple(rkeys), tuple(rdeps)))
        for rname, required, rkeys, rdeps in rtypes
    ]
    return _tuple(
        Action,
        (prefix, name, level, tuple(types), tuple(keys), tuple(deps), rest[0] if rest else None),
    )


def _key(name: str, entry: str | list[str]) -> ConditionKey:
    if isinstance(entry, str):
        return ConditionKey(name, entry)
    return ConditionKey(name, entry[0], entry[1])


_ARCHIVE = "service_reference.zip"


@cache
def _archive() -> zipfile.ZipFile:
    # Kept open for the process: each service's actions are read from it when first needed.
    return zipfile.ZipFile(resources.files("policyreason.data").joinpath(_ARCHIVE).open("rb"))


# A forked process (a pool's worker) opens the archive anew: the parent's open file shares its
# read position with every child, and two processes reading members at once through it read
# each other's bytes (BadZipFile).
if hasattr(os, "register_at_fork"):  # POSIX only; elsewhere no process forks
    os.register_at_fork(after_in_child=_archive.cache_clear)


@cache
def _raw() -> dict[str, Any]:
    """The index: the whole reference but the actions, which `Service.actions` reads."""
    document: dict[str, Any] = json.loads(_archive().read("index.json"))
    return document


@cache
def typing_table_raw() -> dict[str, Any]:
    """The archive's typing table as stored (`data/requests.py` reads it)."""
    document: dict[str, Any] = json.loads(_archive().read("typings.json"))
    return document


@cache
def _service_index() -> dict[str, str]:
    return {prefix.lower(): prefix for prefix in _raw()["services"]}


@dataclass(frozen=True)
class ReferenceInfo:
    """Where the packaged reference comes from and how current it is: checks can only know
    the services, actions and keys that existed on `date`."""

    source: str
    date: str

    def to_json(self) -> dict[str, str]:
        """The JSON shape every report carries (`service_reference`)."""
        return {"source": self.source, "date": self.date}


@cache
def reference_info() -> ReferenceInfo:
    """The source and date of the packaged reference."""
    raw = _raw()
    return ReferenceInfo(source=str(raw.get("source", "")), date=str(raw.get("date", "unknown")))


def service(prefix: str) -> Service | None:
    """The service with this prefix (`s3`, `iam`, ...), or None if the reference lacks it."""
    canonical = _service_index().get(prefix.lower())
    return _load_service(canonical) if canonical is not None else None


@cache
def _load_service(canonical: str) -> Service:
    return Service(canonical, _raw()["services"][canonical])


def service_prefixes() -> tuple[str, ...]:
    """Every service prefix in the reference, sorted."""
    return tuple(sorted(_raw()["services"]))


def action(name: str) -> Action | None:
    """The action `prefix:Name` (any case), or None if unknown or malformed."""
    prefix, sep, rest = name.partition(":")
    if not sep:
        return None
    svc = service(prefix)
    return svc.action(rest) if svc is not None else None


@lru_cache(maxsize=1 << 14)
def wildcard_regex(text: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The strings an IAM wildcard text matches, read as plain text: `*` any run of
    characters, `?` one, everything else literal (no policy variables)."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@cache
def actions_matching(pattern_text: str) -> tuple[Action, ...]:
    """Every action an IAM action pattern (`s3:Get*`, `*`, `ec2:?escribe*`) matches."""
    if pattern_text.strip("*") == "" and pattern_text:
        return tuple(a for p in service_prefixes() for a in _service_actions(p))
    prefix_text, sep, name_text = pattern_text.partition(":")
    if not sep:
        return ()
    if "*" in prefix_text or "?" in prefix_text:
        prefix_re = wildcard_regex(prefix_text, ignore_case=True)
        prefixes = [p for p in service_prefixes() if prefix_re.fullmatch(p)]
    else:
        prefixes = [p for p in (_service_index().get(prefix_text.lower()),) if p]
    if "*" not in name_text and "?" not in name_text:
        found = (action(f"{p}:{name_text}") for p in prefixes)
        return tuple(a for a in found if a is not None)
    matches = _name_matcher(name_text)
    return tuple(
        a
        for p in prefixes
        for a, lowered in zip(_service_actions(p), _lower_names(p), strict=True)
        if matches(lowered)
    )


def _name_matcher(text: str) -> Callable[[str], bool]:
    """Whether a lower-case action name matches the name part of a pattern. A prefix (`Get*`),
    the form most patterns with a wildcard take, is compared as text: a regex costs about
    0.25 ms to compile, and a policy corpus holds thousands of distinct patterns."""
    body = text.rstrip("*")
    if "*" in body or "?" in body:
        name_re = wildcard_regex(text, ignore_case=True)
        return lambda name: name_re.fullmatch(name) is not None
    lowered = body.lower()
    return lambda name: name.startswith(lowered)


@cache
def _service_actions(prefix: str) -> tuple[Action, ...]:
    svc = service(prefix)
    return tuple(sorted(svc.actions.values(), key=lambda a: a.name)) if svc else ()


@cache
def _lower_names(prefix: str) -> tuple[str, ...]:
    return tuple(a.name.lower() for a in _service_actions(prefix))


@cache
def _global_keys() -> KeyTable:
    return KeyTable([ConditionKey(name, kind) for name, kind in GLOBAL_KEYS.items()])


@cache
def _all_keys() -> KeyTable:
    # A key a service defines is usable wherever that service's actions are; the owner's
    # definition (the service whose prefix the key carries) wins over a cross-service copy.
    keys: list[ConditionKey] = []
    for prefix in service_prefixes():
        svc = service(prefix)
        assert svc is not None
        own = [k for k in svc.keys.exact.values() if k.name.lower().startswith(prefix + ":")]
        keys.extend(own)
    for prefix in service_prefixes():
        svc = service(prefix)
        assert svc is not None
        keys.extend(svc.keys.exact.values())
    return KeyTable(keys)


def global_key(key: str) -> ConditionKey | None:
    """The key if it is a global (or documented cross-service) condition key."""
    return _global_keys().get(key)


def condition_key(key: str) -> ConditionKey | None:
    """Type information for any known condition key, global or service-specific."""
    return global_key(key) or _owned_key(key) or _all_keys().get(key)


def _owned_key(key: str) -> ConditionKey | None:
    """The key as the service its prefix names defines it: the definition `_all_keys` gives
    first, found without reading every service's keys (a one-file run asks of a few)."""
    prefix = key.partition(":")[0].lower()
    svc = service(prefix) if prefix in _service_index() else None
    return svc.keys.get(key) if svc is not None else None


def is_multivalued(key: str) -> bool:
    """True when the key is known and multivalued (a set in the request context)."""
    info = condition_key(key)
    return info is not None and info.multivalued


# Keys documented as carrying several values that the service reference does not type.
MULTIVALUED_GLOBAL_KEYS = frozenset(
    {
        "aws:tagkeys",
        "aws:calledvia",
        "aws:principalorgpaths",
        "aws:resourceorgpaths",
        "aws:principalservicenameslist",
    }
)


def multivalued(key: str) -> bool:
    """The key carries a set of values in the request context."""
    return key in MULTIVALUED_GLOBAL_KEYS or is_multivalued(key)


def key_prefix_services(prefix: str) -> tuple[str, ...]:
    """Services that define keys under a non-service prefix (`saml`, OIDC providers, ...)."""
    mapping: dict[str, list[str]] = _raw()["key_prefixes"]
    for name, services in mapping.items():
        if _template_regex(name).fullmatch(prefix):
            return tuple(services)
    return ()


def resource_types_for(name: str) -> tuple[ResourceType, ...]:
    """The resource types the action `prefix:Name` acts on (empty: only `*` applies)."""
    found = action(name)
    if found is None:
        return ()
    svc = service(found.service)
    assert svc is not None
    return tuple(
        svc.resource_types[rt.name] for rt in found.resource_types if rt.name in svc.resource_types
    )


def resource_type(prefix: str, name: str) -> ResourceType | None:
    """The resource type `name` of the service `prefix`."""
    svc = service(prefix)
    return svc.resource_types.get(name) if svc is not None else None


def arn_formats(prefix: str, name: str) -> tuple[str, ...]:
    """The ARN format(s) of a resource type, e.g. `arn:${Partition}:s3:::${BucketName}`."""
    found = resource_type(prefix, name)
    return found.arn_formats if found is not None else ()


@cache
def every_arn_format() -> tuple[str, ...]:
    """The ARN formats of every resource type, services in prefix order; read from the index
    without building every service, which a check that sees one service should not pay for."""
    services = _raw()["services"]
    return tuple(
        arn_format
        for prefix in service_prefixes()
        for arn, _keys in services[prefix]["resources"].values()
        for arn_format in _split_formats(arn)
    )


def _split_formats(text: str) -> tuple[str, ...]:
    # A few resource types list two ARN formats in one string, separated by ", ".
    return tuple(a.strip() for a in text.split(", "))


def access_level(name: str) -> str | None:
    """The primary access level (List, Read, Write, Permissions management, Tagging)."""
    found = action(name)
    return found.access_levels[0] if found is not None else None


def rcp_services() -> tuple[str, ...]:
    """Services that resource control policies (RCPs) apply to."""
    return tuple(_raw()["rcp_services"])
