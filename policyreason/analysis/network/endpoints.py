"""Where packets come from and go to: the internet, interfaces, address ranges."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.trace import INTERNET
from policyreason.ir.network import (
    NON_INTERNET,
    Cidr,
    Eni,
)
from policyreason.smt.encode_network import (
    TRUE,
    Pred,
    View,
    conj,
    eq,
    in_cidr,
    in_set,
    internet_address,
    outside_set,
)

# -- endpoints ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where packets come from or go to: the internet, some interfaces, or an address range."""

    text: str
    internet: bool = False
    enis: tuple[str, ...] = ()
    cidr: Cidr | None = None


def resolve_endpoint(ix: NetIndex, text: str) -> Endpoint:
    """Parse internet / eni-… / i-… / subnet-… / CIDR / IP; raises ValueError if unknown."""
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
    try:
        net = ipaddress.IPv4Network(t, strict=False)
    except ValueError:
        raise ValueError(
            f"unknown endpoint {t!r} (expected internet, an ENI, instance or "
            "subnet id, a CIDR or an IP)"
        ) from None
    cidr = Cidr(addr=int(net.network_address), prefix=net.prefixlen)
    return Endpoint(t, cidr=cidr)


def sources(ix: NetIndex, ep: Endpoint) -> list[tuple[str, View, Pred]]:
    """(source id, initial view, extra constraint) for every place `ep` can send from."""
    out: list[tuple[str, View, Pred]] = []
    enis = [ix.enis[e] for e in ep.enis]
    if ep.cidr is not None:
        enis = [e for e in ix.net.enis if any(ep.cidr.contains(ip) for ip in e.private_ips)]
    for eni in enis:
        for ip in eni.private_ips:
            if ep.cidr is None or ep.cidr.contains(ip):
                out.append((eni.id, View(src=ip), eq("src", ip)))
    if ep.internet or (ep.cidr is not None and _overlaps_internet(ep.cidr)):
        extra = in_cidr("src", ep.cidr) if ep.cidr is not None else TRUE
        own = outside_set("src", frozenset(p for p in ix.public if ix.routed_public(p)))
        out.append((INTERNET, View(), conj(internet_address("src"), own, extra)))
    return out


def _overlaps_internet(cidr: Cidr) -> bool:
    return not any(c.prefix <= cidr.prefix and c.contains(cidr.addr) for c in NON_INTERNET)


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
        enis = [ix.enis[e] for e in (*self.ep.enis, *sorted(self.balancers))]
        ips = [ip for e in enis for ip in e.private_ips] + [
            p for e in enis for _, p in e.public_ips
        ]
        return in_set("dst", ips)


def make_goal(ix: NetIndex, ep: Endpoint) -> Goal:
    targets = {ip for e in ep.enis for ip in ix.enis[e].private_ips[:1]}
    balancers = frozenset(
        eni_id
        for eni_id, lb in ix.lb_of_eni.items()
        if any(t[1] in targets for li in lb.listeners for t in ix.lb_targets(li))
    )
    return Goal(ep, balancers)
