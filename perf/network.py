"""Benchmark `reach --exposures`: every Batfish snapshot, then describe-* exports of 10, 100,
1,000 and 5,000 network interfaces made by replicating one snapshot (perf/_export.py). For each,
the CPU seconds of reading the export into the network IR and of finding the exposures, so the
reading share shows beside the solving share. Writes perf/results/network.json.

    python perf/network.py [--sizes 10 100 1000 5000] [--output perf/results/network.json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _export import DEFAULT_SNAPSHOT, SNAPSHOTS, interfaces, write_export
from _stats import machine

from policyreason.analysis.network.exposures import exposures
from policyreason.inputs.aws_describe import read_snapshot

ROOT = Path(__file__).resolve().parents[1]


def measure(name: str, path: Path) -> dict[str, object]:
    """Read `path` and find its exposures, timing each."""
    start = time.process_time()
    network, _diagnostics = read_snapshot(path)
    read_s = time.process_time() - start
    start = time.process_time()
    result = exposures(network)
    solve_s = time.process_time() - start
    total = read_s + solve_s
    return {
        "name": name,
        "enis": len(network.enis),
        "exposures": len(result.exposures),
        "exposed_interfaces": len({e.eni for e in result.exposures}),
        "unknown": len(result.unknown),
        "solver_queries": result.queries,
        "read_cpu_s": round(read_s, 3),
        "exposures_cpu_s": round(solve_s, 3),
        "reading_share": round(read_s / total, 3) if total else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000, 5000])
    parser.add_argument("--output", default=str(ROOT / "perf/results/network.json"))
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = [
        measure(snapshot.name, snapshot)
        for snapshot in sorted(p for p in SNAPSHOTS.iterdir() if p.is_dir())
    ]
    per_copy = interfaces(DEFAULT_SNAPSHOT)
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            export = Path(tmp) / f"export-{size}.json"
            copies = max(1, math.ceil(size / per_copy))
            written = write_export(export, copies)
            row = measure(f"{DEFAULT_SNAPSHOT.name} x{copies}", export)
            row["bytes"] = written
            rows.append(row)
            export.unlink()
    report = {
        "benchmark": "reach --exposures",
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{'network':40} {'ENIs':>6} {'queries':>8} {'read s':>8} {'solve s':>8} {'read %':>7}")
    for r in rows:
        share = r["reading_share"]
        shown = f"{100 * float(str(share)):.0f}" if share is not None else "-"
        print(
            f"{r['name']!s:40} {r['enis']!s:>6} {r['solver_queries']!s:>8} "
            f"{r['read_cpu_s']!s:>8} {r['exposures_cpu_s']!s:>8} {shown:>7}"
        )


if __name__ == "__main__":
    main()
