"""`policyreason reach SNAPSHOT`: network reachability and internet exposure."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXAMPLES = """\
endpoints (--from/--to): internet, an ENI id (eni-...), an instance id (i-...), a subnet id
(subnet-...), a declared on-premises network (its NAME), a CIDR (10.0.0.0/24, 2001:db8::/64)
or an IP address.

examples:
  policyreason reach snapshot/ --exposures
  policyreason reach snapshot/ --from internet --to i-0abc --protocol tcp --port 22
  policyreason reach snapshot/ --from subnet-0123 --to 8.8.8.8 --format json
  policyreason reach snapshot/ --onprem 10.10.0.0/16=datacenter --from datacenter --to i-0abc
  policyreason reach examples/networks/public-web.net --exposures --format sarif --output r.sarif

SNAPSHOT is an `aws ec2 describe-*` folder (its aws_configs/ if present, nested by account
and region or not), one merged describe-* JSON file, or a network description (*.net).

What lies beyond VPN and Direct Connect connections is in no export: paths through them are
unknown unless on-premises prefixes are declared (--onprem, or `onprem = {"CIDR" = "NAME"}` in
the configuration). Every answer lists what it assumed; docs/reach.md says what is modelled.

exit codes: 0 = not reachable (proven) or nothing exposed (proven); 1 = reachable or exposed,
or unknown (fail closed); 2 = usage or input error (never with a proof)."""


def register(sub: Any) -> None:
    """Add the verb to the CLI."""
    p = sub.add_parser(
        "reach",
        help="can packets get from A to B (and back)? what is reachable from the internet?",
        description=(
            "Exact reachability over a VPC snapshot: a witness packet with every hop of its "
            "forward and return path, a proof that no packet exists with the component that "
            "blocks, or unknown. --exposures lists every interface reachable from the internet "
            "with its exact protocols and port ranges."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("snapshot", metavar="SNAPSHOT")
    p.add_argument("--from", dest="src", metavar="X", help="source endpoint")
    p.add_argument("--to", dest="dst", metavar="Y", help="destination endpoint")
    p.add_argument("--protocol", help="tcp, udp, icmp or an IP protocol number")
    p.add_argument("--port", type=int, help="destination port (tcp/udp)")
    p.add_argument(
        "--exposures", action="store_true", help="everything reachable from the internet"
    )
    p.add_argument(
        "--onprem",
        action="append",
        default=[],
        metavar="CIDR=NAME",
        help="an on-premises network behind the VPN and Direct Connect connections (repeatable)",
    )
    p.add_argument(
        "--rlimit",
        type=int,
        metavar="N",
        help="solver resource limit per query (reproducible); exceeding it answers unknown",
    )
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    p.set_defaults(run=run)


def _onprem(declared: list[str]) -> Any:
    """The on-premises networks of the configuration and of --onprem CIDR=NAME (which
    override the configuration's), or an error message."""
    from policyreason.config import find_config, load_config
    from policyreason.errors import ConfigError
    from policyreason.ir.cidr import Cidr
    from policyreason.ir.network import OnPremNetwork

    try:
        table = dict(load_config(find_config()).onprem)
    except ConfigError as exc:
        return str(exc)
    for item in declared:
        cidr, sep, name = item.partition("=")
        if not sep or not name.strip():
            return f"policyreason reach: error: --onprem {item!r} is not CIDR=NAME"
        table[cidr.strip()] = name.strip()
    try:
        return tuple(OnPremNetwork(cidr=Cidr.parse(c), name=n) for c, n in table.items())
    except ValueError:
        bad = next(c for c in table if not _is_cidr(c))
        return f"policyreason reach: error: on-premises prefix {bad!r} is not a CIDR"


def _is_cidr(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    from policyreason.ir.diagnostic import Level
    from policyreason.ir.network import parse_protocol
    from policyreason.pipeline.reach import answer_exposures, answer_reach, read_network
    from policyreason.report.console import make_console
    from policyreason.report.network_json import exposures_json, reach_json
    from policyreason.report.network_text import render_exposures, render_reach
    from policyreason.report.sarif import dumps, exposures_sarif, reach_sarif

    if not args.exposures and not (args.src and args.dst):
        print("policyreason reach: error: give --from and --to, or --exposures", file=sys.stderr)
        return 2
    protocol = None
    if args.protocol is not None:
        try:
            protocol = parse_protocol(args.protocol)
        except ValueError:
            print(f"policyreason reach: error: unknown protocol {args.protocol!r}", file=sys.stderr)
            return 2
    if args.port is not None and not 0 <= args.port <= 65535:
        print("policyreason reach: error: --port must be within 0..65535", file=sys.stderr)
        return 2
    if args.port is not None and protocol not in (None, 6, 17):
        print("policyreason reach: error: --port needs --protocol tcp or udp", file=sys.stderr)
        return 2
    onprem = _onprem(args.onprem)
    if isinstance(onprem, str):
        print(onprem, file=sys.stderr)
        return 2
    network, diagnostics = read_network(args.snapshot)
    for d in diagnostics:
        print(f"{d.span}: {d.level.value}: {d.message}", file=sys.stderr)
    if network is None:
        return 2
    network = network.model_copy(update={"onprem": onprem})
    errors = sum(1 for d in diagnostics if d.level is Level.ERROR)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        console = make_console(file=out, width=120 if args.output else None)
        if args.exposures:
            exp, code = answer_exposures(network, errors, args.rlimit)
            if args.format == "json":
                json.dump(exposures_json(exp), out, indent=2)
                out.write("\n")
            elif args.format == "sarif":
                out.write(dumps(exposures_sarif(exp, code)))
            else:
                render_exposures(console, exp)
        else:
            try:
                result, code = answer_reach(
                    network, args.src, args.dst, protocol, args.port, errors, args.rlimit
                )
            except ValueError as exc:
                print(f"policyreason reach: error: {exc}", file=sys.stderr)
                return 2
            if args.format == "json":
                json.dump(reach_json(result, args.src, args.dst), out, indent=2)
                out.write("\n")
            elif args.format == "sarif":
                out.write(dumps(reach_sarif(result, args.src, args.dst, code)))
            else:
                render_reach(console, result, args.src, args.dst)
    finally:
        if args.output:
            out.close()
    return code
