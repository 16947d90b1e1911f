"""Where packets come from and go to: the internet, interfaces, address ranges, and declared
on-premises networks."""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.analysis.network.explore import beyond
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.trace import INTERNET, ONPREM, Unknown, onprem_id
from policyreason.ir.cidr import V4_SPACE, Cidr
from policyreason.ir.network import NON_INTERNET, V6_INTERNET, Eni
from policyreason.smt.encode_network import (
    TRUE,
    Pred,
    View,
    conj,
    eq,
    in_any,
    in_cidr,
    in_set,
    internet_address,
)


@dataclass(frozen=True)
class Endpoint:
    """Where packets come from or go to: the internet, some interfaces, an address range, or
    declared on-premises networks (by name)."""

    text: str
    internet: bool = False
    enis: tuple[str, ...] = ()
    cidr: Cidr | None = None
    onprem: tuple[str, ...] = ()


def resolve_endpoint(ix: NetIndex, text: str) -> Endpoint:
    """Parse internet / eni-… / i-… / subnet-… / an on-premises name / CIDR / IP; raises
    ValueError if unknown."""
    t = text.strip()
    if t.lower() == INTERNET:
        return Endpoint(t, internet=True)
    if t in ix.enis:
        return Endpoint(t, enis=(t,))
    by_instance = tuple(e.id for e in ix.net.enis if e.instance_id == t)
    if by_instance:
        return Endpoint(t, enis=by_instance)
    if t in ix.subnets:
        return Endpoint(t, enis=tuple(e.id for e in ix.net.enis if e.subnet_id == t))
    name = t.removeprefix(ONPREM)
    if any(d.name == name for d in ix.onprem):
        return Endpoint(t, onprem=(name,))
    try:
        cidr = Cidr.parse(t)
    except ValueError:
        raise ValueError(
            f"unknown endpoint {t!r} (expected internet, an ENI, instance or subnet id, a "
            "declared on-premises network, a CIDR or an IP)"
        ) from None
    sites = tuple(dict.fromkeys(d.name for d in ix.onprem if _overlap(d.cidr, cidr)))
    return Endpoint(t, cidr=cidr, onprem=sites)


def _overlap(a: Cidr, b: Cidr) -> bool:
    return a.within(b) or b.within(a)


@dataclass(frozen=True)
class Source:
    """One place an endpoint sends from: its id, the header it starts with, what the
    header's source must satisfy, and the choices that pin it (the connection an
    on-premises packet arrives over)."""

    id: str
    view: View
    extra: Pred
    choices: tuple[tuple[str, str], ...] = ()


def sources(ix: NetIndex, ep: Endpoint) -> tuple[list[Source], list[Unknown]]:
    """Every place `ep` can send from, and what about it is unknown (an address range that may
    lie on premises, which no export describes)."""
    out: list[Source] = []
    enis = [ix.enis[e] for e in ep.enis]
    if ep.cidr is not None:
        enis = [e for e in ix.net.enis if any(ep.cidr.contains(ip) for ip in e.private_ips)]
    for eni in enis:
        for ip in eni.private_ips:
            if ep.cidr is None or ep.cidr.contains(ip):
                out.append(Source(eni.id, View(src=ip), eq("src", ip)))
    within = in_cidr("src", ep.cidr) if ep.cidr is not None else TRUE
    if ep.internet or (ep.cidr is not None and _overlaps_internet(ep.cidr)):
        own = beyond(ix, "src")
        out.append(Source(INTERNET, View(), conj(internet_address("src"), own, within)))
    entries = ix.onprem_entries()
    for name in ep.onprem:
        site = onprem_id(name)
        cidrs = [d.cidr for d in ix.onprem if d.name == name]
        for entry in entries:
            out.append(Source(site, View(), conj(in_any("src", cidrs), within), ((site, entry),)))
    unknown: list[Unknown] = []
    inside = ep.cidr is not None and any(ep.cidr.within(c) for v in ix.net.vpcs for c in v.cidrs)
    if (
        ep.cidr is not None
        and not ix.onprem
        and entries
        and not inside
        and _may_be_private(ep.cidr)
    ):
        unknown.append(
            Unknown(
                str(ep.cidr),
                f"it may lie on premises, behind {', '.join(entries)}; declare on-premises "
                "prefixes with --onprem CIDR=NAME",
            )
        )
    return out, unknown


def _overlaps_internet(cidr: Cidr) -> bool:
    if cidr.within(V4_SPACE) or V4_SPACE.within(cidr):
        return not any(cidr.within(c) for c in NON_INTERNET)
    return _overlap(cidr, V6_INTERNET)


def _may_be_private(cidr: Cidr) -> bool:
    """Does the range hold addresses that are not the internet's (on-premises space)?"""
    if any(_overlap(cidr, c) for c in NON_INTERNET):
        return True
    return not (cidr.within(V4_SPACE) or cidr.within(V6_INTERNET))


@dataclass(frozen=True)
class Goal:
    """What counts as arriving: where a packet may be delivered, and which interfaces matter."""

    ep: Endpoint
    # Load balancer interfaces with a listener that forwards to one of the target interfaces.
    balancers: frozenset[str] = frozenset()

    def accepts(self, delivered_to: str | None) -> bool:
        if self.ep.internet:
            return delivered_to == INTERNET
        if self.ep.cidr is not None:
            return delivered_to is not None
        if self.ep.onprem:
            return delivered_to in {onprem_id(n) for n in self.ep.onprem}
        return delivered_to in self.ep.enis

    def wanted(self, eni: Eni) -> bool:
        cidr = self.ep.cidr
        if cidr is not None:
            addresses = (*eni.private_ips, *(pub for _, pub in eni.public_ips))
            return any(cidr.contains(ip) for ip in addresses)
        return eni.id in self.ep.enis or eni.id in self.balancers

    def pred(self, ix: NetIndex) -> Pred:
        """The original destination address: an interface is reached by its own private or
        public addresses, or through a load balancer in front of it (so explanations talk
        about those packets)."""
        if self.ep.cidr is not None:
            return in_cidr("dst", self.ep.cidr)
        if self.ep.internet:
            return internet_address("dst")
        if self.ep.onprem:
            return in_any("dst", [d.cidr for d in ix.onprem if d.name in self.ep.onprem])
        enis = [ix.enis[e] for e in (*self.ep.enis, *sorted(self.balancers))]
        ips = [ip for e in enis for ip in e.private_ips] + [
            p for e in enis for _, p in e.public_ips
        ]
        return in_set("dst", ips)


def make_goal(ix: NetIndex, ep: Endpoint) -> Goal:
    targets = {ip for e in ep.enis for ip in ix.enis[e].private_ips}
    balancers = frozenset(
        eni_id
        for eni_id, lb in ix.lb_of_eni.items()
        if any(t[1] in targets for li in lb.listeners for t in ix.lb_targets(li))
    )
    return Goal(ep, balancers)
