"""Project configuration: `[tool.policyreason]` in `pyproject.toml`, or `.policyreason.toml`.

The file is found by walking up from the working directory (`.policyreason.toml` first in each
folder). Command-line flags override the file, the file overrides the defaults. Unknown keys are
errors, so a typo never silently turns a check back on; a suppression must give its reason, and
may name an owner and a date it expires on (an expired suppression fails the gate).
"""

from __future__ import annotations

import datetime
import fnmatch
import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from policyreason.errors import ConfigError, ResourceTypeError
from policyreason.ir.acceptance import Acceptance
from policyreason.ir.resource_type import resource_type
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span

CONFIG_FILE = ".policyreason.toml"
_ACCOUNT = re.compile(r"^\d{12}$")
_ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")
_KEYS = {
    "fail-on",
    "unknown",
    "zone-of-trust",
    "resource-type",
    "enable",
    "disable",
    "suppress",
    "baseline",
    "parameters",
    "max-file-size-mb",
    "accept",
    "no-policy",
    "onprem",
    "policy-type",
    "diff-fail-on",
}
_SUPPRESSION_KEYS = {"paths", "rules", "sids", "reason", "owner", "expires"}
_POLICY_TYPE_KEYS = {"paths", "type"}
POLICY_TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary", "session", "endpoint")
_ACCEPT_KEYS = {"policy", "direction", "actions", "reason"}
DIRECTIONS = ("new-access", "lost-access")


class Suppression(BaseModel):
    """Findings of `rules` (rule ids or Access Analyzer codes; all rules when empty) in files
    matching `paths`, in statements with one of `sids` (any when empty), and inside `within`
    (a template resource, for suppressions written in the template) are not reported.

    `origin` says where the suppression was written, for reports; an `expires` date in the
    past makes it stop suppressing and fail the gate."""

    model_config = ConfigDict(frozen=True)

    paths: tuple[str, ...]
    rules: tuple[str, ...]
    reason: str
    sids: tuple[str, ...] = ()
    owner: str | None = None
    expires: datetime.date | None = None
    within: Span | None = None
    origin: str = ""

    def matches(
        self, path: str, rule_id: str, aa_code: str | None = None, sid: str | None = None
    ) -> bool:
        """True when the suppression covers this finding (`path` relative, with `/`)."""
        if self.rules and rule_id not in self.rules and (aa_code or "") not in self.rules:
            return False
        if self.sids and sid not in self.sids:
            return False
        if not self.paths:
            return True  # written in the file itself: `within` places it
        posix = PurePosixPath(path).as_posix()
        return any(fnmatch.fnmatchcase(posix, glob) for glob in self.paths)

    def covers(self, span: Span) -> bool:
        """True when `span` lies inside the resource the suppression was written on."""
        if self.within is None:
            return True
        inner, outer = span, self.within
        return (
            inner.file == outer.file
            and (outer.line, outer.column) <= (inner.line, inner.column)
            and (
                inner.end_line,
                inner.end_column,
            )
            <= (outer.end_line, outer.end_column)
        )

    def expired(self, today: datetime.date) -> bool:
        """True once the expiry date has passed (a suppression holds through its date)."""
        return self.expires is not None and self.expires < today

    def describe(self) -> str:
        """How reports name the suppression: where it is, whose it is and when it lapses."""
        owner = f", owner {self.owner}" if self.owner else ""
        expires = f", expires {self.expires.isoformat()}" if self.expires else ""
        return f"{self.origin or 'configuration'}: {self.reason}{owner}{expires}"


class PolicyTypeRule(BaseModel):
    """Policy JSON files matching `paths` hold policies of `type` (an SCP, an RCP, ...)."""

    model_config = ConfigDict(frozen=True)

    paths: tuple[str, ...]
    type: str

    def matches(self, path: str) -> bool:
        """True when the rule applies to the file at `path` (relative, with `/`)."""
        posix = PurePosixPath(path).as_posix()
        return any(fnmatch.fnmatchcase(posix, glob) for glob in self.paths)


