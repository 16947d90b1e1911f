"""The pipeline of `policyreason reach`: read a VPC snapshot (describe-* exports or a network
description), answer the question (a path between two endpoints, or every exposure to the
internet), and judge the answer's findings with the one gate."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from policyreason.analysis.network.exposures import ExposureResult, exposures
from policyreason.analysis.network.reach import ReachResult, reach
from policyreason.checks import Family, all_rules
from policyreason.errors import NetworkDslError
from policyreason.gating import Gated, GateSettings, verdict
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.answer import Status
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.network import Network
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.parse.network_dsl import parse_network

# What fails: anything reachable from the internet, and a path the question asked about.
# NET003 (proven blocked) passes; an unknown answer fails (fail closed).
GATE = GateSettings(fail_on=frozenset({"NET001", "NET002"}), unknown="fail")


def read_network(path: str) -> tuple[Network | None, list[Diagnostic]]:
    """The network of a snapshot folder, a merged describe-* file or a `.net` description,
    with the reader's diagnostics; None when nothing could be read."""
    p = Path(path)
    if p.is_file() and p.suffix == ".net":
        try:
            return parse_network(p.read_text(encoding="utf-8"), str(p)), []
        except NetworkDslError as exc:
            return None, [_error("syntax", exc.message, exc.span)]
        except (OSError, UnicodeDecodeError) as exc:
            span = Span(file=str(p), line=1, column=1, end_line=1, end_column=1)
            return None, [_error("unreadable", f"cannot read file: {exc}", span)]
    network, diagnostics = read_snapshot(p)
    return network, list(diagnostics)


def answer_exposures(
    network: Network, errors: int, rlimit: int | None = None
) -> tuple[ExposureResult, int]:
    """Every exposure to the internet, and the exit code the gate gives it; `errors` input
    errors make a proof unknown (the input was not read in full)."""
    exp = exposures(network, rlimit) if rlimit else exposures(network)
    if errors:
        exp = replace(exp, answer=exp.answer.weakened(_partial(errors)))
    return exp, verdict(exposure_findings(exp), GATE, errors=errors).exit_code


def answer_reach(
    network: Network,
    src: str,
    dst: str,
    protocol: int | None,
    port: int | None,
    errors: int,
    rlimit: int | None = None,
) -> tuple[ReachResult, int]:
    """Whether packets get from `src` to `dst` (and back), and the exit code the gate gives
    the answer; raises ValueError for an endpoint the network does not have."""
    result = reach(network, src, dst, protocol, port, **_limits(rlimit))
    if errors:
        result = replace(result, answer=result.answer.weakened(_partial(errors)), blocked=None)
    return result, verdict(reach_findings(result), GATE, errors=errors).exit_code


def exposure_findings(exp: ExposureResult) -> list[Gated]:
    """What the gate judges of an exposure answer: each exposure (witnessed), each possible
    exposure and undecided target (unknown), or the answer itself when it is unknown."""
    found = [_gated("NET001", Status.WITNESSED) for _ in exp.exposures]
    undecided = [_gated("NET001", Status.UNKNOWN) for _ in (*exp.possible, *exp.unknown)]
    if not undecided and exp.answer.status not in (Status.PROVEN, Status.WITNESSED):
        undecided = [_gated("NET001", exp.answer.status)]
    return found + undecided


def reach_findings(result: ReachResult) -> list[Gated]:
    """What the gate judges of a path answer: the path (NET002), the proven block (NET003),
    or the undecided question."""
    status = result.answer.status
    return [_gated("NET003" if status is Status.PROVEN else "NET002", status)]


def _gated(rule: str, status: Status) -> Gated:
    return Gated((rule,), _severity(rule), status)


@cache
def _severity(rule: str) -> Severity:
    return next(r.severity for r in all_rules(Family.NETWORK) if r.id == rule)


def _limits(rlimit: int | None) -> dict[str, int]:
    return {"rlimit": rlimit} if rlimit else {}


def _partial(errors: int) -> str:
    # A proof over an input that was not read in full is no proof.
    return f"the input could not be read in full ({errors} error(s) above)"


def _error(code: str, message: str, span: Span) -> Diagnostic:
    return Diagnostic(code=code, level=Level.ERROR, message=message, span=span)
