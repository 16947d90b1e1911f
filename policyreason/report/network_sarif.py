"""SARIF 2.1.0 for network answers: one result per exposure (or reachable path), located at
the describe-* rule that lets the traffic in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policyreason import __version__
from policyreason.analysis.network.exposures import ExposureResult
from policyreason.analysis.network.reach import ReachResult
from policyreason.analysis.network.trace import Hop, PathWitness
from policyreason.ir.answer import Status
from policyreason.ir.span import Span

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {
    "NET001": ("internet-exposure", "An interface is reachable from the internet"),
    "NET002": ("reachable", "Traffic between the endpoints is possible"),
    "NET003": ("not-reachable", "Traffic between the endpoints is blocked"),
}


def _opener(w: PathWitness, rule: str = "") -> Hop | None:
    """The hop whose rule decides: the named rule, else the inbound security group rule, else
    the last located hop."""
    located = [h for h in w.forward.hops if h.span is not None and h.span.line > 0]
    for hop in located:
        if (rule and hop.rule == rule) or (not rule and hop.kind == "security-group"):
            return hop
    return located[-1] if located else None


def _uri(file: str) -> str:
    """Relative to the working folder when inside it (what code scanning expects), else a
    file:// URI."""
    path = Path(file)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_uri()


def _location(span: Span | None) -> list[dict[str, Any]]:
    if span is None or span.line <= 0:
        return []
    uri = _uri(span.file)
    return [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": {
                    "startLine": span.line,
                    "startColumn": span.column,
                    "endLine": span.end_line,
                    "endColumn": span.end_column,
                },
            }
        }
    ]


def _result(
    rule: str, level: str, message: str, w: PathWitness | None, opener: str = ""
) -> dict[str, Any]:
    hop = _opener(w, opener) if w is not None else None
    out: dict[str, Any] = {
        "ruleId": rule,
        "level": level,
        "message": {"text": message},
        "locations": _location(hop.span if hop else None),
    }
    if w is not None:
        out["properties"] = {"packet": w.packet.to_json(), "source": w.source}
    return out


def _log(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policyreason",
                        "version": __version__,
                        "rules": [
                            {"id": rid, "name": name, "shortDescription": {"text": text}}
                            for rid, (name, text) in RULES.items()
                        ],
                    }
                },
                "results": results,
            }
        ],
    }


def _ranges(ranges: tuple[tuple[int, int], ...], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{lo}" if lo == hi else f"{prefix}{lo}-{hi}" for lo, hi in ranges)


def exposures_sarif(result: ExposureResult) -> dict[str, Any]:
    """One warning per exposed interface and protocol; a note per possible exposure (through
    a component whose rules are unknown) and per unknown target."""
    results = []
    for e in (*result.exposures, *result.possible):
        what = f"{e.protocol} {_ranges(e.ports) or _ranges(e.icmp_types, 'type ')}".strip()
        message = f"{e.target} ({e.eni}) is reachable from the internet on {what}"
        if e.rule:
            message += f", opened by {e.rule}"
        if e.unknowns:
            unless = "; ".join(str(u) for u in e.unknowns)
            message += f", unless one of these blocks it (unknown): {unless}"
        level = "note" if e.unknowns else "warning"
        results.append(_result("NET001", level, message, e.witness, e.rule))
    for target, reason in result.unknown:
        results.append(_result("NET001", "note", f"{target}: unknown ({reason})", None))
    return _log(results)


def reach_sarif(result: ReachResult, src: str, dst: str) -> dict[str, Any]:
    """One result: the reachable path, or the block, or the unknown."""
    status = result.answer.status
    if status is Status.WITNESSED:
        res = _result("NET002", "warning", f"{src} can reach {dst}", result.paths[0])
    elif status is Status.PROVEN:
        res = _result(
            "NET003", "note", f"{src} cannot reach {dst}: {result.reason}", result.blocked
        )
        if result.blocked is not None:
            stopped = result.blocked.reply or result.blocked.forward
            if not result.blocked.forward.delivered:
                stopped = result.blocked.forward
            located = [h for h in stopped.hops if h.span is not None and h.span.line > 0]
            res["locations"] = _location(located[-1].span if located else None)
    else:
        res = _result(
            "NET002", "note", f"{src} -> {dst}: {status.value} ({result.reason})", result.candidate
        )
    return _log([res])
