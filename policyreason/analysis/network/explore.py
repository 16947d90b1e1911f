"""The symbolic walk: every way a packet could go through the network, as branches.

A walk from a source follows every way a packet could go (each route that could be the longest
match, each filter verdict, each destination interface) and yields *branches*, each a
conjunction of header predicates with an ending: delivered, dropped with an explanation code,
or unknown (a component the export lacks or the model cannot decide). A branch also lists the
components on its way whose verdict is unknown and that it went past (appliances, firewalls
without their rules): a delivered branch with such `unknowns` proves nothing either way. It is
the symbolic twin of `simulate`: the same components, branching instead of deciding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from policyreason.analysis.network.branch import DELIVERED, UNKNOWN, Branch, State
from policyreason.analysis.network.gaps import (
    PASSES_UNCHANGED,
    appliance_unknown,
    bgp_assumption,
    bgp_unknown,
    client_ip_default,
    firewall_unknown,
    gwlb_unknown,
    missing_acl,
    missing_instance,
    no_connection,
    no_route_table,
    not_in_export,
    onprem_assumption,
    sg_unknown,
    undeclared_onprem,
    unmodelled_target,
    unresolved_prefix_list,
)
from policyreason.analysis.network.index import NetIndex
from policyreason.analysis.network.rules import LISTENER_PROTOCOLS
from policyreason.analysis.network.trace import INTERNET, ONPREM, Code, Unknown, onprem_id
from policyreason.ir.cidr import V4_SPACE, Cidr
from policyreason.ir.network import (
    ICMP,
    ICMP_PROTOCOLS,
    ICMP_REPLIES,
    MIDDLEBOX_TARGETS,
    TCP,
    UDP,
    Eni,
    LoadBalancer,
    NatGateway,
    Route,
    RouteTable,
    Subnet,
    TargetKind,
    TgwAttachment,
    firewall_program,
)
from policyreason.smt.encode_network import (
    FALSE,
    TRUE,
    Field,
    Pred,
    View,
    acl_allows,
    conj,
    disj,
    eq,
    firewall_verdict,
    in_any,
    in_cidr,
    in_set,
    internet_address,
    internet_parts,
    is_v4_address,
    longest_match,
    neg,
    no_match,
    one_of,
    outside_set,
    sg_rule,
)

MAX_COMPONENTS = 64


Then = Callable[["State"], list[Branch]]
# Branches from the internet that entered by one interface's address (its id), or by none of
# an interface of its own (None: a NAT gateway's address, or no address at all).
Entered = tuple[str | None, list[Branch]]


class _Explorer:
    """The symbolic twin of `simulate`: the same components, branching instead of deciding."""

    def __init__(self, ix: NetIndex, reply: bool, wanted: Callable[[Eni], bool]) -> None:
        self.ix = ix
        self.reply = reply
        self.wanted = wanted
        self.gateways_in = ix.gateways_in(reply)

    # -- endings and splits -------------------------------------------------------------------

    def _end(self, st: State, end: str, v: View, to: str | None = None) -> list[Branch]:
        if st.dead:
            return []
        return [
            Branch(
                st.preds,
                st.components,
                end,
                v,
                to,
                st.sessions,
                st.choices,
                st.returns,
                st.unknowns,
                st.assumptions,
            )
        ]

    def _unknown(self, st: State, v: View, u: Unknown) -> list[Branch]:
        return self._end(st.add(TRUE, u.component).past(u), UNKNOWN, v)

    def _through(self, st: State, u: Unknown) -> State:
        """Past a middlebox whose verdict is unknown, as if it let the packet through."""
        return st.past(u).assuming(PASSES_UNCHANGED)

    def _running(self, eni: Eni, st: State) -> State:
        return st.assuming(missing_instance(eni)) if self.ix.instance_missing(eni) else st

    def _split(
        self, st: State, ok: Pred, component: str, code: Code, v: View, then: Then
    ) -> list[Branch]:
        out: list[Branch] = []
        ok = st.fold(ok)
        bad = neg(ok)
        if bad != FALSE:
            out += self._end(st.add(bad, component), code.value, v)
        passed = st.add(ok, component)
        if not passed.dead:
            out += then(passed)
        return out

    def _split3(
        self,
        st: State,
        ok: Pred,
        maybe: Pred,
        component: str,
        code: Code,
        v: View,
        then: Then,
        u: Unknown,
    ) -> list[Branch]:
        """Like `_split`, for a filter that may also neither pass nor drop: packets it `maybe`
        passes (and does not surely pass) end unknown at `u`."""
        ok, maybe = st.fold(ok), st.fold(maybe)
        if maybe == FALSE:
            return self._split(st, ok, component, code, v, then)
        out: list[Branch] = []
        rest = st.add(neg(ok))
        out += self._end(rest.add(neg(maybe), component), code.value, v)
        out += self._unknown(rest.add(maybe), v, u)
        passed = st.add(ok, component)
        if not passed.dead:
            out += then(passed)
        return out

    # -- filters ------------------------------------------------------------------------------

    def sg(self, eni: Eni, v: View, ingress: bool, st: State, then: Then) -> list[Branch]:
        """Security groups of `eni`: a reply on a connection the interface saw passes; a
        forward packet that passes is a connection the interface has seen."""
        if not eni.group_ids:
            return then(st)
        flow = f"sg:{eni.id}"
        if self.reply and st.session(flow) is not None:
            return then(st)
        ok, maybe = [], []
        missing = False
        for gid in eni.group_ids:
            sg = self.ix.sgs.get(gid)
            if sg is None:
                missing = True
                continue
            for rule in sg.ingress if ingress else sg.egress:
                sure, may = sg_rule(v, rule, ingress, self._group_ips, self._prefix_list)
                ok.append(sure)
                maybe.append(may)
        may = TRUE if missing else disj(*maybe)

        def passed(s: State) -> list[Branch]:
            return then(s if self.reply else s.with_session(flow))

        label = ",".join(eni.group_ids)
        return self._split3(
            st, disj(*ok), may, label, Code.ENI_SG_RULES_MISMATCH, v, passed, sg_unknown(eni)
        )

    def _group_ips(self, gid: str) -> tuple[int, ...] | None:
        if not self.ix.group_known(gid):
            return None
        return self.ix.group_ips.get(gid, ())

    def _prefix_list(self, pid: str) -> tuple[Cidr, ...] | None:
        return self.ix.prefix_lists.get(pid)

    def acl(self, subnet_id: str, v: View, egress: bool, st: State, then: Then) -> list[Branch]:
        acl = self.ix.acl_of_subnet.get(subnet_id)
        if acl is None:
            return then(st.assuming(missing_acl(subnet_id)))
        ok = acl_allows(v, acl, egress)
        return self._split(st, ok, acl.id, Code.SUBNET_ACL_RESTRICTION, v, then)

    def cross(
        self,
        from_subnet: str | None,
        to_subnet: str,
        v: View,
        acl_egress: bool,
        st: State,
        then: Then,
    ) -> list[Branch]:
        """Leave `from_subnet` and enter `to_subnet`: their ACLs apply unless they are one."""
        if from_subnet == to_subnet:
            return then(st)

        def enter(s: State) -> list[Branch]:
            return self.acl(to_subnet, v, False, s, then)

        if acl_egress and from_subnet:
            return self.acl(from_subnet, v, True, st, enter)
        return enter(st)

    # -- positions ----------------------------------------------------------------------------

    def from_eni(self, eni: Eni, v: View, st: State) -> list[Branch]:
        st = self._running(eni, st.add(TRUE, eni.id))
        if not self.ix.eni_active(eni):
            return self._end(st, Code.INSTANCE_NOT_RUNNING.value, v)
        own = in_set(v.src, eni.private_ips)
        if own == FALSE:
            return self._end(st, Code.SOURCE_ADDRESS_MISMATCH.value, v)
        st = st.add(own)

        def leave(s: State) -> list[Branch]:
            lb_eni = dict(s.returns).get(eni.id) if self.reply else None
            if lb_eni is not None:
                lb_side = self.ix.enis[lb_eni]
                return self.cross(
                    eni.subnet_id,
                    lb_side.subnet_id,
                    v,
                    True,
                    s,
                    lambda s2: self.to_eni(lb_side, v, eni.subnet_id, s2),
                )
            return self.route(eni.subnet_id, v, True, s)

        return self.sg(eni, v, False, st, leave)

    def route(self, subnet_id: str, v: View, acl_egress: bool, st: State) -> list[Branch]:
        if len(st.components) > MAX_COMPONENTS:
            return self._end(st, Code.LOOP.value, v)
        subnet = self.ix.subnets.get(subnet_id)
        if subnet is None:
            return self._unknown(st, v, Unknown(subnet_id, "the subnet is not in the export"))
        table = self.ix.route_table(subnet_id)
        if table is None:
            return self._unknown(st, v, no_route_table(subnet_id))
        return self.forward(table, subnet, v, acl_egress, st)

    def forward(
        self, table: RouteTable, subnet: Subnet | None, v: View, acl_egress: bool, st: State
    ) -> list[Branch]:
        """Route by `table`: a subnet's table, or a gateway's edge table (no subnet)."""
        entries = self.ix.route_entries(table)
        cidrs = [c for c, _ in entries]
        # Among equal prefixes the local route wins, as in `simulate.lpm`.
        order = sorted(
            range(len(entries)), key=lambda i: entries[i][1].target_kind is not TargetKind.LOCAL
        )
        ranked = [cidrs[i] for i in order]
        unresolved = self.ix.unresolved_prefix_lists(table)
        out: list[Branch] = []
        none = no_match(v.dst, cidrs)
        if none != FALSE:
            s = st.add(none, table.id)
            if unresolved:
                out += self._unknown(s, v, unresolved_prefix_list(table.id, unresolved[0]))
            else:
                out += self._end(s, Code.NO_ROUTE_TO_DESTINATION.value, v)
        for pos, i in enumerate(order):
            taken = st.add(longest_match(v.dst, ranked, pos), table.id)
            if taken.dead:
                continue
            route = entries[i][1]
            if unresolved and route.target_kind is not TargetKind.LOCAL:
                out += self._unknown(taken, v, unresolved_prefix_list(table.id, unresolved[0]))
            else:
                out += self.take(table, subnet, route, v, acl_egress, taken)
        return out

    def take(
        self,
        table: RouteTable,
        subnet: Subnet | None,
        route: Route,
        v: View,
        acl_egress: bool,
        st: State,
    ) -> list[Branch]:
        vpc_id = table.vpc_id
        subnet_id = subnet.id if subnet is not None else None
        kind = route.target_kind
        if route.blackhole:
            return self._end(st, Code.BLACKHOLE_ROUTE.value, v)
        if kind is TargetKind.LOCAL:
            return self.local(vpc_id, subnet_id, v, acl_egress, st)
        if kind is TargetKind.OTHER:
            return self._unknown(st, v, unmodelled_target(route.target_id))
        if kind in MIDDLEBOX_TARGETS:
            return self.appliance(route, subnet_id, v, acl_egress, st)
        endpoint = self.ix.endpoints.get(route.target_id)
        if kind is TargetKind.VPC_ENDPOINT and endpoint is None:
            if route.target_id in self.ix.firewall_of_endpoint:
                return self.firewall(route.target_id, subnet_id, v, acl_egress, st)
            return self._unknown(st, v, not_in_export(route.target_id))
        if endpoint is not None and endpoint.endpoint_type == "gatewayloadbalancer":
            return self.gwlb_endpoint(route.target_id, subnet_id, v, acl_egress, st)

        def gateway(s: State) -> list[Branch]:
            if kind is TargetKind.INTERNET_GATEWAY:
                return self.igw_out(route.target_id, vpc_id, v, s)
            if kind is TargetKind.EGRESS_ONLY_INTERNET_GATEWAY:
                return self.eigw_out(route.target_id, vpc_id, v, s)
            if kind is TargetKind.NAT_GATEWAY:
                return self.nat_in(route.target_id, subnet_id, v, s)
            if kind is TargetKind.VPC_PEERING:
                return self.peering(route.target_id, vpc_id, v, s)
            if kind is TargetKind.TRANSIT_GATEWAY:
                if subnet is None:
                    return self._unknown(s, v, unmodelled_target(route.target_id))
                return self.tgw_enter(route.target_id, subnet, v, s)
            if kind is TargetKind.VPN_GATEWAY:
                return self.vgw_out(route.target_id, vpc_id, v, s)
            return self._end(s.add(TRUE, route.target_id), DELIVERED, v, route.target_id)

        if acl_egress and subnet_id is not None:
            return self.acl(subnet_id, v, True, st, gateway)
        return gateway(st)

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
        self, vpc_id: str, from_subnet: str | None, v: View, acl_egress: bool, st: State
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
            out += self.cross(
                from_subnet, eni.subnet_id, at, acl_egress, s, self._to(eni, at, from_subnet)
            )
        if isinstance(v.dst, str):
            unused = outside_set(v.dst, frozenset(self.ix.vpc_ips(vpc_id)))
            if unused != FALSE:
                out += self._end(st.add(unused), Code.DESTINATION_ADDRESS_UNUSED.value, v)
        elif not used:
            out += self._end(st, Code.DESTINATION_ADDRESS_UNUSED.value, v)
        return out

    def _to(self, eni: Eni, v: View, from_subnet: str | None) -> Then:
        return lambda s: self.to_eni(eni, v, from_subnet, s)

    def to_eni(self, eni: Eni, v: View, from_subnet: str | None, st: State) -> list[Branch]:
        nat = self.ix.nat_of_eni.get(eni.id)
        if nat is not None:
            return self.nat_at(nat, from_subnet, v, st)
        st = self._running(eni, st)
        if not self.ix.eni_active(eni):
            return self._end(st.add(TRUE, eni.id), Code.INSTANCE_NOT_RUNNING.value, v)
        lb = self.ix.lb_of_eni.get(eni.id)

        def arrive(s: State) -> list[Branch]:
            if lb is not None:
                return self.lb_at(eni, lb, s, v)
            return self._end(s.add(TRUE, eni.id), DELIVERED, v, eni.id)

        return self.sg(eni, v, True, st, arrive)

    def lb_at(self, eni: Eni, lb: LoadBalancer, st: State, v: View) -> list[Branch]:
        st = st.add(TRUE, lb.name)
        own = eni.private_ips[0]
        if self.reply:
            session = st.session(eni.id)
            if session is None:
                return self._end(st, Code.LB_NO_LISTENER.value, v)
            client, client_port, listener_port = session
            back = replace(v, src=own, dst=client, sport=listener_port, dport=client_port)
            return self.route(eni.subnet_id, back, True, st)
        out: list[Branch] = []
        matches = []
        for listener in lb.listeners:
            m = conj(
                one_of(v.proto, LISTENER_PROTOCOLS.get(listener.protocol, ())),
                eq(v.dport, listener.port),
            )
            matches.append(m)
            targets = self.ix.lb_targets(listener)
            if not targets:
                out += self._end(st.add(m), Code.LB_NO_TARGET.value, v)
            for target_id, ip, port, group in targets:
                s = st.add(m).with_session(eni.id, (v.src, v.sport, v.dport))
                s = replace(s, choices=(*s.choices, (eni.id, target_id)))
                if s.dead:
                    continue
                keep = self.ix.preserves_client_ip(lb, group)
                if lb.lb_type == "network" and group.preserve_client_ip is None:
                    s = s.assuming(client_ip_default(group.name or group.arn, keep))
                if keep:
                    target_eni = self.ix.eni_by_ip.get((eni.vpc_id, ip))
                    if target_eni is not None:
                        s = s.with_return(target_eni.id, eni.id)
                fwd = replace(v, src=v.src if keep else own, dst=ip, dport=port)
                out += self.route(eni.subnet_id, fwd, True, s)
        out += self._end(st.add(neg(disj(*matches))), Code.LB_NO_LISTENER.value, v)
        return out

    def appliance(
        self, route: Route, from_subnet: str | None, v: View, acl_egress: bool, st: State
    ) -> list[Branch]:
        eni = self.ix.enis.get(route.target_id)
        if route.target_kind is TargetKind.INSTANCE:
            eni = self.ix.eni_of_instance.get(route.target_id)
        if eni is None:
            return self._unknown(st, v, not_in_export(route.target_id))
        machine = eni

        def forwarded(s: State) -> list[Branch]:
            return self.route(machine.subnet_id, v, True, s)

        def inside(s: State) -> list[Branch]:
            out: list[Branch] = []
            own = in_set(v.dst, machine.private_ips)
            if own != FALSE:
                out += self._end(s.add(own, machine.id), DELIVERED, v, machine.id)
            other = s.add(neg(own), machine.id)
            if other.dead:
                return out
            if machine.source_dest_check:
                return out + self._end(other, Code.SOURCE_DEST_CHECK.value, v)
            other = self._through(other, appliance_unknown(machine))
            return out + self.sg(machine, v, False, other, forwarded)

        def arrive(s: State) -> list[Branch]:
            s = self._running(machine, s)
            if not self.ix.eni_active(machine):
                return self._end(s.add(TRUE, machine.id), Code.INSTANCE_NOT_RUNNING.value, v)
            return self.sg(machine, v, True, s, inside)

        return self.cross(from_subnet, machine.subnet_id, v, acl_egress, st, arrive)

    def gwlb_endpoint(
        self, endpoint_id: str, from_subnet: str | None, v: View, acl_egress: bool, st: State
    ) -> list[Branch]:
        endpoint = self.ix.endpoints[endpoint_id]
        if not endpoint.subnet_ids:
            return self._unknown(st, v, Unknown(endpoint_id, "the export does not say its subnet"))
        subnet_id = endpoint.subnet_ids[0]

        def inspected(s: State) -> list[Branch]:
            s = self._through(s.add(TRUE, endpoint_id), gwlb_unknown(self.ix, endpoint_id))
            return self.route(subnet_id, v, True, s)

        return self.cross(from_subnet, subnet_id, v, acl_egress, st, inspected)

    def firewall(
        self, endpoint_id: str, from_subnet: str | None, v: View, acl_egress: bool, st: State
    ) -> list[Branch]:
        fw, subnet_id = self.ix.firewall_of_endpoint[endpoint_id]
        prog = firewall_program(self.ix.policies.get(fw.policy_arn), self.ix.rule_groups)
        flow = f"fw:{fw.name}"

        def judged(s: State) -> list[Branch]:
            established = self.reply and s.session(flow) is not None
            ok, unknown = firewall_verdict(v, prog, established)
            ok, unknown = s.fold(ok), s.fold(unknown)
            out: list[Branch] = []
            drop = conj(neg(ok), neg(unknown))
            if drop != FALSE:
                out += self._end(s.add(drop, fw.name), Code.FIREWALL_RULE.value, v)
            on = s if self.reply else s.with_session(flow)
            if unknown != FALSE:
                undecided = on.add(conj(neg(ok), unknown), fw.name)
                past = self._through(undecided, firewall_unknown(fw.name, prog))
                if not past.dead:
                    out += self.route(subnet_id, v, True, past)
            passed = on.add(ok, fw.name)
            if not passed.dead:
                out += self.route(subnet_id, v, True, passed)
            return out

        return self.cross(from_subnet, subnet_id, v, acl_egress, st, judged)

    def igw_out(self, igw_id: str, vpc_id: str, v: View, st: State) -> list[Branch]:
        if igw_id not in self.ix.igw_vpcs:
            return self._unknown(st, v, not_in_export(igw_id))
        st = st.add(TRUE, igw_id)
        if vpc_id not in self.ix.igw_vpcs[igw_id]:
            return self._end(st, Code.IGW_NOT_ATTACHED.value, v)
        out: list[Branch] = []
        v6 = st.add(neg(is_v4_address(v.src)))
        if not v6.dead:
            out += self.to_internet(v, v6)
        st = st.add(is_v4_address(v.src))
        if st.dead:
            return out
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
            if not s.dead:
                out += self.to_internet(replace(v, src=public), s)
        return out

    def eigw_out(self, eigw_id: str, vpc_id: str, v: View, st: State) -> list[Branch]:
        if eigw_id not in self.ix.igw_vpcs:
            return self._unknown(st, v, not_in_export(eigw_id))
        st = st.add(TRUE, eigw_id)
        if vpc_id not in self.ix.igw_vpcs[eigw_id]:
            return self._end(st, Code.IGW_NOT_ATTACHED.value, v)
        out = self._end(st.add(is_v4_address(v.src)), Code.EGRESS_ONLY_IGW.value, v)
        v6 = st.add(neg(is_v4_address(v.src))).with_session(f"eigw:{eigw_id}")
        if not v6.dead:
            out += self.to_internet(v, v6)
        return out

    def to_internet(self, v: View, st: State) -> list[Branch]:
        out: list[Branch] = []
        away = beyond(self.ix, v.dst)
        internet = st.fold(internet_address(v.dst))
        out += self._end(st.add(conj(internet, away), INTERNET), DELIVERED, v, INTERNET)
        out += self._end(
            st.add(conj(neg(internet), away), INTERNET), Code.NO_ROUTE_TO_DESTINATION.value, v
        )
        # To a public address of the network itself: out and back in through an IGW.
        out += self.inbound(v, st.add(TRUE, INTERNET), lost=False)
        return out

    def from_internet(self, v: View, st: State) -> list[Branch]:
        return [b for _, part in self.from_internet_by_entry(v, st) for b in part]

    def from_internet_by_entry(self, v: View, st: State) -> list[Entered]:
        """`from_internet` in walk order, in parts by the interface each enters (see
        `explore_internet`)."""
        st = st.add(TRUE, INTERNET)
        parts = [st.fold(p) for p in internet_parts(v.src)]
        drop = self._end(st.add(neg(disj(*parts))), Code.NOT_INTERNET_SOURCE.value, v)
        out: list[Entered] = [(None, drop)]
        # One walk per address family, so that each knows its source's prefixes. The
        # network's own addresses are no internet source; that exclusion is kept out of the
        # drop branch because it may only appear positively (see OutsideSet).
        for part in parts:
            s = st.add(part)
            if not s.dead:
                out += self._inbound(v, s.add(beyond(self.ix, v.src)))
        return out

    def inbound(self, v: View, st: State, lost: bool = True) -> list[Branch]:
        return [b for _, part in self._inbound(v, st, lost) for b in part]

    def _inbound(self, v: View, st: State, lost: bool = True) -> list[Entered]:
        out: list[Entered] = []
        targets = self.gateways_in
        if isinstance(v.dst, int):
            candidates = [(v.dst, targets[v.dst])] if v.dst in targets else []
        else:
            # Most addresses are ruled out already (an answer to an internet client is not
            # for the network's own addresses): drop those before anything dearer.
            candidates = self.ix.gateways_outside(self.reply, st.avoid_sets(v.dst))
        for address, (vpc_id, inner, gateway) in candidates:
            eni = self.ix.eni_by_ip.get((vpc_id, inner))
            nat = eni is not None and eni.id in self.ix.nat_of_eni
            if isinstance(v.dst, str) and eni is not None and not nat and not self.wanted(eni):
                continue
            if st.excludes(v.dst, address):
                continue
            s = st.add(eq(v.dst, address), gateway)
            answered = s.session(f"eigw:{gateway}") is not None
            if gateway in self.ix.eigw_of_vpc.values() and not answered:
                continue
            if not s.dead:
                entered = None if eni is None or nat else eni.id
                out.append((entered, self.enter(gateway, vpc_id, replace(v, dst=inner), s)))
        missing = self._behind_missing_igw(v)
        for address, igw in missing.items():
            if not st.excludes(v.dst, address):
                out.append((None, self._unknown(st.add(eq(v.dst, address)), v, not_in_export(igw))))
        if lost:
            unrouted = outside_set(v.dst, frozenset(targets) | frozenset(missing))
            out.append((None, self._end(st.add(unrouted), Code.NO_ROUTE_TO_DESTINATION.value, v)))
        return out

    def _behind_missing_igw(self, v: View) -> dict[int, str]:
        """Addresses the internet may reach through a gateway the export names but lacks."""
        if not self.ix.missing_igw:
            return {}
        if isinstance(v.dst, str):
            return self.ix.behind_missing_igws
        igw = self.ix.behind_missing_igw(v.dst)
        return {} if igw is None else {v.dst: igw}

    def enter(self, gateway_id: str, vpc_id: str, v: View, st: State) -> list[Branch]:
        table = self.ix.edge_table.get(gateway_id)
        if table is None:
            return self.local(vpc_id, None, v, False, st)
        return self.forward(table, None, v, False, st)

    def nat_in(self, nat_id: str, from_subnet: str | None, v: View, st: State) -> list[Branch]:
        nat = self.ix.nats.get(nat_id)
        if nat is None or nat.private_ip is None:
            return self._unknown(st, v, not_in_export(nat_id))
        if nat.subnet_id == from_subnet:
            return self.nat_at(nat, from_subnet, v, st)
        return self.acl(nat.subnet_id, v, False, st, lambda s: self.nat_at(nat, from_subnet, v, s))

    def nat_at(self, nat: NatGateway, from_subnet: str | None, v: View, st: State) -> list[Branch]:
        st = st.add(TRUE, nat.id)
        if nat.state != "available" or nat.private_ip is None:
            return self._end(st, Code.NAT_NOT_AVAILABLE.value, v)
        out = self._unknown(
            st.add(neg(is_v4_address(v.src))),
            v,
            Unknown(nat.id, "NAT64 (IPv6 to IPv4) is not modelled"),
        )
        st = st.add(is_v4_address(v.src))
        if st.dead:
            return out
        private = nat.private_ip
        if v.dst == private:
            original = st.session(nat.id)
            if not self.reply or original is None:
                return out + self._end(st, Code.NAT_INBOUND.value, v)
            back = replace(v, dst=original[0])
            return out + self.route(nat.subnet_id, back, True, st)
        if from_subnet == nat.subnet_id:
            return out + self._end(st, Code.NAT_SAME_SUBNET.value, v)
        translated = replace(v, src=private)
        return out + self._split(
            st,
            one_of(v.proto, (TCP, UDP, ICMP)),
            nat.id,
            Code.NAT_UNSUPPORTED_PROTOCOL,
            v,
            lambda s: self.route(nat.subnet_id, translated, True, s.with_session(nat.id, (v.src,))),
        )

    def peering(self, pcx_id: str, vpc_id: str, v: View, st: State) -> list[Branch]:
        pcx = self.ix.peerings.get(pcx_id)
        if pcx is None:
            return self._unknown(st, v, not_in_export(pcx_id))
        st = st.add(TRUE, pcx_id)
        if not pcx.active:
            return self._end(st, Code.PEERING_NOT_ACTIVE.value, v)
        peer = self.ix.peer_vpc(pcx, vpc_id)
        if peer is None:
            return self._unknown(st, v, Unknown(pcx_id, "its peer VPC is not in the export"))
        return self._split(
            st,
            in_any(v.dst, peer.cidrs),
            pcx_id,
            Code.PEERING_NOT_TRANSITIVE,
            v,
            lambda s: self.local(peer.id, None, v, False, s),
        )

    def tgw_enter(self, tgw_id: str, subnet: Subnet, v: View, st: State) -> list[Branch]:
        if tgw_id not in self.ix.tgw_ids:
            return self._unknown(st, v, not_in_export(tgw_id))
        st = st.add(TRUE, tgw_id)
        att = self.ix.vpc_attachment(tgw_id, subnet.vpc_id)
        if att is None:
            return self._end(st, Code.TGW_NOT_ATTACHED.value, v)
        if subnet.az not in self.ix.attachment_azs(att):
            return self._end(st.add(TRUE, att.id), Code.TGW_NO_ATTACHMENT_IN_AZ.value, v)
        entry = self.ix.attachment_subnet(att, subnet.az)
        return self.acl(entry, v, False, st, lambda s: self.tgw_route(att, v, s, subnet.az))

    def tgw_route(self, att: TgwAttachment, v: View, st: State, az: str) -> list[Branch]:
        if att.route_table_id is None:
            return self._end(st, Code.TGW_NO_ROUTE_TABLE.value, v)
        table = self.ix.tgw_tables.get(att.route_table_id)
        if table is None:
            return self._unknown(st, v, not_in_export(att.route_table_id))
        if len(st.components) > MAX_COMPONENTS:
            return self._end(st, Code.LOOP.value, v)
        learned = self.ix.bgp_propagations(table)
        if learned:
            if self.ix.onprem:
                st = st.assuming(onprem_assumption(self.ix))
            else:
                st = st.assuming(bgp_assumption(table.id, learned))
        routes = self.ix.tgw_routes(table)
        cidrs = [r.destination for r in routes]
        out: list[Branch] = []
        none = no_match(v.dst, cidrs)
        if none != FALSE:
            s = st.add(none, table.id)
            if learned and not self.ix.onprem:
                out += self._unknown(s, v, bgp_unknown(table.id, learned))
            else:
                out += self._end(s, Code.NO_ROUTE_TO_DESTINATION.value, v)
        for i, route in enumerate(routes):
            s = st.add(longest_match(v.dst, cidrs, i), table.id)
            if s.dead:
                continue
            if route.blackhole or not route.attachment_ids:
                out += self._end(s, Code.BLACKHOLE_ROUTE.value, v)
                continue
            nxt = self.ix.attachments.get((att.tgw_id, route.attachment_ids[0]))
            if nxt is None:
                out += self._unknown(s, v, not_in_export(route.attachment_ids[0]))
            elif nxt.resource_type == "peering":
                other = self.ix.attachments.get((nxt.resource_id, nxt.id))
                if other is None:
                    out += self._unknown(s, v, not_in_export(f"{nxt.resource_id}/{nxt.id}"))
                else:
                    out += self.tgw_route(other, v, s.add(TRUE, nxt.id), az)
            elif self.ix.onprem_attachment(nxt.id) is not None:
                out += self.onprem_exit(nxt.id, v, s.add(TRUE, nxt.id))
            elif nxt.resource_type != "vpc" or not nxt.subnet_ids:
                u = Unknown(nxt.id, f"{nxt.resource_type} attachments are not modelled")
                out += self._unknown(s, v, u)
            else:
                exit_subnet = self.ix.attachment_subnet(nxt, az)
                out += self.route(exit_subnet, v, True, s.add(TRUE, nxt.id))
        return out

    def vgw_out(self, vgw_id: str, vpc_id: str, v: View, st: State) -> list[Branch]:
        vgw = self.ix.vgws.get(vgw_id)
        if vgw is None:
            return self._unknown(st, v, not_in_export(vgw_id))
        st = st.add(TRUE, vgw_id)
        if vpc_id not in vgw.vpc_ids or not vgw.available:
            return self._end(st, Code.VGW_NOT_ATTACHED.value, v)
        if not self.ix.vgw_connected(vgw):
            return self._unknown(st, v, no_connection(vgw_id))
        return self.onprem_exit(vgw_id, v, st)

    def onprem_exit(self, entry: str, v: View, st: State) -> list[Branch]:
        if not self.ix.onprem:
            return self._unknown(st, v, undeclared_onprem(entry))
        st = st.assuming(onprem_assumption(self.ix))
        out: list[Branch] = []
        earlier: list[Cidr] = []
        for site in self.ix.onprem:
            inside = conj(in_cidr(v.dst, site.cidr), *(neg(in_cidr(v.dst, c)) for c in earlier))
            earlier.append(site.cidr)
            s = st.add(inside, onprem_id(site.name)).with_return(onprem_id(site.name), entry)
            out += self._end(s, DELIVERED, v, onprem_id(site.name))
        rest = conj(*(neg(in_cidr(v.dst, c)) for c in earlier))
        out += self._end(st.add(rest), Code.NO_ROUTE_TO_DESTINATION.value, v)
        return out

    def from_onprem(self, name: str, v: View, entry: str, st: State) -> list[Branch]:
        st = st.add(TRUE, onprem_id(name)).assuming(onprem_assumption(self.ix))
        site = [d.cidr for d in self.ix.onprem if d.name == name]
        return self._split(
            st,
            in_any(v.src, site),
            onprem_id(name),
            Code.SOURCE_ADDRESS_MISMATCH,
            v,
            lambda s: self._arrive_from_onprem(name, v, entry, s),
        )

    def _arrive_from_onprem(self, name: str, v: View, entry: str, st: State) -> list[Branch]:
        if not entry:
            u = Unknown(onprem_id(name), "no VPN or Direct Connect connection leads there")
            return self._unknown(st, v, u)
        vgw = self.ix.vgws.get(entry)
        if vgw is not None and vgw.vpc_ids:
            return self.enter(entry, vgw.vpc_ids[0], v, st.add(TRUE, entry))
        att = self.ix.onprem_attachment(entry)
        if att is None:
            return self._unknown(st, v, not_in_export(entry))
        return self.tgw_route(att, v, st.add(TRUE, att.id), "")


def beyond(ix: NetIndex, f: Field) -> Pred:
    """`f` is not the network's own (`NetIndex.owns`): outside its routed addresses, which
    the solver learns one by one (see OutsideSet), and outside its VPCs' IPv6 blocks, which it
    is told at once. For use in positive positions only."""
    return conj(outside_set(f, ix.routed), *(neg(in_cidr(f, c)) for c in ix.own_v6))


def _start(ix: NetIndex, seed: Pred) -> State:
    """The state a walk starts in: the seed constraint, and (in a network without IPv6)
    IPv4 addresses, so that IPv4 prefix tests that hold for every IPv4 address fold away."""
    st = State()
    if not ix.has_v6:
        st = st.add(conj(in_cidr("src", V4_SPACE), in_cidr("dst", V4_SPACE)))
    return st.add(seed)


def explore(
    ix: NetIndex,
    source: str,
    v: View,
    wanted: Callable[[Eni], bool],
    seed: Pred = TRUE,
    choices: tuple[tuple[str, str], ...] = (),
) -> list[Branch]:
    """Every way a packet from `source` (an interface, the internet, or "onprem:NAME" arriving
    over the connection `choices` names) can go, under `seed`."""
    ex = _Explorer(ix, reply=False, wanted=wanted)
    st = replace(_start(ix, seed), choices=choices)
    if source == INTERNET:
        return ex.from_internet(v, st)
    if source.startswith(ONPREM):
        return ex.from_onprem(source.removeprefix(ONPREM), v, dict(choices).get(source, ""), st)
    return ex.from_eni(ix.enis[source], v, st)


def explore_internet(ix: NetIndex, wanted: Callable[[Eni], bool]) -> list[Entered]:
    """`explore` from the internet, in walk order, in parts by the interface whose address
    each entered by. The walk towards one interface among those `wanted` is its own parts with
    the unlabelled ones and those of the other wanted interfaces it wants: one walk answers for
    many interfaces (nothing after entering depends on `wanted`)."""
    ex = _Explorer(ix, reply=False, wanted=wanted)
    return ex.from_internet_by_entry(View(), _start(ix, TRUE))


def _reply_views(ix: NetIndex, v: View, st: State) -> list[tuple[State, View | None]]:
    """The answer's header under each assumption about the ICMP type: non-ICMP packets and
    ICMP requests are answered (an echo request by an echo reply); other ICMP messages expect
    no answer (None). The answer's type matters only to rules that name ICMP types."""
    icmp = one_of(v.proto, ICMP_PROTOCOLS)
    requests = [(p, t) for p, t in ICMP_REPLIES]
    is_request = disj(*(conj(eq(v.proto, p), eq(v.itype, t)) for p, t in requests))
    # Answered packets first: the first witness found is then a real round trip.
    out: list[tuple[State, View | None]] = []
    if not ix.typed_icmp:
        out.append((st.add(disj(neg(icmp), is_request)), v.reply()))
    else:
        out.append((st.add(neg(icmp)), v.reply()))
        for (proto, kind), answer in ICMP_REPLIES.items():
            view = v.reply(itype=answer)
            out.append((st.add(conj(eq(v.proto, proto), eq(v.itype, kind))), view))
    out.append((st.add(conj(icmp, neg(is_request))), None))
    return out


