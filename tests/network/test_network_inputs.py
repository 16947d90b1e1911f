"""Reading describe-* snapshots and the network language: spans kept, bad input located."""

import json
from pathlib import Path

import pytest

from policyreason.errors import NetworkDslError
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.cidr import parse_ip
from policyreason.ir.diagnostic import Level
from policyreason.ir.network import TargetKind
from policyreason.parse.network_dsl import parse_network

SNAPSHOTS = Path(__file__).parents[2].parent / "shared/corpora/batfish-aws-snapshots"


def test_rules_keep_their_position_in_the_describe_file() -> None:
    network, _ = read_snapshot(SNAPSHOTS / "test-public-subnet")
    sg = next(g for g in network.security_groups if g.id == "sg-09ccba6656672061b")
    span = sg.ingress[0].span
    assert span.file.endswith("SecurityGroups.json")
    lines = Path(span.file).read_text().splitlines()
    assert '"FromPort": 22' in "\n".join(lines[span.line - 1 : span.end_line])


def test_one_merged_file_reads_like_a_folder(tmp_path: Path) -> None:
    folder = SNAPSHOTS / "test-public-subnet" / "aws_configs"
    merged: dict[str, object] = {}
    for f in sorted(folder.glob("*.json")):
        merged.update(json.loads(f.read_text()))
    target = tmp_path / "all.json"
    target.write_text(json.dumps(merged, indent=1))
    one, diags = read_snapshot(target)
    many, _ = read_snapshot(folder)
    assert diags == []
    assert [e.id for e in one.enis] == [e.id for e in many.enis]
    assert one.route_tables[0].routes[1].target_kind is TargetKind.INTERNET_GATEWAY


def test_malformed_file_is_a_located_error_and_the_rest_still_reads(tmp_path: Path) -> None:
    (tmp_path / "Vpcs.json").write_text(
        '{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}'
    )
    (tmp_path / "Subnets.json").write_text('{"Subnets": [\n  {"SubnetId": "s", \n')
    (tmp_path / "Gadgets.json").write_text('{"Gadgets": []}')
    (tmp_path / "notes.txt").write_text("hello")
    network, diags = read_snapshot(tmp_path)
    assert [v.id for v in network.vpcs] == ["vpc-1"]
    errors = [d for d in diags if d.level is Level.ERROR]
    assert len(errors) == 1 and errors[0].span.file.endswith("Subnets.json")
    assert errors[0].span.line >= 2
    warnings = {d.code for d in diags if d.level is Level.WARNING}
    assert {"NET-UNKNOWN-KIND", "NET-UNKNOWN-FILE"} <= warnings


def test_bad_resource_skips_only_itself(tmp_path: Path) -> None:
    (tmp_path / "Vpcs.json").write_text(
        '{"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},\n'
        ' {"VpcId": "vpc-2", "CidrBlock": "not-a-cidr"}]}'
    )
    network, diags = read_snapshot(tmp_path)
    assert [v.id for v in network.vpcs] == ["vpc-1"]
    (error,) = diags
    assert error.level is Level.ERROR and error.span.line == 2 and "CIDR" in error.message


def test_vpn_and_direct_connect_are_read() -> None:
    vpn, diags = read_snapshot(SNAPSHOTS / "test-vpn-gateway")
    assert [d for d in diags if d.level is Level.ERROR] == []
    assert [g.id for g in vpn.vpn_gateways] == ["vgw-0c09bd7fadac961bf"]
    assert {(c.id, c.available) for c in vpn.vpn_connections} == {
        ("vpn-03701a53bba3c48b7", True),
        ("vpn-05044757278685fd3", False),
    }
    (table,) = vpn.route_tables
    assert table.routes[1].target_kind is TargetKind.VPN_GATEWAY
    dx, _ = read_snapshot(SNAPSHOTS / "test-direct-connect-gateway")
    assert [v.vif_type for v in dx.virtual_interfaces] == ["transit"]
    (assoc,) = dx.dx_associations
    assert assoc.gateway_id == "tgw-dx01" and assoc.associated
    kinds = {a.id: a.resource_type for a in dx.tgw_attachments}
    assert kinds["tgw-attach-dx01"] == "direct-connect-gateway"
    assert kinds["tgw-attach-vpn-dx-test"] == "vpn"


def test_transit_gateway_tables_get_propagated_routes() -> None:
    network, _ = read_snapshot(SNAPSHOTS / "test-transit-gateway")
    (table,) = network.tgw_route_tables
    assert sorted(str(r.destination) for r in table.routes) == ["10.10.0.0/16", "192.168.0.0/16"]


def test_network_language_compiles_to_the_ir() -> None:
    n = parse_network(
        """
        vpc v 10.0.0.0/16 {   # a comment
          igw g
          subnet s 10.0.0.0/24 az a
          route-table r { associate s
                          route 0.0.0.0/0 -> g }
          sg web { in tcp 22 from 0.0.0.0/0 }
          instance i-1 in s ip 10.0.0.5 10.0.0.6 public 54.0.0.1 sg web stopped
        }
        """,
        "x.net",
    )
    (eni,) = n.enis
    assert eni.private_ips == (parse_ip("10.0.0.5"), parse_ip("10.0.0.6"))
    assert eni.public_ips == ((parse_ip("10.0.0.5"), parse_ip("54.0.0.1")),)
    assert n.instances[0].state == "stopped"
    table = next(t for t in n.route_tables if t.id == "r")
    assert [r.target_kind for r in table.routes] == [TargetKind.LOCAL, TargetKind.INTERNET_GATEWAY]
    assert any(t.main for t in n.route_tables)
    assert n.security_groups[0].ingress[0].span.line == 7


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("vpc v 10.0.0.0/16 {\n  subnet s 10.0.0.0/24\n  bogus\n}", 3, "syntax error"),
        ("vpc v 10.0.0.0/16 {\n  route-table r { route 0.0.0.0/0 -> nowhere }\n}", 2, "unknown"),
        ("vpc v 10.0.0.0/99 { }", 1, "CIDR"),
        ("vpc v 10.0.0.0/16 {\n sg a { in icmp 22 from 0.0.0.0/0 }\n}", 2, "ports"),
    ],
)
def test_network_language_errors_are_located(text: str, line: int, message: str) -> None:
    with pytest.raises(NetworkDslError) as err:
        parse_network(text, "bad.net")
    assert err.value.span.file == "bad.net"
    assert err.value.span.line == line
    assert message in err.value.message
