"""Middleboxes: Gateway Load Balancer endpoints, Network Firewall endpoints and appliance
instances are passed through (and back), never delivery points; what their rules do is
unknown unless the export has them. Built on the Batfish public-subnet snapshot: one instance
(10.0.0.91, public 18.216.80.133) whose security group opens SSH to the world."""

from pathlib import Path
from typing import Any

from policyreason.analysis.network.exposures import exposures
from policyreason.analysis.network.reach import reach
from policyreason.analysis.network.trace import Code
from policyreason.ir.answer import Status
from policyreason.ir.network import TCP
from tests.network.edits import edited, load

SNAP = "test-public-subnet"
VPC = "vpc-0672bce73895d7252"
APP_SUBNET = "subnet-0bb82ae8b3ea5dc78"
APP_TABLE = "rtb-0489000c9e6c299e8"
IGW = "igw-0a409e562d251f766"
INSTANCE = "i-06669a407b2ef3ae5"
AZ = "us-east-2b"


def _subnet(data: dict[str, Any], sid: str, cidr: str) -> None:
    data["Subnets"].append(
        {"SubnetId": sid, "VpcId": VPC, "CidrBlock": cidr, "AvailabilityZone": AZ}
    )


def _table(sid: str, routes: list[dict[str, Any]], gateway: str = "") -> dict[str, Any]:
    association = {"GatewayId": gateway} if gateway else {"SubnetId": sid}
    return {
        "RouteTableId": f"rtb-{sid or gateway}",
        "VpcId": VPC,
        "Associations": [{"Main": False, **association}],
        "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, *routes],
    }


def _inspected_by(target: dict[str, str], middle: str) -> dict[str, Any]:
    """Edits that put a middlebox in subnet `middle` (10.0.1.0/24) between the internet and
    the instance, both ways: the IGW's edge table sends the instance's subnet to `target`,
    the instance's default route goes to `target`, and the middle subnet's to the IGW."""

    def routes(data: dict[str, Any]) -> None:
        for table in data["RouteTables"]:
            if table["RouteTableId"] == APP_TABLE:
                table["Routes"][1] = {"DestinationCidrBlock": "0.0.0.0/0", **target}
        data["RouteTables"].append(
            _table(middle, [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW}])
        )
        edge = [{"DestinationCidrBlock": "10.0.0.0/24", **target}]
        data["RouteTables"].append(_table("", edge, gateway=IGW))

    return {
        "Subnets": lambda d: _subnet(d, middle, "10.0.1.0/24"),
        "RouteTables": routes,
    }


GWLB = {"GatewayId": "vpce-gwlb1"}


def _gwlb_endpoint(data: dict[str, Any]) -> None:
    data.setdefault("VpcEndpoints", []).append(
        {
            "VpcEndpointId": "vpce-gwlb1",
            "VpcEndpointType": "GatewayLoadBalancer",
            "VpcId": VPC,
            "ServiceName": "com.amazonaws.vpce.us-east-2.vpce-svc-0abc",
            "SubnetIds": ["subnet-gwlbe"],
        }
    )


def test_distributed_inspection_is_not_a_proof_of_nothing_exposed(
    snapshots: Path, tmp_path: Path
) -> None:
    path = edited(
        tmp_path, SNAP, VpcEndpoints=_gwlb_endpoint, **_inspected_by(GWLB, "subnet-gwlbe")
    )
    n = load(path)
    result = exposures(n)
    assert result.answer.status is Status.UNKNOWN
    (possible,) = result.possible
    assert (possible.target, possible.protocol, possible.ports) == (INSTANCE, "tcp", ((22, 22),))
    assert [u.component for u in possible.unknowns] == ["vpce-gwlb1"]
    # In through the endpoint, back out through it: the packet is never delivered to it.
    hops = [h.component for h in possible.witness.forward.hops]
    back = [h.component for h in possible.witness.reply.hops] if possible.witness.reply else []
    assert "vpce-gwlb1" in hops and "vpce-gwlb1" in back
    assert possible.witness.forward.delivered_to == "eni-00064850627e198ee"
    r = reach(n, "internet", INSTANCE, TCP, 22)
    assert r.answer.status is Status.UNKNOWN and r.candidate is not None
    # What the appliances cannot change still proves: port 80 dies at the security group.
    closed = reach(n, "internet", INSTANCE, TCP, 80)
    assert closed.answer.status is Status.PROVEN


