"""Side by side: the same comparison queries through policyreason (cvc5), a compact z3
encoding, and a naive z3 encoding.

What the z3 encodings cover: identity-style policies (no Principal element) over the action and
resource strings only — Allow minus Deny; Action/NotAction, Resource/NotResource; `*` and `?`
wildcards; ARN segments before the resource part exclude `:`; actions are lower-cased.
Conditions are not encoded, so every policy is stripped of its Condition blocks before any
engine sees it; policies with policy variables (`${aws:username}`) are left out.

- "compact" mirrors policyreason's encoder: `*` is true, a literal is string equality, other
  patterns are one regex; the request's resource only has to start with `arn:`.
- "naive" writes every pattern (literals and `*` included) as regex membership and requires the
  resource to match the full ARN shape `arn:P:S:R:A:rest`.

Each comparison asks both directions (new access, lost access). policyreason's time includes
its encoding, the solver, decoding one witness and re-checking it with the concrete
evaluator; z3's includes its encoding and the solver. Verdicts must agree; disagreements are
listed. Needs the perf extra: pip install '.[perf]'.

    python perf/peers.py [--step 10] [--output perf/results/peers.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import z3

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine, percentiles
from compare_mutants import mutants

from policyreason.analysis.compare import CompareVerdict, compare
from policyreason.ir.pattern import AnyChar, Part, Pattern, Star, Text, Variable, arn_segments
from policyreason.ir.policy import Effect, Policy, Statement
from policyreason.parse.policy import parse_policy_text

ROOT = Path(__file__).resolve().parents[1]
Z3_TIMEOUT_MS = 30_000
ENGINES = ("policyreason", "z3", "z3-naive")
ACTION_ONLY = {"drop-action", "widen-action", "narrow-resource", "widen-resource"}


@dataclass(frozen=True)
class Answer:
    verdict: str  # a CompareVerdict value
    seconds: float


def strip_conditions(policy: Policy) -> Policy:
    """The policy without Condition blocks (what the z3 encodings can express)."""
    return policy.model_copy(
        update={
            "statements": tuple(s.model_copy(update={"conditions": ()}) for s in policy.statements)
        }
    )


def supported(policy: Policy) -> bool:
    """No Principal element and no policy variable."""
    for st in policy.statements:
        if st.principal is not None:
            return False
        patterns = [*st.actions, *(st.resources or ())]
        if any(isinstance(p, Variable) for pat in patterns for p in pat.parts):
            return False
    return True


class Z3Encoder:
    """Allow-minus-Deny of identity policies over symbolic action and resource strings."""

    def __init__(self, naive: bool) -> None:
        self.naive = naive
        self.action = z3.String("action")
        self.resource = z3.String("resource")
        self.any = z3.AllChar(z3.ReSort(z3.StringSort()))
        self.no_colon = z3.Union(z3.Range(chr(0), "9"), z3.Range(";", chr(0x2FFFF)))

    def domain(self) -> z3.BoolRef:
        no_upper = z3.Star(z3.Union(z3.Range(chr(0), "@"), z3.Range("[", chr(0x2FFFF))))
        parts = [z3.InRe(self.action, no_upper)]
        if self.naive:
            seg = z3.Star(self.no_colon)
            shape = z3.Concat(
                z3.Re("arn:"), seg, z3.Re(":"), seg, z3.Re(":"), seg, z3.Re(":"), seg,
                z3.Re(":"), z3.Star(self.any),
            )  # fmt: skip
            parts.append(z3.InRe(self.resource, shape))
        else:
            parts.append(z3.PrefixOf(z3.StringVal("arn:"), self.resource))
        return z3.And(parts)

    def _regex(self, parts: tuple[Part, ...] | list[Part], char: z3.ReRef) -> z3.ReRef:
        pieces: list[z3.ReRef] = []
        for p in parts:
            if isinstance(p, Text):
                pieces.append(z3.Re(z3.StringVal(p.text)))
            elif isinstance(p, Star):
                pieces.append(z3.Star(char))
            elif isinstance(p, AnyChar):
                pieces.append(char)
            else:
                raise ValueError("policy variables are not encoded")
        if not pieces:
            return z3.Re(z3.StringVal(""))
        return pieces[0] if len(pieces) == 1 else z3.Concat(*pieces)

    def glob(self, pattern: Pattern, s: z3.SeqRef) -> z3.BoolRef:
        if not self.naive:
            if pattern.is_match_all:
                return z3.BoolVal(True)
            if pattern.is_literal:
                return s == z3.StringVal(pattern.literal_text())
        return z3.InRe(s, self._regex(pattern.parts, self.any))

    def arn(self, pattern: Pattern, s: z3.SeqRef) -> z3.BoolRef:
        if not self.naive:
            if pattern.is_match_all:
                return z3.BoolVal(True)
            text = pattern.literal_text()
            if pattern.is_literal and (text.count(":") >= 5 or "*" not in text):
                return s == z3.StringVal(text)
        segments = arn_segments(pattern)
        pieces: list[z3.ReRef] = []
        for i, seg in enumerate(segments):
            last = i == len(segments) - 1
            if i > 0:
                pieces.append(z3.Re(":"))
            pieces.append(self._regex(seg, self.any if last else self.no_colon))
        return z3.InRe(s, pieces[0] if len(pieces) == 1 else z3.Concat(*pieces))

    def statement(self, st: Statement) -> z3.BoolRef:
        actions = z3.Or([self.glob(p, self.action) for p in st.actions])
        parts = [z3.Not(actions) if st.not_action else actions]
        if st.resources is not None:
            res = z3.Or([self.arn(p, self.resource) for p in st.resources])
            parts.append(z3.Not(res) if st.not_resource else res)
        return z3.And(parts)

    def allows(self, policy: Policy) -> z3.BoolRef:
        allow = [self.statement(s) for s in policy.statements if s.effect is Effect.ALLOW]
        deny = [self.statement(s) for s in policy.statements if s.effect is Effect.DENY]
        return z3.And(z3.Or(allow) if allow else z3.BoolVal(False), z3.Not(z3.Or(deny)))


def z3_compare(old: Policy, new: Policy, naive: bool) -> Answer:
    """Both directions with z3; the verdict as policyreason's compare names it."""
    start = time.perf_counter()
    answers: list[z3.CheckSatResult] = []
    for wider, narrower in ((new, old), (old, new)):
        enc = Z3Encoder(naive)
        solver = z3.Solver()
        solver.set("timeout", Z3_TIMEOUT_MS)
        solver.add(enc.domain(), enc.allows(wider), z3.Not(enc.allows(narrower)))
        answers.append(solver.check())
    gained, lost = answers
    return Answer(_verdict(gained, lost), time.perf_counter() - start)


