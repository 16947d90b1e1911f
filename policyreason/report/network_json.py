"""Reachability answers as JSON (schema documented in docs/reach-json.md)."""

from __future__ import annotations

from typing import Any

from policyreason.analysis.network.exposures import Exposure, ExposureResult
from policyreason.analysis.network.reach import ReachResult
from policyreason.analysis.network.trace import PathWitness, Unknown


def unknown_json(unknowns: tuple[Unknown, ...]) -> list[dict[str, str]]:
    return [{"component": u.component, "why": u.why} for u in unknowns]


def path_json(w: PathWitness) -> dict[str, Any]:
    """A witness: the packet as sent, its hops, and the hops of its reply."""
    out: dict[str, Any] = {
        "source": w.source,
        "packet": w.packet.to_json(),
        "hops": [h.to_json() for h in w.forward.hops],
        "disposition": w.forward.disposition.value,
        "return_hops": [h.to_json() for h in w.reply.hops] if w.reply else [],
        "return_disposition": w.reply.disposition.value if w.reply else None,
    }
    if w.unknowns:
        out["unknowns"] = unknown_json(w.unknowns)
    return out


def blocked_json(w: PathWitness) -> dict[str, Any]:
    """Where the furthest-going packet stops, and why."""
    stopped = w.reply if w.forward.delivered and w.reply is not None else w.forward
    last = stopped.hops[-1] if stopped.hops else None
    out = path_json(w)
    out.update(
        {
            "direction": "return" if stopped is w.reply else "forward",
            "component": last.component if last else None,
            "kind": last.kind if last else None,
            "code": stopped.code.value if stopped.code else None,
            "explanation": stopped.explanation,
        }
    )
    return out


def reach_json(result: ReachResult, src: str, dst: str) -> dict[str, Any]:
    """The answer of `reach` as a JSON-ready dict."""
    answer = result.answer
    return {
        "from": src,
        "to": dst,
        "status": answer.status.value,
        "reachable": result.reachable,
        "paths": [path_json(p) for p in result.paths],
        "blocked": blocked_json(result.blocked) if result.blocked else None,
        "candidate": path_json(result.candidate) if result.candidate else None,
        "unknown_components": unknown_json(result.unknowns),
        "assumptions": list(answer.assumptions),
        "reason": answer.reason or None,
        "queries": answer.queries,
    }


def _exposure_json(e: Exposure) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target": e.target,
        "eni": e.eni,
        "protocol": e.protocol,
        "ports": [list(r) for r in e.ports],
        "rule": e.rule or None,
        "path": path_json(e.witness),
    }
    if e.icmp_types:
        out["icmp_types"] = [list(r) for r in e.icmp_types]
    if e.unknowns:
        out["unless"] = unknown_json(e.unknowns)
    return out


def exposures_json(result: ExposureResult) -> dict[str, Any]:
    """The answer of `reach --exposures` as a JSON-ready dict."""
    answer = result.answer
    return {
        "status": answer.status.value,
        "exposures": [_exposure_json(e) for e in result.exposures],
        "possible": [_exposure_json(e) for e in result.possible],
        "unknown": [{"target": t, "reason": r} for t, r in result.unknown],
        "assumptions": list(answer.assumptions),
        "reason": answer.reason or None,
        "queries": answer.queries,
    }
