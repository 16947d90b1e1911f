"""Parts of the model whose absence gave wrong answers: gateway-endpoint answers and the
subnet ACL, ICMP types, IPv6, network load balancers keeping the client's address, exports
that lack what they name, and input errors. Each reproduction is a small edit of a corpus
snapshot; each answer is checked against the simulator's replay too."""

import json
from pathlib import Path
from typing import Any

import pytest

from policyreason.analysis.network.exposures import exposures
from policyreason.analysis.network.reach import reach
from policyreason.analysis.network.simulate import replay
from policyreason.analysis.network.trace import Code
from policyreason.cli import main
from policyreason.inputs.aws_describe import read_snapshot
from policyreason.ir.answer import Status
from policyreason.ir.cidr import is_v4, parse_ip
from policyreason.ir.network import ICMP, TCP, Packet
from tests.network.edits import edited, load

PUBLIC = "test-public-subnet"
INSTANCE = "i-06669a407b2ef3ae5"
SSH_GROUP = "sg-09ccba6656672061b"
ACL = "acl-0d9449710ec85473c"


def _acl_entry(number: int, egress: bool, action: str, **match: Any) -> dict[str, Any]:
    entry = {"RuleNumber": number, "Egress": egress, "RuleAction": action, "Protocol": "-1"}
    entry.update(match)
    return entry


def _add_acl_entries(acl_id: str, *entries: dict[str, Any]) -> Any:
    def edit(data: dict[str, Any]) -> None:
        for acl in data["NetworkAcls"]:
            if acl["NetworkAclId"] == acl_id:
                acl["Entries"] += list(entries)

    return edit


def test_gateway_endpoint_answers_pass_the_subnet_acl(tmp_path: Path) -> None:
    deny_s3 = _acl_entry(100, False, "deny", CidrBlock="52.216.0.0/15")
    n = load(
        edited(
            tmp_path,
            "test-vpc-endpoint-gateway",
            NetworkAcls=_add_acl_entries("acl-086ba598bbf8e5d89", deny_s3),
        )
    )
    r = reach(n, "i-01c6c0647fdccc89e", "52.216.1.1", TCP, 443)
    assert r.answer.status is Status.PROVEN and r.blocked is not None
    assert r.blocked.forward.delivered_to == "vpce-0b7357542bb7b83ec"
    assert r.blocked.reply is not None
    assert r.blocked.reply.code is Code.SUBNET_ACL_RESTRICTION
    # Another S3 range is not denied: the answer gets back through the same ACL.
    assert reach(n, "i-01c6c0647fdccc89e", "54.231.0.1", TCP, 443).reachable is True


