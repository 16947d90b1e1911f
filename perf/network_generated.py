"""Benchmark `reach --exposures`: every Batfish snapshot, then generated VPCs of 10, 100 and
1,000 interfaces, IPv4 only and dual-stack. Writes perf/results/network_generated.json and
prints a table.

    python perf/network_generated.py [--sizes 10 100 1000] [--dual-sizes 10 100] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from pathlib import Path

from policyreason.analysis.network.exposures import exposures
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.network import Network
from policyreason.parse.network_dsl import parse_network

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT.parent / "shared/corpora/batfish-aws-snapshots"
RESULTS = ROOT / "perf/results/network_generated.json"


def generated(enis: int, seed: int = 7, dual_stack: bool = False) -> str:
    """One VPC: public subnets behind an IGW, private ones behind a NAT gateway, ten security
    groups (CIDR, port-range and group-reference rules), ACLs on some subnets, and `enis`
    instances of which half have a public address. Dual-stack: every subnet and instance has
    an IPv6 address too, and the first rule of each group also opens to ::/0."""
    rng = random.Random(seed)
    subnets = max(2, enis // 50)
    v6 = "2600:1::/56" if dual_stack else ""
    lines = [f"vpc vpc-gen 10.0.0.0/16 {v6} {{", "  igw igw-gen"]
    for s in range(subnets):
        v6_subnet = f"2600:1:0:{s:x}::/64" if dual_stack else ""
        lines.append(f"  subnet sn{s} 10.0.{s}.0/24 {v6_subnet} az a")
    public = [f"sn{s}" for s in range(0, subnets, 2)]
    private = [f"sn{s}" for s in range(1, subnets, 2)]
    lines.append(f"  route-table rt-pub {{ associate {' '.join(public)}")
    if dual_stack:
        lines.append("    route ::/0 -> igw-gen")
    lines.append("    route 0.0.0.0/0 -> igw-gen }")
    if private:
        lines.append(f"  route-table rt-priv {{ associate {' '.join(private)}")
        lines.append("    route 0.0.0.0/0 -> nat-gen }")
        lines.append("  nat nat-gen in sn0 ip 10.0.0.4 public 100.127.255.1")
    for g in range(10):
        anywhere = "0.0.0.0/0 ::/0" if dual_stack else "0.0.0.0/0"
        rules = [
            f"in tcp {rng.choice([22, 80, 443, 3389])} from {anywhere}",
            f"in tcp {1000 + 100 * g}-{1099 + 100 * g} from 10.0.0.0/8",
            f"in udp {rng.choice([53, 123, 500])} from {rng.choice(['0.0.0.0/0', '192.0.2.0/24'])}",
            f"in all from sg g{(g + 1) % 10}",
        ]
        lines.append(f"  sg g{g} {{ {' '.join(rules)} }}")
    for s in range(0, subnets, 3):
        v6_rules = "in 201 allow all from ::/0 out 101 allow all to ::/0 " if dual_stack else ""
        lines.append(
            f"  nacl acl{s} subnets sn{s} {{ in 100 deny tcp 3389 from 0.0.0.0/0 "
            f"in 200 allow all from 0.0.0.0/0 out 100 allow all to 0.0.0.0/0 {v6_rules}}}"
        )
    for i in range(enis):
        s = i % subnets
        ip = f"10.0.{s}.{10 + i // subnets}"
        if dual_stack:
            ip += f" 2600:1:0:{s:x}::{10 + i // subnets:x}"
        pub = f" public 198.18.{i // 250}.{i % 250 + 1}" if i % 2 == 0 else ""
        groups = " ".join(sorted({f"g{rng.randrange(10)}" for _ in range(2)}))
        lines.append(f"  instance i-{i:05d} in sn{s} ip {ip}{pub} sg {groups}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def measure(name: str, network: Network, repeat: int) -> dict[str, object]:
    best = float("inf")
    result = exposures(network)
    for _ in range(repeat):
        start = time.perf_counter()
        result = exposures(network)
        best = min(best, time.perf_counter() - start)
    return {
        "name": name,
        "enis": len(network.enis),
        "exposures": len(result.exposures),
        "exposed_interfaces": len({e.eni for e in result.exposures}),
        "status": result.answer.status.value,
        "unknown": len(result.unknown),
        "possible": len(result.possible),
        "solver_queries": result.queries,
        "seconds": round(best, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument("--dual-sizes", type=int, nargs="*", default=[10, 100])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = []
    for snapshot in sorted(p for p in SNAPSHOTS.iterdir() if p.is_dir()):
        network, _ = read_snapshot(snapshot)
        rows.append(measure(snapshot.name, network, args.repeat))
    runs = [(size, False) for size in args.sizes] + [(size, True) for size in args.dual_sizes]
    for size, dual in runs:
        name = f"generated-{'dual-' if dual else ''}{size}"
        start = time.perf_counter()
        network = parse_network(generated(size, dual_stack=dual), f"{name}.net")
        parse_seconds = time.perf_counter() - start
        row = measure(name, network, args.repeat)
        row["parse_seconds"] = round(parse_seconds, 4)
        rows.append(row)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    RESULTS.write_text(
        json.dumps({"benchmark": "reach --exposures", **meta, "runs": rows}, indent=2)
    )
    print(f"{'network':42} {'ENIs':>6} {'exposed':>8} {'queries':>8} {'seconds':>9}")
    for r in rows:
        print(
            f"{r['name']!s:42} {r['enis']!s:>6} {r['exposed_interfaces']!s:>8} "
            f"{r['solver_queries']!s:>8} {r['seconds']!s:>9}"
        )


if __name__ == "__main__":
    main()