def _verdict(gained: z3.CheckSatResult, lost: z3.CheckSatResult) -> str:
    if z3.unknown in (gained, lost):
        return CompareVerdict.UNKNOWN.value
    if gained == z3.sat:
        return (
            CompareVerdict.INCOMPARABLE if lost == z3.sat else CompareVerdict.MORE_PERMISSIVE
        ).value
    return (CompareVerdict.LESS_PERMISSIVE if lost == z3.sat else CompareVerdict.EQUIVALENT).value


def cvc5_compare(old: Policy, new: Policy) -> Answer:
    """policyreason's own comparison, one witness per direction."""
    start = time.perf_counter()
    result = compare(old, new, witnesses=1)
    return Answer(result.verdict.value, time.perf_counter() - start)


def run_engines(old: Policy, new: Policy) -> dict[str, Answer]:
    """The same comparison through every engine."""
    return {
        "policyreason": cvc5_compare(old, new),
        "z3": z3_compare(old, new, naive=False),
        "z3-naive": z3_compare(old, new, naive=True),
    }


def summarize(rows: list[dict[str, Answer]]) -> dict[str, object]:
    """Latency per engine, ratios against policyreason, verdict agreement."""
    out: dict[str, object] = {}
    for engine in ENGINES:
        times = [r[engine].seconds for r in rows]
        out[engine] = {
            **percentiles(times),
            "total_s": round(sum(times), 2),
            "unknown": sum(1 for r in rows if r[engine].verdict == "unknown"),
        }
    base = [r["policyreason"].seconds for r in rows]
    for engine in ENGINES[1:]:
        ratios = [r[engine].seconds / b for r, b in zip(rows, base, strict=True) if b > 0]
        out[f"{engine} / policyreason"] = {
            "median_ratio": round(statistics.median(ratios), 2) if ratios else None,
            "total_ratio": round(sum(r[engine].seconds for r in rows) / sum(base), 2)
            if base
            else None,
        }
    disagreements = [
        {e: r[e].verdict for e in ENGINES}
        for r in rows
        if len({r[e].verdict for e in ENGINES if r[e].verdict != "unknown"}) > 1
    ]
    out["disagreements"] = disagreements
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--step", type=int, default=10, help="take every STEP-th policy")
    ap.add_argument("--output", default=str(ROOT / "perf/results/peers.json"))
    args = ap.parse_args()
    files = sorted(Path(args.corpus).glob("*.json"))[:: args.step]
    load_before = os.getloadavg()
    rows: list[dict[str, Answer]] = []
    skipped: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for file in files:
        text = file.read_text(encoding="utf-8")
        parsed = parse_policy_text(text, str(file)).policy
        if parsed is None or not supported(parsed):
            skipped["principal or policy variable"] += 1
            continue
        old = strip_conditions(parsed)
        for mutation, _expected, doc in mutants(json.loads(text)):
            if mutation not in ACTION_ONLY:
                continue
            changed = parse_policy_text(json.dumps(doc), str(file)).policy
            if changed is None or not supported(changed):
                continue
            answers = run_engines(old, strip_conditions(changed))
            verdicts[answers["policyreason"].verdict] += 1
            rows.append(answers)
    report = {
        "benchmark": "peers",
        "machine": machine(),
        "z3_version": z3.get_version_string(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "policies": len(files),
        "step": args.step,
        "skipped_policies": dict(skipped),
        "comparisons": len(rows),
        "verdicts": dict(verdicts),
        "engines": summarize(rows),
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