def _icmp_open(data: dict[str, Any]) -> None:
    for g in data["SecurityGroups"]:
        if g["GroupId"] == SSH_GROUP:
            g["IpPermissions"].append(
                {
                    "IpProtocol": "icmp",
                    "FromPort": -1,
                    "ToPort": -1,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            )


def test_an_acl_deny_of_one_icmp_type_denies_only_that_type(tmp_path: Path) -> None:
    unreachable = _acl_entry(
        90, False, "deny", Protocol="1", CidrBlock="0.0.0.0/0", IcmpTypeCode={"Type": 3, "Code": -1}
    )
    n = load(
        edited(
            tmp_path,
            PUBLIC,
            SecurityGroups=_icmp_open,
            NetworkAcls=_add_acl_entries(ACL, unreachable),
        )
    )
    r = reach(n, "internet", INSTANCE, ICMP)
    assert r.answer.status is Status.WITNESSED
    (icmp,) = [e for e in exposures(n).exposures if e.protocol == "icmp"]
    assert icmp.icmp_types == ((0, 2), (4, 255))
    # Type 3 itself is denied, as the simulator agrees.
    pkt = Packet(
        src=parse_ip("198.51.100.1"), dst=parse_ip("18.216.80.133"), protocol=ICMP, icmp_type=3
    )
    forward, _ = replay(n, "internet", pkt)
    assert forward.code is Code.SUBNET_ACL_RESTRICTION


def test_security_group_icmp_type_and_code_are_read() -> None:
    network, _ = read_snapshot(
        Path(__file__).parents[2].parent
        / "shared/corpora/batfish-aws-snapshots/test-transit-gateway-asymmetric-paths"
    )
    rules = [r for g in network.security_groups for r in g.ingress if r.protocol == ICMP]
    assert rules and all(r.icmp is not None for r in rules)
    assert {(r.icmp.type, r.icmp.code) for r in rules if r.icmp} == {(8, 0)}


V6_VPC = "2600:1f16:1:a00::/56"
V6_SUBNET = "2600:1f16:1:a01::/64"
V6_ADDRESS = "2600:1f16:1:a01::10"


def _dual_stack(ssh_from_v4: bool) -> dict[str, Any]:
    def vpcs(data: dict[str, Any]) -> None:
        data["Vpcs"][0]["Ipv6CidrBlockAssociationSet"] = [
            {"Ipv6CidrBlock": V6_VPC, "Ipv6CidrBlockState": {"State": "associated"}}
        ]

    def subnets(data: dict[str, Any]) -> None:
        data["Subnets"][0]["Ipv6CidrBlockAssociationSet"] = [
            {"Ipv6CidrBlock": V6_SUBNET, "Ipv6CidrBlockState": {"State": "associated"}}
        ]

    def enis(data: dict[str, Any]) -> None:
        data["NetworkInterfaces"][0]["Ipv6Addresses"] = [{"Ipv6Address": V6_ADDRESS}]

    def groups(data: dict[str, Any]) -> None:
        for g in data["SecurityGroups"]:
            if g["GroupId"] == SSH_GROUP:
                ssh = g["IpPermissions"][0]
                ssh["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
                if not ssh_from_v4:
                    ssh["IpRanges"] = []
                g["IpPermissionsEgress"][0]["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]

    def acls(data: dict[str, Any]) -> None:
        _add_acl_entries(
            ACL,
            _acl_entry(101, False, "allow", Ipv6CidrBlock="::/0"),
            _acl_entry(101, True, "allow", Ipv6CidrBlock="::/0"),
        )(data)

    def routes(data: dict[str, Any]) -> None:
        for table in data["RouteTables"]:
            table["Routes"].append({"DestinationIpv6CidrBlock": V6_VPC, "GatewayId": "local"})
            if table["RouteTableId"] == "rtb-0489000c9e6c299e8":
                table["Routes"].append(
                    {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-0a409e562d251f766"}
                )

    return {
        "Vpcs": vpcs,
        "Subnets": subnets,
        "NetworkInterfaces": enis,
        "SecurityGroups": groups,
        "NetworkAcls": acls,
        "RouteTables": routes,
    }


def test_ipv6_exposures_are_visible(tmp_path: Path) -> None:
    n = load(edited(tmp_path, PUBLIC, **_dual_stack(ssh_from_v4=False)))
    (ssh,) = exposures(n).exposures
    assert (ssh.target, ssh.protocol, ssh.ports) == (INSTANCE, "tcp", ((22, 22),))
    assert not is_v4(ssh.witness.packet.dst) and not is_v4(ssh.witness.packet.src)
    r = reach(n, "internet", V6_ADDRESS, TCP, 22)
    assert r.answer.status is Status.WITNESSED
    # SSH from IPv4 is closed now; the IPv4 rule no longer matches anything.
    assert reach(n, "internet", "18.216.80.133", TCP, 22).answer.status is Status.PROVEN
    # Out to the IPv6 internet, without any translation.
    out = reach(n, INSTANCE, "2001:4860:4860::8888", TCP, 443)
    assert out.answer.status is Status.WITNESSED
    assert out.paths[0].forward.final is not None
    assert out.paths[0].forward.final.src == parse_ip(V6_ADDRESS)


TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:us-east-2:554773406868:targetgroup/test-lb-tg/8e891d8fcdf8ece8"
)


def _preserve(enabled: bool) -> Any:
    def edit(data: dict[str, Any]) -> None:
        arn = TARGET_GROUP
        attribute = {"Key": "preserve_client_ip.enabled", "Value": str(enabled).lower()}
        data["TargetGroupAttributes"] = [{"TargetGroupArn": arn, "Attributes": [attribute]}]

    return edit


def _ssh_only_from(cidr: str) -> Any:
    def edit(data: dict[str, Any]) -> None:
        for g in data["SecurityGroups"]:
            if g["GroupId"] == "sg-09dabbcbd3f44ebcf":
                g["IpPermissions"][0]["IpRanges"] = [{"CidrIp": cidr}]

    return edit


LB = "test-load-balancer"
CLIENT, LB_ADDRESS = "i-0c8ce8bbdd98cc4e8", "10.1.1.237"


def test_a_network_load_balancer_keeps_the_client_address(tmp_path: Path) -> None:
    # The targets admit only the client's subnet: with the client's address kept (AWS's
    # default for instance targets) the client gets through.
    kept = load(edited(tmp_path / "a", LB, SecurityGroups=_ssh_only_from("10.1.250.0/24")))
    r = reach(kept, CLIENT, LB_ADDRESS, TCP, 80)
    assert r.answer.status is Status.WITNESSED
    forward = next(h for h in r.paths[0].forward.hops if h.kind == "load-balancer")
    assert forward.packet is not None and forward.packet.src == parse_ip("10.1.250.112")
    assert any("AWS's default" in a for a in r.answer.assumptions)
    # The targets admit only the balancer's subnets: the client's own address is refused.
    lb_only = _ssh_only_from("10.1.0.0/19")
    refused = load(edited(tmp_path / "b", LB, SecurityGroups=lb_only))
    blocked = reach(refused, CLIENT, LB_ADDRESS, TCP, 80)
    assert blocked.answer.status is Status.PROVEN and blocked.blocked is not None
    assert blocked.blocked.forward.code is Code.ENI_SG_RULES_MISMATCH
    # Turned off, the balancer connects from its own address, which the targets admit.
    proxied = load(
        edited(tmp_path / "c", LB, SecurityGroups=lb_only, TargetGroupAttributes=_preserve(False))
    )
    assert reach(proxied, CLIENT, LB_ADDRESS, TCP, 80).answer.status is Status.WITNESSED


@pytest.mark.parametrize(
    ("removed", "component"),
    [("RouteTables", "subnet-0bb82ae8b3ea5dc78"), ("InternetGateways", "igw-0a409e562d251f766")],
)
def test_an_incomplete_export_is_unknown_never_nothing_exposed(
    tmp_path: Path, removed: str, component: str
) -> None:
    path = edited(tmp_path, PUBLIC, **{removed: None})
    network, diagnostics = read_snapshot(path)
    assert {"NET-INCOMPLETE", "NET-MISSING-REF"} & {d.code for d in diagnostics}
    result = exposures(network)
    assert result.answer.status is Status.UNKNOWN
    assert any(component in f"{target} {why}" for target, why in result.unknown)
    assert reach(network, INSTANCE, "8.8.8.8", TCP, 443).answer.status is Status.UNKNOWN


def test_no_proof_next_to_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def bad_cidr(data: dict[str, Any]) -> None:
        data["NetworkAcls"][0]["Entries"][0]["CidrBlock"] = "10.0.0.0/99"

    path = str(edited(tmp_path, PUBLIC, NetworkAcls=bad_cidr))
    assert main(["reach", path, "--exposures"]) == 2
    captured = capsys.readouterr()
    assert "error:" in captured.err and "NetworkAcls.json" in captured.err
    assert "(proven)" not in captured.out
    args = ["reach", path, "--from", "internet", "--to", INSTANCE, "--protocol", "tcp"]
    assert main([*args, "--port", "80", "--format", "json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "unknown" and doc["reachable"] is None
    assert "could not be read in full" in doc["reason"]
