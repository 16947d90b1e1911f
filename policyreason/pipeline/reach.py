"""The pipeline of `policyreason reach`: read a VPC snapshot (describe-* exports or a network
description), and judge the answer to its question (`api.reach`: a path between two
endpoints; `api.exposures`: every exposure to the internet) with the one gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from policyreason.analysis.network.exposures import ExposureResult
from policyreason.analysis.network.reach import ReachResult
from policyreason.checks import Family, all_rules
from policyreason.errors import NetworkDslError
from policyreason.gating import Gated, GateSettings, Place, Screening, naming, screen, verdict
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.answer import Status
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.network import Network
from policyreason.ir.span import Span
from policyreason.parse.network_dsl import parse_network
from policyreason.report import ReachReport
from policyreason.report.findings import VerbFinding, of_exposures, of_reach

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


def judge_exposures(
    exp: ExposureResult, errors: int, screening: Screening | None = None
) -> ReachReport:
    """Every exposure to the internet (`api.exposures`), judged by the gate; `errors` input
    errors make a proof unknown (the input was not read in full)."""
    if errors:
        exp = replace(exp, answer=exp.answer.weakened(_partial(errors)))
    return judge(exp, of_exposures(exp), errors, screening or Screening())


def judge_reach(
    result: ReachResult,
    src: str,
    dst: str,
    protocol: int | None,
    port: int | None,
    errors: int,
    screening: Screening | None = None,
) -> ReachReport:
    """Whether packets get from `src` to `dst` and back (`api.reach`), judged by the gate;
    `errors` input errors make a proof unknown."""
    if errors:
        result = replace(result, answer=result.answer.weakened(_partial(errors)), blocked=None)
    findings = [of_reach(result, src, dst, protocol, port)]
    return judge(result, findings, errors, screening or Screening(), src, dst)


def judge(
    answer: ReachResult | ExposureResult,
    findings: Sequence[VerbFinding],
    errors: int,
    screening: Screening,
    src: str | None = None,
    dst: str | None = None,
) -> ReachReport:
    """The answer's findings through the one gate: suppressions that name a rule of `reach`,
    the baseline, then what fails (anything but a proof; NET003 passes)."""
    ids = {r.id for r in all_rules(Family.NETWORK)}
    live = naming(screening.suppressions, ids)
    expired = naming(screening.expired, ids)
    screened = screen(
        findings, _place, replace(screening, suppressions=tuple(live), expired=tuple(expired))
    )
    kept = [replace(f, baseline=state) for f, state in screened.kept]
    judged = verdict([_gated(f) for f in kept], GATE, errors=errors, expired=len(expired))
    return ReachReport(
        path=answer if isinstance(answer, ReachResult) else None,
        exposed=answer if isinstance(answer, ExposureResult) else None,
        src=src,
        dst=dst,
        findings=tuple(
            replace(f, failing=bad) for f, bad in zip(kept, judged.failing, strict=True)
        ),
        suppressed=screened.suppressed,
        expired_suppressions=tuple(s.describe() for s in expired),
        failing=judged.count,
        exit_code=judged.exit_code,
    )


def _place(f: VerbFinding) -> Place:
    # A finding at no line of a file is placed at its component, which no path glob names
    # but a suppression without paths ("*") covers.
    span = f.location.span or Span(
        file=f.location.component or "", line=0, column=0, end_line=0, end_column=0
    )
    return Place(f.rule_id, span, f.fingerprint)


def _gated(f: VerbFinding) -> Gated:
    return Gated((f.rule_id,), f.severity, Status(f.status), baseline=f.baseline)


def _partial(errors: int) -> str:
    # A proof over an input that was not read in full is no proof.
    return f"the input could not be read in full ({errors} error(s) above)"


def _error(code: str, message: str, span: Span) -> Diagnostic:
    return Diagnostic(code=code, level=Level.ERROR, message=message, span=span)
