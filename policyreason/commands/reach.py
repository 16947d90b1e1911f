"""`policyreason reach SNAPSHOT`: network reachability and internet exposure."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyreason.gating import Screening
    from policyreason.ir.network import OnPremNetwork
    from policyreason.report import ReachReport
    from policyreason.report.findings import VerbFinding

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
    p.add_argument("--format", choices=["text", "json", "sarif", "markdown"], default="text")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument(
        "--baseline", metavar="FILE", help="fail only on findings not in FILE (--write-baseline)"
    )
    p.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="write every finding of this run to FILE as the baseline of later runs",
    )
    p.add_argument("--config", metavar="FILE", help="configuration file (TOML)")
    p.set_defaults(run=run)


def _is_cidr(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    """Answer the question through the library API, judge it with the gate, write the
    report; returns the exit code."""
    from policyreason.api import exposures, reach
    from policyreason.errors import BaselineError, ConfigError
    from policyreason.ir.diagnostic import Level
    from policyreason.ir.network import parse_protocol
    from policyreason.pipeline.reach import judge_exposures, judge_reach, read_network

    if not args.exposures and not (args.src and args.dst):
        return _usage("give --from and --to, or --exposures")
    protocol = None
    if args.protocol is not None:
        try:
            protocol = parse_protocol(args.protocol)
        except ValueError:
            return _usage(f"unknown protocol {args.protocol!r}")
    if args.port is not None and not 0 <= args.port <= 65535:
        return _usage("--port must be within 0..65535")
    if args.port is not None and protocol not in (None, 6, 17):
        return _usage("--port needs --protocol tcp or udp")
    try:
        onprem, screening = _configuration(args)
    except (ConfigError, BaselineError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    network, diagnostics = read_network(args.snapshot)
    for d in diagnostics:
        print(f"{d.span}: {d.level.value}: {d.message}", file=sys.stderr)
    if network is None:
        return 2
    network = network.model_copy(update={"onprem": onprem})
    errors = sum(1 for d in diagnostics if d.level is Level.ERROR)
    if args.exposures:
        judged = judge_exposures(exposures(network, args.rlimit), errors, screening)
    else:
        try:
            result = reach(network, args.src, args.dst, protocol, args.port, args.rlimit)
        except ValueError as exc:
            return _usage(str(exc))
        judged = judge_reach(result, args.src, args.dst, protocol, args.port, errors, screening)
    code = _emit(judged, args)
    if args.write_baseline and not _write_baseline(judged.findings, args.write_baseline):
        code = 2
    return code


def _usage(message: str) -> int:
    print(f"policyreason reach: error: {message}", file=sys.stderr)
    return 2


def _configuration(
    args: argparse.Namespace,
) -> tuple[tuple[OnPremNetwork, ...], Screening]:
    """The on-premises networks (the configuration's, overridden by --onprem CIDR=NAME) and
    the screening of findings (suppressions naming a rule of `reach`, --baseline); raises
    ConfigError or BaselineError."""
    import datetime
    from pathlib import Path

    from policyreason.baseline import read_baseline
    from policyreason.config import find_config, load_config
    from policyreason.errors import ConfigError
    from policyreason.gate import validate_suppressions
    from policyreason.gating import Screening
    from policyreason.ir.cidr import Cidr
    from policyreason.ir.network import OnPremNetwork

    config_path = Path(args.config) if args.config else find_config()
    cfg = load_config(config_path)
    validate_suppressions(cfg.suppressions)
    table = dict(cfg.onprem)
    for item in args.onprem:
        cidr, sep, name = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"policyreason reach: error: --onprem {item!r} is not CIDR=NAME")
        table[cidr.strip()] = name.strip()
    try:
        onprem = tuple(OnPremNetwork(cidr=Cidr.parse(c), name=n) for c, n in table.items())
    except ValueError:
        bad = next(c for c in table if not _is_cidr(c))
        raise ConfigError(
            f"policyreason reach: error: on-premises prefix {bad!r} is not a CIDR"
        ) from None
    baseline = read_baseline(Path(args.baseline)) if args.baseline else None
    root = config_path.resolve().parent if config_path else None
    return onprem, Screening.of(cfg.suppressions, datetime.date.today(), baseline, root)


def _emit(report: ReachReport, args: argparse.Namespace) -> int:
    from policyreason.report import render_reach
    from policyreason.report.console import make_console
    from policyreason.report.text import print_reach

    if args.output is None:
        if args.format == "text":
            print_reach(report, make_console())
        else:
            sys.stdout.write(render_reach(report, args.format))
        return report.exit_code
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(render_reach(report, args.format, width=120))
    except OSError as exc:
        print(f"{args.output}: error: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return report.exit_code


def _write_baseline(findings: Sequence[VerbFinding], file: str) -> bool:
    from pathlib import Path

    from policyreason.baseline import write_rows

    rows = [
        (f.fingerprint, f.rule_id, f.location.file or "", f.location.component or "", f.message)
        for f in findings
    ]
    try:
        write_rows(Path(file), rows)
    except OSError as exc:
        print(f"{file}: error: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True
