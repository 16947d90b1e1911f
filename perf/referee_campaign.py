"""The evaluator and the verbs' witnesses against the independent referee (tests/referee), at
scale:

- `--cases` generated (policy set, request) pairs (tests/strategies.py `policy_sets`: identity
  and/or resource policies, boundaries, session policies, SCP and RCP levels, same- and
  cross-account, role sessions, account principals, four values for a multivalued key,
  sub-second dates), decided by the evaluator and by the referee;
- `--pairs` generated compare pairs (identity or resource policies), every new-access and
  lost-access witness replayed against both policies in its own direction;
- with `--managed-step N`, every N-th AWS managed policy compared with its mutants (the
  mutations of compare_mutants.py), every witness replayed likewise.

Disagreements are counted by class: each documented deviation (docs/referee-deviations.md) and
"unexplained". Generation is derandomized, so a run is reproducible. Needs `npm ci` in
tests/referee.

    python perf/referee_campaign.py [--cases 10000] [--pairs 500] [--managed-step 0]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _stats import machine  # noqa: E402
from compare_mutants import mutants  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from policyreason.analysis.compare import compare  # noqa: E402
from policyreason.analysis.real_request import is_real  # noqa: E402
from policyreason.ir.policy import Policy, PolicyKind  # noqa: E402
from policyreason.ir.request import Request  # noqa: E402
from policyreason.parse.policy import parse_policy_text  # noqa: E402
from tests.referee import Referee  # noqa: E402
from tests.referee.deviations import AGREE, UNEXPLAINED, Case  # noqa: E402
from tests.referee.replay import Judgement, judge, witness_cases  # noqa: E402
from tests.strategies import WIDE, policy_documents, policy_sets, to_policy  # noqa: E402

SHOWN = 10


def drawn(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """`count` derandomized examples of a strategy."""
    out: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


def tally(judgements: Iterable[Judgement]) -> dict[str, Any]:
    """Counts by class, and the first unexplained disagreements in full."""
    labels: Counter[str] = Counter()
    shown: list[str] = []
    for j in judgements:
        labels[j.label] += 1
        if j.label == UNEXPLAINED and len(shown) < SHOWN:
            shown.append(j.explain())
    disagreements = sum(n for label, n in labels.items() if label != AGREE)
    return {
        "judged": sum(labels.values()),
        "agree": labels[AGREE],
        "disagree": disagreements,
        "unexplained": labels[UNEXPLAINED],
        "by_class": dict(sorted(labels.items())),
        "unexplained_examples": shown,
    }


def generated_cases(referee: Referee, count: int) -> dict[str, Any]:
    start = time.perf_counter()
    generated = drawn(policy_sets(), count)
    made = time.perf_counter() - start
    cases = [Case(g.policies, g.request, g.documents) for g in generated]
    judgements, untranslatable = judge(referee, cases)
    shapes: Counter[str] = Counter(g.shape for g in generated)
    by_shape: dict[str, Counter[str]] = {}
    for g, j in zip(generated, judgements, strict=False):
        by_shape.setdefault(g.shape, Counter())[j.label] += 1
    return {
        "cases": len(cases),
        "untranslatable": untranslatable,
        "shapes": dict(sorted(shapes.items())),
        "labels_by_shape": {s: dict(c) for s, c in sorted(by_shape.items())},
        "generate_s": round(made, 1),
        "judge_s": round(time.perf_counter() - start - made, 1),
        **tally(judgements),
    }


def replay(
    referee: Referee, questions: Iterable[tuple[list[Policy], tuple[Request, ...]]]
) -> dict[str, Any]:
    """Every witness against every policy of its question; a witness is accepted when each of
    its replays agrees, explained when the disagreements all fall under deviations."""
    witnesses: Counter[str] = Counter()
    judgements: list[Judgement] = []
    unreal = 0
    for policies, found in questions:
        for w in found:
            unreal += not is_real(w)
            mine, _ = judge(referee, witness_cases(policies, w))
            judgements += mine
            labels = {j.label for j in mine}
            if labels <= {AGREE}:
                witnesses["accepted"] += 1
            elif UNEXPLAINED in labels:
                witnesses["unexplained"] += 1
            else:
                witnesses["explained by a deviation"] += 1
    total = sum(witnesses.values())
    return {
        "witnesses": total,
        "not_real_requests": unreal,
        "by_witness": dict(witnesses),
        "accepted_share": round(witnesses["accepted"] / total, 4) if total else None,
        "accepted_or_explained_share": (
            round(1 - witnesses["unexplained"] / total, 4) if total else None
        ),
        "replays": tally(judgements),
    }


def compare_pairs(referee: Referee, count: int) -> dict[str, Any]:
    kinds = st.sampled_from([PolicyKind.IDENTITY, PolicyKind.RESOURCE])
    pairs = drawn(
        kinds.flatmap(
            lambda k: st.tuples(st.just(k), policy_documents(k, WIDE), policy_documents(k, WIDE))
        ),
        count,
    )
    verdicts: Counter[str] = Counter()
    start = time.perf_counter()

    def questions() -> Iterable[tuple[list[Policy], tuple[Request, ...]]]:
        for kind, a, b in pairs:
            old, new = to_policy(a, kind), to_policy(b, kind)
            result = compare(old, new)
            verdicts[result.verdict.value] += 1
            yield [old, new], result.new_access.witnesses + result.lost_access.witnesses

    out = replay(referee, questions())
    return {
        "pairs": len(pairs),
        "verdicts": dict(verdicts),
        "seconds": round(time.perf_counter() - start, 1),
        **out,
    }


def managed(referee: Referee, step: int, corpus: Path) -> dict[str, Any]:
    files = sorted(corpus.glob("*.json"))[::step]
    start = time.perf_counter()
    comparisons = 0

    def parsed(text: str, name: str) -> Policy | None:
        return parse_policy_text(text, name).policy

    def questions() -> Iterable[tuple[list[Policy], tuple[Request, ...]]]:
        nonlocal comparisons
        for file in files:
            text = file.read_text(encoding="utf-8")
            old = parsed(text, str(file))
            if old is None:
                continue
            for _mutation, _expected, doc in mutants(json.loads(text)):
                new = parsed(json.dumps(doc), str(file))
                if new is None:
                    continue
                result = compare(old, new, witnesses=1)
                comparisons += 1
                yield [old, new], result.new_access.witnesses + result.lost_access.witnesses

    out = replay(referee, questions())
    return {
        "policies": len(files),
        "step": step,
        "comparisons": comparisons,
        "seconds": round(time.perf_counter() - start, 1),
        **out,
    }


def timed(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"{name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    out = run()
    print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--pairs", type=int, default=500)
    ap.add_argument("--managed-step", type=int, default=0, help="every N-th managed policy")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--output", default=str(ROOT / "perf/results/referee_campaign.json"))
    args = ap.parse_args()
    load_before = os.getloadavg()
    start = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "referee_campaign", "machine": machine()}
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        # After each part, so a long run that stops keeps what it measured.
        report["total_s"] = round(time.perf_counter() - start, 1)
        report["load_average_before"] = [round(x, 2) for x in load_before]
        report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    with Referee.start() as referee:
        parts: list[tuple[str, str, Callable[[], dict[str, Any]]]] = []
        if args.cases:
            parts.append(
                ("generated_cases", "generated cases", lambda: generated_cases(referee, args.cases))
            )
        if args.pairs:
            parts.append(
                ("compare_pairs", "compare pairs", lambda: compare_pairs(referee, args.pairs))
            )
        if args.managed_step:
            parts.append(
                (
                    "managed_mutants",
                    "managed policies",
                    lambda: managed(referee, args.managed_step, Path(args.corpus)),
                )
            )
        for key, name, run in parts:
            report[key] = timed(name, run)
            report["referee_calls"] = referee.calls
            save()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