class Config(BaseModel):
    """Effective settings of one run."""

    model_config = ConfigDict(frozen=True)

    fail_on: Severity = Severity.SECURITY_WARNING
    unknown: Literal["fail", "pass"] = "fail"
    zone_of_trust: tuple[str, ...] = ()
    resource_type: str | None = None
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    accepts: tuple[Acceptance, ...] = ()
    policy_types: tuple[PolicyTypeRule, ...] = ()
    diff_fail_on: tuple[str, ...] = ()
    baseline: str | None = None
    parameters: dict[str, str] = {}
    max_file_size_mb: float = 5.0
    no_policy: Literal["fail", "skip"] = "fail"
    onprem: dict[str, str] = {}
    source: str | None = None


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.policyreason.toml`, or `pyproject.toml` with a `[tool.policyreason]`
    table, in `start` (default: the working directory) or a parent."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_section(pyproject):
            return pyproject
    return None


def _has_section(pyproject: Path) -> bool:
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "policyreason" in data["tool"]


def load_config(path: Path | None) -> Config:
    """Read the configuration file (None: defaults); raises ConfigError with the file name."""
    if path is None:
        return Config()
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: error: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: error: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: error: invalid TOML: {exc}") from None
    table: Any = data
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("policyreason", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: error: [tool.policyreason] must be a table")
    try:
        return _parse(table, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: error: {exc}") from None


def _parse(table: dict[str, Any], path: Path) -> Config:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    values: dict[str, Any] = {"source": str(path)}
    if "fail-on" in table:
        values["fail_on"] = parse_severity(_string(table, "fail-on"))
    if "unknown" in table:
        values["unknown"] = parse_unknown(_string(table, "unknown"))
    if "zone-of-trust" in table:
        values["zone_of_trust"] = tuple(validate_trust(v) for v in _strings(table, "zone-of-trust"))
    if "resource-type" in table:
        values["resource_type"] = validate_resource_type(_string(table, "resource-type"))
    for key in ("enable", "disable"):
        if key in table:
            values[key] = tuple(_strings(table, key))
    if "baseline" in table:
        values["baseline"] = str(path.parent / _string(table, "baseline"))
    if "parameters" in table:
        params = table["parameters"]
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
            raise ConfigError("parameters must be a table of strings")
        values["parameters"] = dict(params)
    if "max-file-size-mb" in table:
        size = table["max-file-size-mb"]
        if not isinstance(size, int | float) or isinstance(size, bool) or size <= 0:
            raise ConfigError("max-file-size-mb must be a positive number")
        values["max_file_size_mb"] = float(size)
    if "no-policy" in table:
        values["no_policy"] = parse_no_policy(_string(table, "no-policy"))
    if "onprem" in table:
        values["onprem"] = parse_onprem(table["onprem"])
    if "suppress" in table:
        values["suppressions"] = tuple(_suppressions(table["suppress"], str(path)))
    if "diff-fail-on" in table:
        values["diff_fail_on"] = tuple(_strings(table, "diff-fail-on"))
    if "policy-type" in table:
        values["policy_types"] = tuple(_policy_types(table["policy-type"]))
    if "accept" in table:
        values["accepts"] = tuple(_accepts(table["accept"]))
    return Config(**values)


def _reasoned(
    raw: Any, section: str, noun: str, keys: set[str]
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """Each entry of an array of tables `[[tool.policyreason.<section>]]`, checked for known
    keys and a mandatory reason: (number, entry, reason)."""
    if not isinstance(raw, list):
        raise ConfigError(f"{section} must be an array of tables ([[tool.policyreason.{section}]])")
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{noun} #{number} must be a table")
        extra = sorted(set(entry) - keys)
        if extra:
            raise ConfigError(f"{noun} #{number}: unknown key {extra[0]!r}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f'{noun} #{number} has no reason: every {noun} must say why (reason = "...")'
            )
        yield number, entry, reason


def _suppressions(raw: Any, origin: str) -> list[Suppression]:
    out: list[Suppression] = []
    entries = _reasoned(raw, "suppress", "suppression", _SUPPRESSION_KEYS)
    for number, entry, reason in entries:
        paths = _strings(entry, "paths") if "paths" in entry else ["*"]
        out.append(suppression(entry, reason, f"suppression #{number}", tuple(paths), origin))
    return out


def suppression(
    entry: dict[str, Any],
    reason: str,
    label: str,
    paths: tuple[str, ...],
    origin: str,
    within: Span | None = None,
) -> Suppression:
    """A suppression from an already checked entry (known keys, a reason); raises ConfigError
    for a bad `rules`, `sids`, `owner` or `expires`."""
    owner = entry.get("owner")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise ConfigError(f"{label}: owner must be a non-empty string")
    return Suppression(
        paths=paths,
        rules=tuple(r.upper() for r in _strings(entry, "rules")) if "rules" in entry else (),
        sids=tuple(_strings(entry, "sids")) if "sids" in entry else (),
        reason=reason.strip(),
        owner=owner.strip() if isinstance(owner, str) else None,
        expires=_expiry(entry["expires"], label) if "expires" in entry else None,
        within=within,
        origin=origin,
    )


def _expiry(value: Any, label: str) -> datetime.date:
    # TOML has dates of its own; YAML and JSON (template Metadata) give strings or dates.
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{label}: expires must be a date (YYYY-MM-DD), not {value!r}")


def _policy_types(raw: Any) -> list[PolicyTypeRule]:
    if not isinstance(raw, list):
        raise ConfigError(
            "policy-type must be an array of tables ([[tool.policyreason.policy-type]])"
        )
    out: list[PolicyTypeRule] = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"policy type #{number} must be a table")
        extra = sorted(set(entry) - _POLICY_TYPE_KEYS)
        if extra:
            raise ConfigError(f"policy type #{number}: unknown key {extra[0]!r}")
        if "paths" not in entry or "type" not in entry:
            raise ConfigError(f"policy type #{number} needs 'paths' and 'type'")
        kind = _string(entry, "type").strip().lower()
        if kind not in POLICY_TYPES:
            choices = ", ".join(POLICY_TYPES)
            raise ConfigError(f"policy type #{number}: type must be one of {choices}, not {kind!r}")
        out.append(PolicyTypeRule(paths=tuple(_strings(entry, "paths")), type=kind))
    return out


def _accepts(raw: Any) -> list[Acceptance]:
    out: list[Acceptance] = []
    for number, entry, reason in _reasoned(raw, "accept", "accepted change", _ACCEPT_KEYS):
        for key in ("policy", "direction", "actions"):
            if key not in entry:
                raise ConfigError(f"accepted change #{number} needs {key!r}")
        direction = _string(entry, "direction")
        if direction not in DIRECTIONS:
            raise ConfigError(
                f"accepted change #{number}: direction must be one of {', '.join(DIRECTIONS)}"
            )
        actions = _strings(entry, "actions")
        if not actions:
            raise ConfigError(f"accepted change #{number}: actions must not be empty")
        out.append(
            Acceptance(
                policy=_string(entry, "policy"),
                direction=direction,  # type: ignore[arg-type]
                actions=tuple(actions),
                reason=reason.strip(),
            )
        )
    return out


def parse_severity(text: str) -> Severity:
    """A severity from its name, in any case, with `-` or `_` (`security-warning`)."""
    name = text.strip().upper().replace("-", "_")
    try:
        return Severity(name)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ConfigError(f"unknown severity {text!r} (one of {choices})") from None


def parse_unknown(text: str) -> Literal["fail", "pass"]:
    """The policy for unknown results: `fail` (the default, fail closed) or `pass`."""
    if text == "fail":
        return "fail"
    if text == "pass":
        return "pass"
    raise ConfigError(f"unknown must be 'fail' or 'pass', not {text!r}")


def parse_no_policy(text: str) -> Literal["fail", "skip"]:
    """What a file named on the command line that holds no policy does: `fail` the gate (the
    default: it was meant to be checked) or `skip` (pre-commit passes every JSON and YAML)."""
    if text == "fail":
        return "fail"
    if text == "skip":
        return "skip"
    raise ConfigError(f"no-policy must be 'fail' or 'skip', not {text!r}")


def validate_resource_type(text: str) -> str:
    """A resource type public and external access are judged for, e.g. AWS::S3::Bucket."""
    try:
        return resource_type(text).name
    except ResourceTypeError as exc:
        raise ConfigError(str(exc)) from None


def parse_onprem(raw: Any) -> dict[str, str]:
    """Declared on-premises networks: a table of CIDR = NAME (as `reach --onprem CIDR=NAME`)."""
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError('onprem must be a table of "CIDR" = "NAME"')
    for cidr, name in raw.items():
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(f"onprem: {cidr!r} is not a CIDR") from None
        if not name.strip():
            raise ConfigError(f"onprem: {cidr} needs a name")
    return dict(raw)


def validate_trust(text: str) -> str:
    """A zone-of-trust entry: a 12-digit account id or an organization id (o-...)."""
    if _ACCOUNT.match(text) or _ORGANIZATION.match(text):
        return text
    raise ConfigError(f"zone of trust entry {text!r} is neither an account id nor an o-... id")


def _string(table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string")
    return value


def _strings(table: dict[str, Any], key: str) -> list[str]:
    value = table[key]
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings")
    return list(value)
