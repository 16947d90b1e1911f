"""Large describe-* exports for the benchmarks, made by replicating a Batfish snapshot.

Copy k of the snapshot gets its own resource ids (the hex id with k appended) and its own public
addresses (from 198.18.0.0/15, the benchmarking range), so the copies are separate VPCs that
share nothing; private addresses repeat, as they do across real VPCs. The result is one merged
JSON file of describe-* results, indented as the AWS CLI prints them.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT.parent / "shared/corpora/batfish-aws-snapshots"
# Public and private subnets, an internet gateway, a NAT gateway, four interfaces.
DEFAULT_SNAPSHOT = SNAPSHOTS / "test-nat-gateway"

_ID = re.compile(r"^[a-z]+(?:-[a-z]+)*-[0-9a-f]{8,17}$")
_IPV4 = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_BENCH_NET = int(ipaddress.IPv4Address("198.18.0.0"))


def merged(snapshot: Path) -> dict[str, list[Any]]:
    """Every describe-* result of a snapshot folder, merged by kind."""
    out: dict[str, list[Any]] = {}
    for file in sorted(snapshot.rglob("*.json")):
        document = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(document, dict):
            for kind, items in document.items():
                if isinstance(items, list):
                    out.setdefault(kind, []).extend(items)
    return out


def public_addresses(value: Any) -> list[str]:
    """The public IPv4 addresses in a describe-* document, in first-seen order."""
    found: dict[str, None] = {}

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, str) and _IPV4.match(v) and ipaddress.IPv4Address(v).is_global:
            found.setdefault(v)

    walk(value)
    return list(found)


def _copy(value: Any, k: int, addresses: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _copy(v, k, addresses) for key, v in value.items()}
    if isinstance(value, list):
        return [_copy(v, k, addresses) for v in value]
    if isinstance(value, str):
        if _ID.match(value):
            return f"{value}{k:05x}"
        return addresses.get(value, value)
    return value


def replicate(snapshot: Path, copies: int) -> dict[str, list[Any]]:
    """`copies` independent copies of the snapshot, as one describe-* document."""
    base = merged(snapshot)
    public = public_addresses(base)
    out: dict[str, list[Any]] = {kind: [] for kind in base}
    for k in range(copies):
        addresses = {
            ip: str(ipaddress.IPv4Address(_BENCH_NET + k * len(public) + j))
            for j, ip in enumerate(public)
        }
        for kind, items in base.items():
            out[kind].extend(_copy(items, k, addresses))
    return out


def interfaces(snapshot: Path) -> int:
    """How many network interfaces one copy of the snapshot has."""
    return len(merged(snapshot).get("NetworkInterfaces", []))


def write_export(path: Path, copies: int, snapshot: Path = DEFAULT_SNAPSHOT) -> int:
    """Write `copies` copies of `snapshot` to `path`; returns the file's size in bytes."""
    text = json.dumps(replicate(snapshot, copies), indent=4) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def copies_for_bytes(target: int, snapshot: Path = DEFAULT_SNAPSHOT) -> int:
    """How many copies make an export of about `target` bytes."""
    one = len(json.dumps(replicate(snapshot, 1), indent=4)) + 1
    return max(1, round(target / one))
