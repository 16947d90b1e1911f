"""Benchmark: `policyreason diff` on a generated repository where one commit changes 100 AWS
managed policies (a quarter each: an added statement, a removed action, statements reordered
and reindented, a widened action). Measures reading both revisions with git and pairing, the
comparisons (per change, in this process), each change compared again by a new `policyreason
compare OLD NEW` process (start-up included, as a pre-commit hook or a CI step runs it), the
example of issue 16 (an SQS resource narrowed to another region pattern) the same way, and the
whole `diff` command end to end. The package measured is the one on PYTHONPATH, so an older
revision runs this script too (`_stats.export_revision`).

    python perf/diff.py [--corpus DIR] [--count 100] [--no-processes] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import installed_env, machine, percentiles

from policyreason.analysis.change import DiffSettings, analyse
from policyreason.inputs.git import WORKTREE, changes, load_at, open_repository, pair, resolve
from policyreason.pipeline.diff import policy_change

ROOT = Path(__file__).resolve().parents[1]
EDITS = ("add-statement", "remove-action", "reorder-reindent", "widen-action")
# Issue 16's one-statement change that the solver once gave up on after 36 s.
EXAMPLE = (
    "arn:aws:sqs:*:111122223333:orders-*",
    "arn:aws:sqs:eu-*-2:111122223333:orders-dlq",
)


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


def build(repo: Path, corpus: Path, count: int) -> dict[str, str]:
    """Base commit: `count` managed policies spread over the corpus; head commit: each edited
    (policies the edit would leave the same JSON, e.g. reordering a single statement, are
    passed over so every one of the `count` files changes). Returns each file's edit."""
    files = sorted(corpus.glob("*.json"))
    step = max(len(files) // (count * 2), 1)
    git(repo, "init", "-q")
    (repo / ".policyreason.toml").write_text("")
    (repo / "policies").mkdir()
    edited: list[tuple[Path, str]] = []
    kinds: dict[str, str] = {}
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
        kinds[f"policies/{f.name}"] = kind
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for path, text in edited:
        path.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "change every policy")
    return kinds


def run_compare(old: Path, new: Path) -> tuple[float, float, dict[str, Any]]:
    """`policyreason compare OLD NEW` in a new process: wall seconds, CPU seconds, its JSON."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "policyreason", "compare", str(old), str(new), "--format", "json"],
        capture_output=True,
        text=True,
        env=installed_env(),
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    try:
        out = json.loads(done.stdout)
    except json.JSONDecodeError:
        out = {"error": done.stderr.strip()[-300:]}
    return wall, cpu, out


def processes(repo: Path, keys: list[str]) -> dict[str, Any]:
    """Each change compared by a new process (base version written out beside the head's)."""
    olds = repo / ".base"
    olds.mkdir()
    walls: list[float] = []
    cpus: list[float] = []
    unknown: list[str] = []
    for key in keys:
        old = olds / Path(key).name
        text = subprocess.run(
            ["git", "show", f"HEAD~1:{key}"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        old.write_text(text, encoding="utf-8")
        wall, cpu, out = run_compare(old, repo / key)
        walls.append(wall)
        cpus.append(cpu)
        if out.get("verdict") in (None, "unknown"):
            unknown.append(key)
    return {"wall": percentiles(walls), "cpu": percentiles(cpus), "unknown": unknown}


def example(folder: Path) -> dict[str, Any]:
    """Issue 16's example, both ways, each in a new process."""
    paths = []
    for name, arn in zip(("old.json", "new.json"), EXAMPLE, strict=True):
        doc = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}],
        }
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
        paths.append(folder / name)
    out: dict[str, Any] = {}
    for label, (a, b) in (("old_to_new", paths), ("new_to_old", paths[::-1])):
        wall, cpu, result = run_compare(a, b)
        out[label] = {
            "verdict": result.get("verdict", result.get("error")),
            "queries": result.get("stats", {}).get("queries"),
            "compare_s": result.get("stats", {}).get("seconds"),
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/aws-managed-policies"))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--no-processes", action="store_true", help="skip a process per change")
    ap.add_argument("--output", default=str(ROOT / "perf/results/diff.json"))
    args = ap.parse_args()
    output = Path(args.output).resolve()  # before the run moves into its repository
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        kinds = build(repo, Path(args.corpus), args.count)
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
        # CPU seconds too: other work on the machine stretches wall time, hardly CPU time.
        per_change_cpu: list[float] = []
        verdicts: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        queries = 0
        unknown: list[str] = []
        rows: list[dict[str, Any]] = []
        for p in pairs:
            t0, c0 = time.perf_counter(), time.process_time()
            result = analyse(policy_change(p), DiffSettings())
            per_change.append(time.perf_counter() - t0)
            per_change_cpu.append(time.process_time() - c0)
            rows.append(
                {
                    "policy": p.key,
                    "edit": kinds.get(p.key, ""),
                    "ms": round(per_change[-1] * 1000, 1),
                    "cpu_ms": round(per_change_cpu[-1] * 1000, 1),
                    "queries": result.queries,
                    "verdict": result.verdict.value,
                }
            )
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
            env=installed_env(),
            check=False,
        )
        cli_s = time.perf_counter() - t0
        alone = None if args.no_processes else processes(repo, [p.key for p in pairs])
        issue_example = example(Path(tmp) / ".base")
    report = {
        "benchmark": "diff",
        "machine": machine(),
        "changed_files": len(changed),
        "pairs_compared": len(pairs),
        "pairs_unchanged": unchanged,
        "read_and_pair_s": round(read_s, 2),
        "compare_total_s": round(compare_s, 2),
        "compare": percentiles(per_change),
        "compare_cpu": percentiles(per_change_cpu),
        "load_average_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "solver_queries": queries,
        "slowest": sorted(rows, key=lambda r: -r["ms"])[:5],
        "compare_new_process": alone,
        "issue_example": issue_example,
        "verdicts": dict(verdicts),
        "findings": dict(categories),
        "unknown": unknown,
        "cli_end_to_end_s": round(cli_s, 2),
        "cli_exit_code": cli.returncode,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
