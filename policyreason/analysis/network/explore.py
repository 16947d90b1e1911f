"""The symbolic walk: every way a packet could go through the network, as branches.

The network is explored symbolically: a walk from each source follows every way a packet could
go (each route that could be the longest match, each ACL verdict, each destination interface)
and yields *branches*, each a conjunction of header predicates with an ending (delivered, or
dropped with an explanation code). It is the symbolic twin of `simulate`: the same components,
branching instead of deciding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.simulate import LISTENER_PROTOCOLS
from policyreason.analysis.network.trace import INTERNET, Code
from policyreason.ir.network import (
    ICMP,
    TCP,
    UDP,
    Cidr,
    Eni,
    LoadBalancer,
    NatGateway,
    Route,
    Subnet,
    TargetKind,
    TgwAttachment,
)
from policyreason.smt.encode_network import (
    FALSE,
    TRUE,
    And,
    Eq,
    Field,
    InCidr,
    Not,
    Or,
    OutsideSet,
    Pred,
    View,
    acl_allows,
    conj,
    disj,
    eq,
    in_any,
    in_set,
    internet_address,
    longest_match,
    neg,
    no_match,
    one_of,
    outside_set,
    sg_rule,
)

DELIVERED = "delivered"
UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Branch:
    """One way through the network: its constraints, the components passed, how it ends."""

    preds: tuple[Pred, ...]
    components: tuple[str, ...]
    end: str
    view: View
    delivered_to: str | None = None
    sessions: tuple[tuple[str, tuple[Field, ...]], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()

    def pred(self) -> Pred:
        return conj(*self.preds)


@dataclass(frozen=True)
class _St:
    """A branch under construction. `bounds` keeps, per address field, the narrowest CIDR it
    must lie in, the CIDRs it must avoid and the address sets it must avoid, so that
    contradictory branches (a route that can no longer be the longest match, a loop back into
    a range already left) are pruned before the solver sees them."""

    preds: tuple[Pred, ...] = ()
    components: tuple[str, ...] = ()
    sessions: tuple[tuple[str, tuple[Field, ...]], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    bounds: tuple[tuple[str, _Bound], ...] = ()
    dead: bool = False

    def excludes(self, f: Field, ip: int) -> bool:
        """Is `f == ip` already ruled out (a cheap test before building a branch)?"""
        if isinstance(f, int):
            return f != ip
        b = next((b for name, b in self.bounds if name == f), None)
        if b is None:
            return False
        if not b.inside.contains(ip) or any(s for s in b.avoid_sets if ip in s):
            return True
        return any(n.contains(ip) for n in b.avoid)

    def add(self, p: Pred, component: str | None = None) -> _St:
        comps = self.components + ((component,) if component else ())
        bounds = dict(self.bounds)
        dead = self.dead or p == FALSE or not _narrow(bounds, p)
        return replace(
            self,
            preds=self.preds + ((p,) if p != TRUE else ()),
            components=comps,
            bounds=tuple(bounds.items()),
            dead=dead,
        )


_EVERYWHERE = Cidr(addr=0, prefix=0)


@dataclass(frozen=True)
class _Bound:
    inside: Cidr = _EVERYWHERE
    avoid: tuple[Cidr, ...] = ()
    avoid_sets: tuple[frozenset[int], ...] = ()

    def consistent(self) -> bool:
        if any(n.prefix <= self.inside.prefix and n.contains(self.inside.addr) for n in self.avoid):
            return False
        exact = self.inside.prefix == 32
        return not (exact and any(self.inside.addr in s for s in self.avoid_sets))


def _fold(p: Pred, bounds: dict[str, _Bound]) -> Pred:
    """`p` with address tests already decided by `bounds` replaced by their value (a security
    group naming other groups, seen from the internet, is mostly such tests)."""
    if isinstance(p, And):
        return conj(*(_fold(i, bounds) for i in p.items))
    if isinstance(p, Or):
        return disj(*(_fold(i, bounds) for i in p.items))
    if isinstance(p, Not):
        return neg(_fold(p.item, bounds))
    if isinstance(p, InCidr | Eq) and p.field in bounds:
        c = p.cidr if isinstance(p, InCidr) else Cidr(addr=p.value, prefix=32)
        b = bounds[p.field]
        if c.prefix <= b.inside.prefix and c.contains(b.inside.addr):
            return TRUE
        disjoint = not (b.inside.prefix <= c.prefix and b.inside.contains(c.addr))
        if disjoint or any(n.prefix <= c.prefix and n.contains(c.addr) for n in b.avoid):
            return FALSE
    return p


def _narrow(bounds: dict[str, _Bound], p: Pred) -> bool:
    """Record address facts implied by `p`; False when they contradict what is known."""
    if isinstance(p, And):
        return all(_narrow(bounds, i) for i in p.items)
    if isinstance(p, Not) and isinstance(p.item, Or):
        return all(_narrow(bounds, neg(i)) for i in p.item.items)
    if isinstance(p, OutsideSet):
        b = bounds.get(p.field, _Bound())
        bounds[p.field] = b = replace(b, avoid_sets=(*b.avoid_sets, p.ips))
        return b.consistent()
    fact: tuple[str, Cidr, bool] | None = None
    if isinstance(p, InCidr):
        fact = (p.field, p.cidr, True)
    elif isinstance(p, Eq) and p.field in ("src", "dst"):
        fact = (p.field, Cidr(addr=p.value, prefix=32), True)
    elif isinstance(p, Not) and isinstance(p.item, InCidr):
        fact = (p.item.field, p.item.cidr, False)
    elif isinstance(p, Not) and isinstance(p.item, Eq) and p.item.field in ("src", "dst"):
        fact = (p.item.field, Cidr(addr=p.item.value, prefix=32), False)
    if fact is None:
        return True
    f, c, positive = fact
    b = bounds.get(f, _Bound())
    if not positive:
        b = replace(b, avoid=(*b.avoid, c))
    elif b.inside.contains(c.addr) and c.prefix >= b.inside.prefix:
        b = replace(b, inside=c)
    elif not c.contains(b.inside.addr) or c.prefix > b.inside.prefix:
        return False
    bounds[f] = b
    return b.consistent()


class _Explorer:
    """The symbolic twin of `simulate`: the same components, branching instead of deciding."""

    def __init__(self, ix: NetIndex, reply: bool, wanted: Callable[[Eni], bool]) -> None:
        self.ix = ix
        self.reply = reply
        self.wanted = wanted
        self.routed = frozenset(p for p in ix.public if ix.routed_public(p))

    def _end(self, st: _St, end: str, v: View, to: str | None = None) -> list[Branch]:
        if st.dead:
            return []
        return [Branch(st.preds, st.components, end, v, to, st.sessions, st.choices)]

    def _split(
        self,
        st: _St,
        ok: Pred,
        component: str,
        code: Code,
        v: View,
        then: Callable[[_St], list[Branch]],
    ) -> list[Branch]:
        out: list[Branch] = []
        ok = _fold(ok, dict(st.bounds))
        bad = neg(ok)
        if bad != FALSE:
            out += self._end(st.add(bad, component), code.value, v)
        passed = st.add(ok, component)
        if not passed.dead:
            out += then(passed)
        return out

    def sg(self, eni: Eni, v: View, ingress: bool) -> Pred:
        if not eni.group_ids or self.reply:
            return TRUE
        rules = []
        for gid in eni.group_ids:
            sg = self.ix.sgs.get(gid)
            if sg is not None:
                rules += [
                    sg_rule(v, r, ingress, self._group_ips, self._prefix_list)
                    for r in (sg.ingress if ingress else sg.egress)
                ]
        return disj(*rules)

    def _group_ips(self, gid: str) -> tuple[int, ...]:
        return self.ix.group_ips.get(gid, ())

    def _prefix_list(self, pid: str) -> tuple[Cidr, ...]:
        return self.ix.prefix_lists.get(pid, ())

    def acl(self, subnet_id: str, v: View, egress: bool) -> Pred:
        acl = self.ix.acl_of_subnet.get(subnet_id)
        return TRUE if acl is None else acl_allows(v, acl, egress)

    def from_eni(self, eni: Eni, v: View, st: _St) -> list[Branch]:
        st = st.add(TRUE, eni.id)
        if not self.ix.eni_active(eni):
            return self._end(st, Code.INSTANCE_NOT_RUNNING.value, v)
        own = in_set(v.src, eni.private_ips)
        if own == FALSE:
            return self._end(st, Code.SOURCE_ADDRESS_MISMATCH.value, v)
        st = st.add(own)
        return self._split(
            st,
            self.sg(eni, v, ingress=False),
            ",".join(eni.group_ids) or eni.id,
            Code.ENI_SG_RULES_MISMATCH,
            v,
            lambda s: self.route(eni.subnet_id, v, True, s),
        )

    def route(self, subnet_id: str, v: View, acl_egress: bool, st: _St) -> list[Branch]:
        if len(st.components) > 64:
            return self._end(st, Code.LOOP.value, v)
        subnet = self.ix.subnets.get(subnet_id)
        table = self.ix.route_table(subnet_id)
        if subnet is None or table is None:
            return self._end(st, Code.NO_ROUTE_TO_DESTINATION.value, v)
        entries = self.ix.route_entries(table)
        cidrs = [c for c, _ in entries]
        # Among equal prefixes the local route wins, as in `simulate.lpm`.
        order = sorted(
            range(len(entries)), key=lambda i: entries[i][1].target_kind is not TargetKind.LOCAL
        )
        ranked = [cidrs[i] for i in order]
        out: list[Branch] = []
        none = no_match(v.dst, cidrs)
        if none != FALSE:
            out += self._end(st.add(none, table.id), Code.NO_ROUTE_TO_DESTINATION.value, v)
        for pos, i in enumerate(order):
            taken = st.add(longest_match(v.dst, ranked, pos), table.id)
            if not taken.dead:
                out += self._take(subnet, entries[i][1], v, acl_egress, taken)
        return out

    def _take(
        self, subnet: Subnet, route: Route, v: View, acl_egress: bool, st: _St
    ) -> list[Branch]:
        if route.blackhole:
            return self._end(st, Code.BLACKHOLE_ROUTE.value, v)
        if route.target_kind is TargetKind.LOCAL:
            return self.local(subnet.vpc_id, subnet.id, v, acl_egress, st)
        if route.target_kind is TargetKind.OTHER:
            return self._end(st, UNSUPPORTED, v)
        ok = self.acl(subnet.id, v, egress=True) if acl_egress else TRUE
        acl_id = self._acl_id(subnet.id)
        return self._split(
            st,
            ok,
            acl_id,
            Code.SUBNET_ACL_RESTRICTION,
            v,
            lambda s: self._gateway(subnet, route, v, s),
        )

    def _acl_id(self, subnet_id: str) -> str:
        acl = self.ix.acl_of_subnet.get(subnet_id)
        return acl.id if acl else subnet_id

    def _gateway(self, subnet: Subnet, route: Route, v: View, st: _St) -> list[Branch]:
        kind = route.target_kind
        if kind is TargetKind.INTERNET_GATEWAY:
            return self.igw_out(route.target_id, subnet.vpc_id, v, st)
        if kind is TargetKind.NAT_GATEWAY:
            return self.nat_in(route.target_id, subnet.id, v, st)
        if kind is TargetKind.VPC_PEERING:
            return self.peering(route.target_id, subnet.vpc_id, v, st)
        if kind is TargetKind.TRANSIT_GATEWAY:
            return self.tgw_enter(route.target_id, subnet, v, st)
        return self._end(st.add(TRUE, route.target_id), DELIVERED, v, route.target_id)

    def _destinations(self, vpc_id: str, v: View) -> Iterator[tuple[Eni, int]]:
        if isinstance(v.dst, int):
            eni = self.ix.eni_by_ip.get((vpc_id, v.dst))
            if eni is not None:
                yield eni, v.dst
            return
        for (vid, ip), eni in self.ix.eni_by_ip.items():
            if vid == vpc_id and (self.wanted(eni) or eni.id in self.ix.nat_of_eni):
                yield eni, ip

    def local(
        self, vpc_id: str, from_subnet: str | None, v: View, acl_egress: bool, st: _St
    ) -> list[Branch]:
        out: list[Branch] = []
        used: list[int] = []
        for eni, ip in self._destinations(vpc_id, v):
            used.append(ip)
            if st.excludes(v.dst, ip):
                continue
            at = replace(v, dst=ip)
            s = st.add(eq(v.dst, ip))
            if s.dead:
                continue
            if eni.subnet_id == from_subnet:
                out += self.to_eni(eni, at, from_subnet, s)
                continue
            out += self._acl_pair(eni, at, from_subnet, acl_egress, s)
        if isinstance(v.dst, str):
            unused = outside_set(v.dst, frozenset(self._vpc_ips(vpc_id)))
            if unused != FALSE:
                out += self._end(st.add(unused), Code.DESTINATION_ADDRESS_UNUSED.value, v)
        elif not used:
            out += self._end(st, Code.DESTINATION_ADDRESS_UNUSED.value, v)
        return out

    def _vpc_ips(self, vpc_id: str) -> list[int]:
        return [ip for (vid, ip) in self.ix.eni_by_ip if vid == vpc_id]

    def _acl_pair(
        self, eni: Eni, v: View, from_subnet: str | None, acl_egress: bool, st: _St
    ) -> list[Branch]:
        def inbound(s: _St) -> list[Branch]:
            return self._split(
                s,
                self.acl(eni.subnet_id, v, egress=False),
                self._acl_id(eni.subnet_id),
                Code.SUBNET_ACL_RESTRICTION,
                v,
                lambda s2: self.to_eni(eni, v, from_subnet, s2),
            )

        if acl_egress and from_subnet:
            return self._split(
                st,
                self.acl(from_subnet, v, egress=True),
                self._acl_id(from_subnet),
                Code.SUBNET_ACL_RESTRICTION,
                v,
                inbound,
            )
        return inbound(st)

    def to_eni(self, eni: Eni, v: View, from_subnet: str | None, st: _St) -> list[Branch]:
        nat = self.ix.nat_of_eni.get(eni.id)
        if nat is not None:
            return self.nat_at(nat, from_subnet, v, st)
        if not self.ix.eni_active(eni):
            return self._end(st.add(TRUE, eni.id), Code.INSTANCE_NOT_RUNNING.value, v)
        lb = self.ix.lb_of_eni.get(eni.id)

        def arrive(s: _St) -> list[Branch]:
            if lb is not None:
                return self.lb_at(eni, lb, s, v)
            return self._end(s.add(TRUE, eni.id), DELIVERED, v, eni.id)

        return self._split(
            st,
            self.sg(eni, v, ingress=True),
            ",".join(eni.group_ids) or eni.id,
            Code.ENI_SG_RULES_MISMATCH,
            v,
            arrive,
        )

    def lb_at(self, eni: Eni, lb: LoadBalancer, st: _St, v: View) -> list[Branch]:
        st = st.add(TRUE, lb.name)
        own = eni.private_ips[0]
        if self.reply:
            session = dict(st.sessions).get(eni.id)
            if session is None:
                return self._end(st, Code.LB_NO_LISTENER.value, v)
            client, client_port, listener_port = session
            back = View(src=own, dst=client, sport=listener_port, dport=client_port, proto=v.proto)
            return self.route(eni.subnet_id, back, True, st)
        out: list[Branch] = []
        matches = []
        for listener in lb.listeners:
            m = conj(
                one_of(v.proto, LISTENER_PROTOCOLS.get(listener.protocol, ())),
                eq(v.dport, listener.port),
            )
            matches.append(m)
            sessions = (
                *(x for x in st.sessions if x[0] != eni.id),
                (eni.id, (v.src, v.sport, v.dport)),
            )
            targets = self.ix.lb_targets(listener)
            if not targets:
                out += self._end(st.add(m), Code.LB_NO_TARGET.value, v)
            for target_id, ip, port in targets:
                s = replace(
                    st.add(m),
                    sessions=sessions,
                    choices=(*st.choices, (eni.id, target_id)),
                )
                if not s.dead:
                    fwd = replace(v, src=own, dst=ip, dport=port)
                    out += self.route(eni.subnet_id, fwd, True, s)
        out += self._end(st.add(neg(disj(*matches))), Code.LB_NO_LISTENER.value, v)
        return out

    def igw_out(self, igw_id: str, vpc_id: str, v: View, st: _St) -> list[Branch]:
        st = st.add(TRUE, igw_id)
        if vpc_id not in self.ix.igw_vpcs.get(igw_id, ()):
            return self._end(st, Code.IGW_NOT_ATTACHED.value, v)
        out: list[Branch] = []
        if isinstance(v.src, int):
            public_of = self.ix.private_to_public.get((vpc_id, v.src))
            pairs = [(v.src, public_of)] if public_of is not None else []
            no_public = FALSE if pairs else TRUE
        else:
            pairs = [
                (p, pub) for (vid, p), pub in self.ix.private_to_public.items() if vid == vpc_id
            ]
            no_public = outside_set(v.src, frozenset(p for p, _ in pairs))
        if no_public != FALSE:
            out += self._end(st.add(no_public), Code.IGW_NO_PUBLIC_IP.value, v)
        for private, public in pairs:
            s = st.add(eq(v.src, private))
            if s.dead:
                continue
            after = replace(v, src=public)
            away = outside_set(after.dst, self.routed)
            out += self._end(
                s.add(conj(internet_address(after.dst), away), INTERNET),
                DELIVERED,
                after,
                INTERNET,
            )
            out += self._end(
                s.add(conj(neg(internet_address(after.dst)), away), INTERNET),
                Code.NO_ROUTE_TO_DESTINATION.value,
                after,
            )
            # To a public address of the network itself: out and back in through an IGW.
            out += self._inbound(after, s.add(TRUE, INTERNET), lost=False)
        return out

    def from_internet(self, v: View, st: _St) -> list[Branch]:
        st = st.add(TRUE, INTERNET)
        # The network's own public addresses are no internet source; that exclusion is kept
        # out of the drop branch because it may only appear positively (see OutsideSet).
        return self._split(
            st,
            internet_address(v.src),
            INTERNET,
            Code.NOT_INTERNET_SOURCE,
            v,
            lambda s: self._inbound(v, s.add(outside_set(v.src, self.routed))),
        )

    def _inbound(self, v: View, st: _St, lost: bool = True) -> list[Branch]:
        out: list[Branch] = []
        candidates = self.ix.public.items()
        if isinstance(v.dst, int):
            target = self.ix.public.get(v.dst)
            candidates = {v.dst: target}.items() if target else {}.items()
        for public, (vpc_id, private) in candidates:
            if public not in self.routed:
                continue
            eni = self.ix.eni_by_ip.get((vpc_id, private))
            nat = eni is not None and eni.id in self.ix.nat_of_eni
            if isinstance(v.dst, str) and eni is not None and not nat and not self.wanted(eni):
                continue
            if st.excludes(v.dst, public):
                continue
            s = st.add(eq(v.dst, public), self.ix.igw_of_vpc[vpc_id])
            if s.dead:
                continue
            out += self.local(vpc_id, None, replace(v, dst=private), False, s)
        if lost:
            unrouted = outside_set(v.dst, self.routed)
            out += self._end(st.add(unrouted), Code.NO_ROUTE_TO_DESTINATION.value, v)
        return out

    def nat_in(self, nat_id: str, from_subnet: str, v: View, st: _St) -> list[Branch]:
        nat = self.ix.nats.get(nat_id)
        if nat is None or nat.private_ip is None:
            return self._end(st.add(TRUE, nat_id), Code.NAT_NOT_AVAILABLE.value, v)
        if nat.subnet_id == from_subnet:
            return self.nat_at(nat, from_subnet, v, st)
        return self._split(
            st,
            self.acl(nat.subnet_id, v, egress=False),
            self._acl_id(nat.subnet_id),
            Code.SUBNET_ACL_RESTRICTION,
            v,
            lambda s: self.nat_at(nat, from_subnet, v, s),
        )

    def nat_at(self, nat: NatGateway, from_subnet: str | None, v: View, st: _St) -> list[Branch]:
        st = st.add(TRUE, nat.id)
        if nat.state != "available" or nat.private_ip is None:
            return self._end(st, Code.NAT_NOT_AVAILABLE.value, v)
        private = nat.private_ip
        if v.dst == private:
            original = dict(st.sessions).get(nat.id)
            if not self.reply or original is None:
                return self._end(st, Code.NAT_INBOUND.value, v)
            back = replace(v, dst=original[0])
            return self.route(nat.subnet_id, back, True, st)
        if from_subnet == nat.subnet_id:
            return self._end(st, Code.NAT_SAME_SUBNET.value, v)
        out = replace(v, src=private)
        sessions = (*tuple(s for s in st.sessions if s[0] != nat.id), (nat.id, (v.src,)))
        return self._split(
            st,
            one_of(v.proto, (TCP, UDP, ICMP)),
            nat.id,
            Code.NAT_UNSUPPORTED_PROTOCOL,
            v,
            lambda s: self.route(nat.subnet_id, out, True, replace(s, sessions=sessions)),
        )

    def peering(self, pcx_id: str, vpc_id: str, v: View, st: _St) -> list[Branch]:
        st = st.add(TRUE, pcx_id)
        pcx = self.ix.peerings.get(pcx_id)
        if pcx is None or not pcx.active:
            return self._end(st, Code.PEERING_NOT_ACTIVE.value, v)
        sides = {
            pcx.requester_vpc_id: pcx.accepter_vpc_id,
            pcx.accepter_vpc_id: pcx.requester_vpc_id,
        }
        peer = self.ix.vpcs.get(sides.get(vpc_id, ""))
        inside = in_any(v.dst, peer.cidrs) if peer else FALSE
        return self._split(
            st,
            inside,
            pcx_id,
            Code.PEERING_NOT_TRANSITIVE,
            v,
            lambda s: self.local(peer.id, None, v, False, s) if peer else [],
        )

    def tgw_enter(self, tgw_id: str, subnet: Subnet, v: View, st: _St) -> list[Branch]:
        st = st.add(TRUE, tgw_id)
        att = next(
            (
                a
                for a in self.ix.net.tgw_attachments
                if a.tgw_id == tgw_id
                and a.resource_type == "vpc"
                and a.resource_id == subnet.vpc_id
                and a.available
            ),
            None,
        )
        if att is None:
            return self._end(st, Code.TGW_NOT_ATTACHED.value, v)
        azs = {self.ix.subnets[s].az for s in att.subnet_ids if s in self.ix.subnets}
        if subnet.az not in azs:
            return self._end(st.add(TRUE, att.id), Code.TGW_NO_ATTACHMENT_IN_AZ.value, v)
        entry = self.ix.attachment_subnet(att, subnet.az)
        return self._split(
            st,
            self.acl(entry, v, egress=False),
            self._acl_id(entry),
            Code.SUBNET_ACL_RESTRICTION,
            v,
            lambda s: self.tgw_route(att, v, s, subnet.az),
        )

    def tgw_route(self, att: TgwAttachment, v: View, st: _St, az: str) -> list[Branch]:
        table = self.ix.tgw_tables.get(att.route_table_id or "")
        if table is None:
            return self._end(st, Code.TGW_NO_ROUTE_TABLE.value, v)
        if len(st.components) > 64:
            return self._end(st, Code.LOOP.value, v)
        cidrs = [r.destination for r in table.routes]
        out: list[Branch] = []
        none = no_match(v.dst, cidrs)
        if none != FALSE:
            out += self._end(st.add(none, table.id), Code.NO_ROUTE_TO_DESTINATION.value, v)
        for i, route in enumerate(table.routes):
            s = st.add(longest_match(v.dst, cidrs, i), table.id)
            if s.dead:
                continue
            if route.blackhole or not route.attachment_ids:
                out += self._end(s, Code.BLACKHOLE_ROUTE.value, v)
                continue
            nxt = self.ix.attachments.get((att.tgw_id, route.attachment_ids[0]))
            if nxt is None:
                out += self._end(s, Code.TGW_NOT_ATTACHED.value, v)
            elif nxt.resource_type == "peering":
                other = self.ix.attachments.get((nxt.resource_id, nxt.id))
                if other is None:
                    out += self._end(s, Code.TGW_NOT_ATTACHED.value, v)
                else:
                    out += self.tgw_route(other, v, s.add(TRUE, nxt.id), az)
            elif nxt.resource_type != "vpc" or not nxt.subnet_ids:
                out += self._end(s, UNSUPPORTED, v)
            else:
                exit_subnet = self.ix.attachment_subnet(nxt, az)
                out += self.route(exit_subnet, v, True, s.add(TRUE, nxt.id))
        return out


def explore(ix: NetIndex, source: str, v: View, wanted: Callable[[Eni], bool]) -> list[Branch]:
    ex = _Explorer(ix, reply=False, wanted=wanted)
    if source == INTERNET:
        return ex.from_internet(v, _St())
    return ex.from_eni(ix.enis[source], v, _St())


def replies(ix: NetIndex, fwd: Branch, source: str) -> list[Branch]:
    """Every way the answer to `fwd` can go; arriving back at `source` is success."""
    ex = _Explorer(ix, reply=True, wanted=lambda e: True)
    back = fwd.view.reply()
    st = _St(components=fwd.components, sessions=fwd.sessions, choices=fwd.choices)
    st = st.add(conj(*fwd.preds))
    if fwd.delivered_to == INTERNET:
        return ex._inbound(back, st.add(TRUE, INTERNET))
    eni = ix.enis.get(fwd.delivered_to or "")
    if eni is None:
        # A gateway endpoint's service answers along the path the request came.
        return [Branch(fwd.preds, fwd.components, DELIVERED, back, source, fwd.sessions)]
    return ex.from_eni(eni, back, st)