FIREWALL = {"GatewayId": "vpce-fw1"}


def _firewall(data: dict[str, Any]) -> None:
    data["Firewalls"] = [
        {
            "Firewall": {
                "FirewallName": "fw1",
                "FirewallArn": "arn:aws:network-firewall:us-east-2:1:firewall/fw1",
                "FirewallPolicyArn": "arn:aws:network-firewall:us-east-2:1:firewall-policy/p",
                "VpcId": VPC,
                "SubnetMappings": [{"SubnetId": "subnet-fw"}],
            },
            "FirewallStatus": {
                "SyncStates": {
                    AZ: {"Attachment": {"SubnetId": "subnet-fw", "EndpointId": "vpce-fw1"}}
                }
            },
        }
    ]


def _policy(strict: bool, rules: list[dict[str, Any]]) -> Any:
    policy_arn = "arn:aws:network-firewall:us-east-2:1:firewall-policy/p"
    group_arn = "arn:aws:network-firewall:us-east-2:1:stateful-rulegroup/g"

    def policies(data: dict[str, Any]) -> None:
        data["FirewallPolicies"] = [
            {
                "FirewallPolicyResponse": {
                    "FirewallPolicyName": "p",
                    "FirewallPolicyArn": policy_arn,
                },
                "FirewallPolicy": {
                    "StatelessDefaultActions": ["aws:forward_to_sfe"],
                    "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                    "StatefulRuleGroupReferences": [{"ResourceArn": group_arn, "Priority": 1}],
                    "StatefulDefaultActions": ["aws:drop_strict"] if strict else [],
                    "StatefulEngineOptions": {
                        "RuleOrder": "STRICT_ORDER" if strict else "DEFAULT_ACTION_ORDER"
                    },
                },
            }
        ]
        data["RuleGroups"] = [
            {
                "RuleGroupResponse": {
                    "RuleGroupArn": group_arn,
                    "RuleGroupName": "g",
                    "Type": "STATEFUL",
                },
                "RuleGroup": {"RulesSource": {"StatefulRules": rules}},
            }
        ]

    return policies


def _rule(action: str, port: str) -> dict[str, Any]:
    header = {
        "Protocol": "TCP",
        "Source": "ANY",
        "SourcePort": "ANY",
        "Direction": "FORWARD",
        "Destination": "10.0.0.0/24",
        "DestinationPort": port,
    }
    return {
        "Action": action,
        "Header": header,
        "RuleOptions": [{"Keyword": "sid", "Settings": ["1"]}],
    }


def test_a_firewall_without_its_rules_is_unknown(snapshots: Path, tmp_path: Path) -> None:
    path = edited(tmp_path, SNAP, Firewalls=_firewall, **_inspected_by(FIREWALL, "subnet-fw"))
    result = exposures(load(path))
    assert result.answer.status is Status.UNKNOWN
    (possible,) = result.possible
    assert possible.unknowns[0].component == "fw1"
    assert "firewall policy" in possible.unknowns[0].why


def test_a_firewall_with_its_rules_decides(snapshots: Path, tmp_path: Path) -> None:
    inspected = _inspected_by(FIREWALL, "subnet-fw")
    dropping = edited(
        tmp_path / "drop",
        SNAP,
        Firewalls=_firewall,
        FirewallPolicies=_policy(False, [_rule("DROP", "22")]),
        **inspected,
    )
    closed = exposures(load(dropping))
    assert closed.answer.status is Status.PROVEN
    blocked = reach(load(dropping), "internet", INSTANCE, TCP, 22)
    assert blocked.answer.status is Status.PROVEN and blocked.blocked is not None
    assert blocked.blocked.forward.code is Code.FIREWALL_RULE
    passing = edited(
        tmp_path / "pass",
        SNAP,
        Firewalls=_firewall,
        FirewallPolicies=_policy(True, [_rule("PASS", "22")]),
        **inspected,
    )
    result = exposures(load(passing))
    assert result.answer.status is Status.WITNESSED and result.possible == ()
    (e,) = result.exposures
    assert (e.protocol, e.ports) == ("tcp", ((22, 22),))
    kinds = [h.kind for h in e.witness.forward.hops]
    assert "network-firewall" in kinds
    # The answer passes the firewall as an established flow.
    assert e.witness.reply is not None
    assert "network-firewall" in [h.kind for h in e.witness.reply.hops]