def replies(ix: NetIndex, fwd: Branch, source: str) -> list[Branch]:
    """Every way the answer to `fwd` can go; arriving back at `source` is success."""
    ex = _Explorer(ix, reply=True, wanted=lambda e: True)
    st = replace(
        _start(ix, conj(*fwd.preds)),
        components=fwd.components,
        sessions=fwd.sessions,
        choices=fwd.choices,
        returns=fwd.returns,
        unknowns=fwd.unknowns,
        assumptions=fwd.assumptions,
    )
    out: list[Branch] = []
    for s, back in _reply_views(ix, fwd.view, st):
        if s.dead:
            continue
        if back is None:
            out += ex._end(s, DELIVERED, fwd.view, source)
        else:
            out += _answer(ix, ex, fwd, back, s)
    return out


def _answer(ix: NetIndex, ex: _Explorer, fwd: Branch, back: View, st: State) -> list[Branch]:
    """The answer sent back from where `fwd` arrived."""
    to = fwd.delivered_to or ""
    if to == INTERNET:
        return ex.inbound(back, st.add(TRUE, INTERNET))
    if to.startswith(ONPREM):
        return ex.from_onprem(to.removeprefix(ONPREM), back, dict(st.returns).get(to, ""), st)
    endpoint = ix.endpoints.get(to)
    if endpoint is not None:
        # A gateway endpoint's service answers into the VPC: the destination subnet's
        # inbound ACL applies to the answer as to any packet entering it.
        return ex.local(endpoint.vpc_id, None, back, False, st.add(TRUE, endpoint.id))
    return ex.from_eni(ix.enis[to], back, st)
