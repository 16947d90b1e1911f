"""Benchmark: `policyreason diff` on a generated repository where one commit changes 100 AWS
managed policies (a quarter each: an added statement, a removed action, statements reordered
and reindented, a widened action). Measures reading both revisions with git and pairing, the
comparisons (per change), and the whole command end to end.

    python perf/diff.py [--corpus DIR] [--count 100] [--output perf/results/diff.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine, percentiles

from policyreason.analysis.change import DiffSettings, analyse
from policyreason.inputs.git import WORKTREE, changes, load_at, open_repository, pair, resolve
from policyreason.pipeline.diff import policy_change

ROOT = Path(__file__).resolve().parents[1]
EDITS = ("add-statement", "remove-action", "reorder-reindent", "widen-action")


def git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="p", GIT_AUTHOR_EMAIL="p@example.com")
    env.update(GIT_COMMITTER_NAME="p", GIT_COMMITTER_EMAIL="p@example.com")
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def edit(doc: dict[str, Any], kind: str, number: int) -> None:
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    doc["Statement"] = statements
    first = statements[0]
    actions = first.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    if kind == "add-statement" or (kind in ("remove-action", "widen-action") and not actions):
        statements.append(
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::perf-bucket-{number}/*",
            }
        )
    elif kind == "remove-action":
        first["Action"] = actions[:-1] if len(actions) > 1 else "s3:GetObject"
    elif kind == "reorder-reindent":
        statements.reverse()
    else:
        first["Action"] = [actions[0].split(":")[0] + ":*", *actions[1:]]


def build(repo: Path, corpus: Path, count: int) -> None:
    """Base commit: `count` managed policies spread over the corpus; head commit: each edited
    (policies the edit would leave the same JSON, e.g. reordering a single statement, are
    passed over so every one of the `count` files changes)."""
    files = sorted(corpus.glob("*.json"))
    step = max(len(files) // (count * 2), 1)
    git(repo, "init", "-q")
    (repo / ".policyreason.toml").write_text("")
    (repo / "policies").mkdir()
    edited: list[tuple[Path, str]] = []
    for f in files[::step]:
        if len(edited) == count:
            break
        text = f.read_text(encoding="utf-8")
        doc = json.loads(text)
        kind = EDITS[len(edited) % len(EDITS)]
        edit(doc, kind, len(edited))
        if doc == json.loads(text):
            continue
        (repo / "policies" / f.name).write_text(text, encoding="utf-8")
        indent = 4 if kind == "reorder-reindent" else 2
        edited.append((repo / "policies" / f.name, json.dumps(doc, indent=indent) + "\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for path, text in edited:
        path.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "change every policy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--output", default=str(ROOT / "perf/results/diff.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        build(repo, Path(args.corpus), args.count)
        os.chdir(repo)
        start = time.perf_counter()
        handle = open_repository()
        base = resolve(handle, "HEAD~1")
        changed = changes(handle, base, WORKTREE)
        olds = [load_at(handle, base, c.old) for c in changed if c.old]
        news = [load_at(handle, WORKTREE, c.new) for c in changed if c.new]
        pairs, unchanged = pair(olds, news)
        read_s = time.perf_counter() - start
        per_change: list[float] = []
        verdicts: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        queries = 0
        unknown: list[str] = []
        for p in pairs:
            t0 = time.perf_counter()
            result = analyse(policy_change(p), DiffSettings())
            per_change.append(time.perf_counter() - t0)
            verdicts[result.verdict.value] += 1
            categories.update(f.category for f in result.findings)
            queries += result.queries
            if result.verdict.value == "unknown":
                unknown.append(f"{p.key}: {result.new_access.reason or result.lost_access.reason}")
        compare_s = sum(per_change)
        t0 = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "policyreason", "diff", "--base", "HEAD~1", "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        cli_s = time.perf_counter() - t0
    report = {
        "benchmark": "diff",
        "machine": machine(),
        "changed_files": len(changed),
        "pairs_compared": len(pairs),
        "pairs_unchanged": unchanged,
        "read_and_pair_s": round(read_s, 2),
        "compare_total_s": round(compare_s, 2),
        "compare": percentiles(per_change),
        "solver_queries": queries,
        "verdicts": dict(verdicts),
        "findings": dict(categories),
        "unknown": unknown,
        "cli_end_to_end_s": round(cli_s, 2),
        "cli_exit_code": cli.returncode,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
