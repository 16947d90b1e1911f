"""What the model cannot decide, and what it takes for granted, in the words both walkers use:
each `Unknown` names a component and says why a path through it is no proof; each assumption
is a sentence an answer lists."""

from __future__ import annotations

from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.trace import Unknown
from policyreason.ir.network import Eni, FirewallProgram, TgwAttachment

# Said of every middlebox whose verdict is unknown: what a drop after one rests on.
PASSES_UNCHANGED = (
    "middleboxes whose rules are not in the export (appliances, firewalls) drop packets or "
    "pass them unchanged; they do not rewrite addresses"
)


def missing_instance(eni: Eni) -> str:
    """The assumption made about an interface whose instance the export lacks."""
    return f"{eni.instance_id} (of {eni.id}) is not in the export; taken to be running"


def missing_acl(subnet_id: str) -> str:
    """The assumption made about a subnet whose network ACL the export lacks."""
    return f"{subnet_id} has no network ACL in the export; taken to allow all traffic"


def onprem_assumption(ix: NetIndex) -> str:
    """What is assumed about the declared on-premises networks."""
    names = ", ".join(f"{d.cidr} ({d.name})" for d in ix.onprem)
    return (
        f"on-premises networks are exactly the declared prefixes ({names}), reachable over "
        "every VPN and Direct Connect connection, and answers come back over the connection "
        "they were sent to"
    )


def undeclared_onprem(component: str) -> Unknown:
    return Unknown(
        component,
        "leads to on-premises networks, which are in no AWS export; declare their prefixes "
        "with --onprem CIDR=NAME",
    )


def sg_unknown(eni: Eni) -> Unknown:
    return Unknown(
        ",".join(eni.group_ids),
        f"a security group of {eni.id}, or a group or prefix list one of its rules names, "
        "is not in the export",
    )


def no_route_table(subnet_id: str) -> Unknown:
    return Unknown(
        subnet_id, "the export has no route table for it (every VPC has a main route table)"
    )


def unresolved_prefix_list(table_id: str, prefix_list: str) -> Unknown:
    return Unknown(
        table_id, f"it routes to the prefix list {prefix_list}, whose addresses the export lacks"
    )


def unmodelled_target(target: str) -> Unknown:
    return Unknown(target, "routes to this kind of target are not modelled")


def not_in_export(component: str) -> Unknown:
    return Unknown(component, "it is named by the export but not in it")


def no_connection(vgw_id: str) -> Unknown:
    return Unknown(
        vgw_id, "the export has no VPN connection or Direct Connect interface for this gateway"
    )


def appliance_unknown(eni: Eni) -> Unknown:
    who = eni.instance_id or eni.id
    return Unknown(
        who,
        "it forwards traffic (source/destination check off); its own routing "
        "and filtering are not in the export",
    )


def gwlb_unknown(ix: NetIndex, endpoint_id: str) -> Unknown:
    lb = ix.gateway_lb(ix.endpoints[endpoint_id])
    balancer = lb.name if lb else "its Gateway Load Balancer"
    return Unknown(
        endpoint_id,
        f"the appliances behind {balancer} inspect the traffic; their rules are not in the export",
    )


def firewall_unknown(name: str, prog: FirewallProgram) -> Unknown:
    return Unknown(name, prog.stateless_unknown or prog.stateful_unknown)


def client_ip_default(group: str, keep: bool) -> str:
    state = "keeps" if keep else "does not keep"
    return (
        f"target group {group} {state} the client's address (AWS's default; the export has "
        "no target group attributes)"
    )


def bgp_assumption(table_id: str, learned: list[TgwAttachment]) -> str:
    via = ", ".join(f"{a.id} ({a.resource_type})" for a in learned)
    return (
        f"{table_id} also holds routes learned over BGP from {via}, which the export does not "
        "list; they are taken to be no more specific than the routes it does list"
    )


def bgp_unknown(table_id: str, learned: list[TgwAttachment]) -> Unknown:
    via = ", ".join(f"{a.id} ({a.resource_type})" for a in learned)
    return Unknown(
        table_id,
        f"it learns routes over BGP from {via}, which are in no export; declare on-premises "
        "prefixes with --onprem CIDR=NAME",
    )