def _appliance(check: bool) -> dict[str, Any]:
    def enis(data: dict[str, Any]) -> None:
        data["NetworkInterfaces"].append(
            {
                "NetworkInterfaceId": "eni-appl",
                "SubnetId": "subnet-appl",
                "VpcId": VPC,
                "PrivateIpAddress": "10.0.1.5",
                "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.5"}],
                "Groups": [{"GroupId": "sg-038ae1875ef3e82ec"}],
                "SourceDestCheck": check,
            }
        )

    def groups(data: dict[str, Any]) -> None:
        for g in data["SecurityGroups"]:
            if g["GroupId"] == "sg-038ae1875ef3e82ec":
                g["IpPermissions"][0]["IpRanges"] = [{"CidrIp": "0.0.0.0/0"}]

    def routes(data: dict[str, Any]) -> None:
        for table in data["RouteTables"]:
            if table["RouteTableId"] == APP_TABLE:
                appliance = {"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-appl"}
                table["Routes"][1] = appliance
        igw = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW}
        data["RouteTables"].append(_table("subnet-appl", [igw]))

    return {
        "Subnets": lambda d: _subnet(d, "subnet-appl", "10.0.1.0/24"),
        "NetworkInterfaces": enis,
        "SecurityGroups": groups,
        "RouteTables": routes,
    }


def test_an_appliance_on_the_way_back_is_not_dropped_silently(
    snapshots: Path, tmp_path: Path
) -> None:
    n = load(edited(tmp_path / "off", SNAP, **_appliance(check=False)))
    result = exposures(n)
    assert result.answer.status is Status.UNKNOWN
    (possible,) = result.possible
    assert possible.target == INSTANCE and possible.unknowns[0].component == "eni-appl"
    r = reach(n, "internet", INSTANCE, TCP, 22)
    assert r.answer.status is Status.UNKNOWN
    # With its source/destination check on, AWS drops what the appliance would forward.
    checked = load(edited(tmp_path / "on", SNAP, **_appliance(check=True)))
    assert exposures(checked).answer.status is Status.PROVEN
    dropped = reach(checked, "internet", INSTANCE, TCP, 22)
    assert dropped.answer.status is Status.PROVEN and dropped.blocked is not None
    assert dropped.blocked.reply is not None
    assert dropped.blocked.reply.code is Code.SOURCE_DEST_CHECK


def test_a_vpn_gateway_on_the_way_back(snapshots: Path, tmp_path: Path) -> None:
    def routes(data: dict[str, Any]) -> None:
        for table in data["RouteTables"]:
            if table["RouteTableId"] == APP_TABLE:
                table["Routes"].append(
                    {"DestinationCidrBlock": "203.0.113.0/24", "GatewayId": "vgw-1"}
                )

    def vgws(data: dict[str, Any]) -> None:
        data["VpnGateways"] = [
            {
                "VpnGatewayId": "vgw-1",
                "State": "available",
                "VpcAttachments": [{"VpcId": VPC, "State": "attached"}],
            }
        ]

    def vpns(data: dict[str, Any]) -> None:
        data["VpnConnections"] = [
            {"VpnConnectionId": "vpn-1", "VpnGatewayId": "vgw-1", "State": "available"}
        ]

    n = load(edited(tmp_path, SNAP, RouteTables=routes, VpnGateways=vgws, VpnConnections=vpns))
    r = reach(n, "203.0.113.0/24", INSTANCE, TCP, 22)
    assert r.answer.status is Status.UNKNOWN
    assert [u.component for u in r.unknowns] == ["vgw-1"]
    # Other internet clients are answered through the internet gateway as before.
    assert reach(n, "198.51.100.0/24", INSTANCE, TCP, 22).answer.status is Status.WITNESSED
