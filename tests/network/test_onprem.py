"""VPN and Direct Connect: what lies on premises is in no export, so paths through it are
unknown until on-premises prefixes are declared; declared prefixes are sources and
destinations. Built on the Batfish Direct Connect snapshots."""

from pathlib import Path

from policyreason.analysis.network.reach import reach
from policyreason.analysis.network.trace import Code, Disposition
from policyreason.ir.answer import Status
from policyreason.ir.network import TCP
from tests.network.edits import load

DX = "test-direct-connect-gateway"
VIF = "test-direct-connect-private-vif"


def test_routes_learned_over_bgp_are_unknown_never_no_route(snapshots: Path) -> None:
    n = load(snapshots / DX)
    r = reach(n, "10.100.1.10", "10.10.0.1", TCP, 443)
    assert r.answer.status is Status.UNKNOWN and r.blocked is None
    assert [u.component for u in r.unknowns] == ["tgw-rtb-dx01"]
    assert "--onprem" in r.reason and "tgw-attach-vpn-dx-test" in r.reason
    assert r.candidate is not None
    assert r.candidate.forward.disposition is Disposition.UNKNOWN


def test_declared_prefixes_are_destinations_over_direct_connect(snapshots: Path) -> None:
    n = load(snapshots / DX, {"10.10.0.0/16": "dc"})
    r = reach(n, "i-dx01", "10.10.0.1", TCP, 443)
    assert r.answer.status is Status.WITNESSED
    (path,) = r.paths
    assert path.forward.delivered_to == "onprem:dc"
    # For one prefix AWS prefers the Direct Connect attachment over the VPN.
    attachments = [h.component for h in path.forward.hops if h.kind.endswith("attachment")]
    assert attachments == ["tgw-attach-dx01"]
    assert path.reply is not None and path.reply.delivered_to == "eni-dx01"
    assert any("declared prefixes" in a for a in r.answer.assumptions)
    # Declared, the on-premises world is exactly the declared prefixes: elsewhere is no route.
    elsewhere = reach(n, "i-dx01", "10.20.0.1", TCP, 443)
    assert elsewhere.answer.status is Status.PROVEN and elsewhere.blocked is not None
    assert elsewhere.blocked.forward.code is Code.NO_ROUTE_TO_DESTINATION


def test_declared_prefixes_are_sources(snapshots: Path) -> None:
    n = load(snapshots / DX, {"10.10.0.0/16": "dc"})
    r = reach(n, "dc", "i-dx01", TCP, 22)
    assert r.answer.status is Status.WITNESSED
    (path,) = r.paths
    assert path.source == "onprem:dc" and path.forward.hops[0].kind == "on-premises"
    assert path.reply is not None and path.reply.delivered_to == "onprem:dc"
    # The isolated VPC's table propagates only itself: nothing from on premises gets there.
    isolated = reach(n, "dc", "10.200.0.0/16")
    assert isolated.answer.status is Status.PROVEN


def test_an_undeclared_on_premises_source_is_unknown_not_an_empty_endpoint(
    snapshots: Path,
) -> None:
    n = load(snapshots / DX)
    r = reach(n, "10.10.0.0/16", "i-dx01", TCP, 22)
    assert r.answer.status is Status.UNKNOWN
    assert "10.10.0.0/16" in [u.component for u in r.unknowns]
    # A range that is the VPC's own is no on-premises candidate.
    own = reach(n, "10.100.0.0/16", "i-dx01", TCP, 22)
    assert "10.100.0.0/16" not in [u.component for u in own.unknowns]


def test_a_route_to_a_virtual_private_gateway(snapshots: Path) -> None:
    n = load(snapshots / VIF)
    eni = next(e for e in n.enis if e.instance_id)
    r = reach(n, eni.id, "10.10.0.5", TCP, 443)
    assert r.answer.status is Status.UNKNOWN
    assert [u.component for u in r.unknowns] == ["vgw-priv01"]
    declared = load(snapshots / VIF, {"10.10.0.0/16": "dc"})
    w = reach(declared, eni.id, "10.10.0.5", TCP, 443)
    assert w.answer.status is Status.WITNESSED
    assert "vgw-priv01" in [h.component for h in w.paths[0].forward.hops]
