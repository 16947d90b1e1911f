"""Benchmark hostile input: how long `check` takes to give a located error (or an answer) on a
policy of 5,000 statements, on the largest policy it analyses (1,000 statements), on a
Condition nested 5,000 deep, and on a folder mixing a public bucket policy with broken files.
Each case runs in a new process (`--no-cache`, serial); wall time, exit code and error codes.

    python perf/adversarial.py [--output perf/results/adversarial.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import machine

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("--format", "json", "--no-cache", "--jobs", "1")
PUBLIC_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-site/*",
        }
    ],
}


def _identity(count: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"S{i}",
                "Effect": "Deny" if i % 10 == 0 else "Allow",
                "Action": ["s3:GetObject", f"s3:Put{'Object' if i % 2 else 'ObjectAcl'}"],
                "Resource": f"arn:aws:s3:::bucket-{i}/*",
            }
            for i in range(count)
        ],
    }


def _resource(count: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"S{i}",
                "Effect": "Deny" if i % 10 == 0 else "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{100000000000 + i}:root"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::bucket/{i}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": f"10.{i % 250}.0.0/16"}},
            }
            for i in range(count)
        ],
    }


def _deep(depth: int) -> str:
    nested = '"v"'
    for _ in range(depth):
        nested = '{"k": ' + nested + "}"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",'
        ' "Resource": "*", "Condition": ' + nested + "}]}"
    )


def _case(folder: Path, name: str, content: str) -> Path:
    path = folder / name
    path.write_text(content)
    return path


def _run(target: Path, cwd: Path) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "policyreason", "check", str(target.relative_to(cwd)), *FLAGS],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = {"errors": [], "findings": []}
    return {
        "wall_s": round(wall, 2),
        "exit": proc.returncode,
        "errors": sorted({e["code"] for e in report["errors"]}),
        "findings": len(report["findings"]),
        "unknown": sum(1 for f in report["findings"] if f["status"] == "unknown"),
        "traceback": "Traceback" in proc.stderr,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--output", default=str(ROOT / "perf/results/adversarial.json"))
    args = ap.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / ".policyreason.toml").write_text("")
        hostile = work / "hostile"
        hostile.mkdir()
        _case(hostile, "bucket.json", json.dumps(PUBLIC_BUCKET, indent=2))
        _case(hostile, "truncated.json", '{"Version": "2012-10-17", "Statement": [{"Effect":')
        _case(hostile, "deep.json", _deep(5_000))
        cases = {
            "5,000 statements (identity)": _case(
                work, "huge.json", json.dumps(_identity(5_000), indent=1)
            ),
            "1,000 statements (identity)": _case(
                work, "largest.json", json.dumps(_identity(1_000), indent=1)
            ),
            "1,000 statements (resource, principals and conditions)": _case(
                work, "largest-resource.json", json.dumps(_resource(1_000), indent=1)
            ),
            "Condition nested 5,000 deep": _case(work, "deep.json", _deep(5_000)),
            "folder: public bucket, truncated JSON, deep nesting": hostile,
        }
        for label, target in cases.items():
            rows[label] = _run(target, work)
            print(f"{label}: {rows[label]}", flush=True)
    result = {
        "benchmark": "adversarial",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cases": rows,
    }
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
