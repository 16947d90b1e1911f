"""Suppressions written beside what they suppress: a CloudFormation resource's Metadata.

    Resources:
      SiteBucketPolicy:
        Type: AWS::S3::BucketPolicy
        Metadata:
          policyreason:
            suppress:
              - rules: [PR601]
                reason: Public website, reviewed in SEC-42
                owner: web-team
                expires: 2026-06-30
        Properties: ...

Each entry covers the findings inside that resource, of the rules listed (rule ids or IAM
Access Analyzer codes; every rule when `rules` is left out) and, with `sids`, of those
statements only. As in the configuration, `reason` is mandatory, `owner` and `expires`
optional; a malformed entry is a located input error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policyreason.checks import find_rules
from policyreason.config import Suppression, suppression
from policyreason.errors import ConfigError, JsonSyntaxError, YamlSyntaxError
from policyreason.inputs.cfn_yaml import parse_yaml
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.parse.json_spans import JArray, JNode, JObject, parse_json, to_python

_KEYS = {"rules", "sids", "reason", "owner", "expires"}
_YAML = (".yaml", ".yml")


def template_suppressions(path: Path, shown: str) -> tuple[list[Suppression], list[Diagnostic]]:
    """The suppressions in the Metadata of the template at `path` (reported as `shown`), and
    errors for malformed ones. A template that cannot be read has none (its reader reports
    why)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return [], []
    return suppressions_in(text, shown, is_yaml(path, text))


def suppressions_in(
    text: str, shown: str, yaml: bool
) -> tuple[list[Suppression], list[Diagnostic]]:
    """The suppressions in the Metadata of a template's text (YAML when `yaml`, else JSON),
    as `template_suppressions` reads them from a file."""
    try:
        root = parse_yaml(text, shown) if yaml else parse_json(text, shown)
    except (YamlSyntaxError, JsonSyntaxError):
        return [], []
    resources = root.get("Resources") if isinstance(root, JObject) else None
    if not isinstance(resources, JObject):
        return [], []
    found: list[Suppression] = []
    errors: list[Diagnostic] = []
    for key, resource in resources.pairs:
        entries = _entries(resource)
        for number, entry in enumerate(entries.items if entries is not None else (), start=1):
            label = f"{key.value} suppression #{number}"
            try:
                found.append(_entry(entry, label, f"{shown}:{key.value}", resource))
            except ConfigError as exc:
                errors.append(
                    Diagnostic(
                        code="suppression", level=Level.ERROR, message=str(exc), span=entry.span
                    )
                )
    return found, errors


def is_yaml(path: Path, text: str) -> bool:
    """Whether a template's text is YAML (by its suffix, else by its first character)."""
    return path.suffix.lower() in _YAML or not text.lstrip().startswith(("{", "["))


def _entries(resource: JNode) -> JArray | None:
    if not isinstance(resource, JObject):
        return None
    metadata = resource.get("Metadata")
    ours = metadata.get("policyreason") if isinstance(metadata, JObject) else None
    entries = ours.get("suppress") if isinstance(ours, JObject) else None
    return entries if isinstance(entries, JArray) else None


def _entry(node: JNode, label: str, origin: str, resource: JNode) -> Suppression:
    raw: Any = to_python(node)
    if not isinstance(raw, dict):
        raise ConfigError(f"{label} must be a mapping with a reason")
    extra = sorted(set(raw) - _KEYS)
    if extra:
        raise ConfigError(f"{label}: unknown key {extra[0]!r} (known: {', '.join(sorted(_KEYS))})")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f'{label} has no reason: every suppression must say why (reason: "...")')
    found = suppression(raw, reason, label, (), origin, within=resource.span)
    for name in found.rules:
        # A rule of any verb: a template's suppression may be written for `diff`.
        if not find_rules(name, None):
            raise ConfigError(f"{label} names unknown rule {name!r}")
    return found
