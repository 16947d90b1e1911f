"""The trace model: what a packet met on its way (hops), how the way ended (a disposition with
a Reachability-Analyzer-style code), and a witness (a packet with its forward and return trace).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from policyreason.ir.network import Packet
from policyreason.ir.span import Span

INTERNET = "internet"
ONPREM = "onprem:"


def onprem_id(name: str) -> str:
    """The endpoint id of a declared on-premises network."""
    return ONPREM + name


class Disposition(StrEnum):
    DELIVERED = "delivered"
    DROPPED = "dropped"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Unknown:
    """A component whose effect on a packet the model cannot decide, and why (a sentence
    a user can act on)."""

    component: str
    why: str

    def __str__(self) -> str:
        return f"{self.component}: {self.why}"


class Code(StrEnum):
    """Why a packet stops; the names follow VPC Reachability Analyzer's explanation codes."""

    NO_ROUTE_TO_DESTINATION = "NO_ROUTE_TO_DESTINATION"
    BLACKHOLE_ROUTE = "BLACKHOLE_ROUTE"
    SUBNET_ACL_RESTRICTION = "SUBNET_ACL_RESTRICTION"
    ENI_SG_RULES_MISMATCH = "ENI_SG_RULES_MISMATCH"
    IGW_NO_PUBLIC_IP = "IGW_NO_PUBLIC_IP"
    IGW_NOT_ATTACHED = "IGW_NOT_ATTACHED"
    NAT_INBOUND = "NAT_INBOUND"
    NAT_SAME_SUBNET = "NAT_SAME_SUBNET"
    NAT_UNSUPPORTED_PROTOCOL = "NAT_UNSUPPORTED_PROTOCOL"
    NAT_NOT_AVAILABLE = "NAT_NOT_AVAILABLE"
    INSTANCE_NOT_RUNNING = "INSTANCE_NOT_RUNNING"
    SOURCE_ADDRESS_MISMATCH = "SOURCE_ADDRESS_MISMATCH"
    DESTINATION_ADDRESS_UNUSED = "DESTINATION_ADDRESS_UNUSED"
    PEERING_NOT_ACTIVE = "PEERING_NOT_ACTIVE"
    PEERING_NOT_TRANSITIVE = "PEERING_NOT_TRANSITIVE"
    TGW_NOT_ATTACHED = "TGW_NOT_ATTACHED"
    TGW_NO_ATTACHMENT_IN_AZ = "TGW_NO_ATTACHMENT_IN_AZ"
    TGW_NO_ROUTE_TABLE = "TGW_NO_ROUTE_TABLE"
    NOT_INTERNET_SOURCE = "NOT_INTERNET_SOURCE"
    LB_NO_LISTENER = "LB_NO_LISTENER"
    LB_NO_TARGET = "LB_NO_TARGET"
    SOURCE_DEST_CHECK = "SOURCE_DEST_CHECK"
    FIREWALL_RULE = "FIREWALL_RULE"
    EGRESS_ONLY_IGW = "EGRESS_ONLY_IGW"
    VGW_NOT_ATTACHED = "VGW_NOT_ATTACHED"
    LOOP = "LOOP"
    # Not a drop: the walk cannot go on (a component the model lacks or cannot decide).
    UNKNOWN_COMPONENT = "UNKNOWN_COMPONENT"


@dataclass(frozen=True)
class Hop:
    """One step of a trace: a component, what it did, and the rule or entry that decided."""

    component: str
    kind: str
    action: str
    rule: str = ""
    span: Span | None = None
    packet: Packet | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"component": self.component, "kind": self.kind}
        out["action"] = self.action
        if self.rule:
            out["rule"] = self.rule
        if self.span is not None and self.span.line > 0:
            out["location"] = str(self.span)
        if self.packet is not None:
            out["packet"] = self.packet.to_json()
        return out


@dataclass(frozen=True)
class Trace:
    """The hops of one packet from `source` and how its way ended. `sessions` is the
    connection state the stateful components kept (what a reply is matched against) and
    `returns` where the answer to a flow is sent back through (a load balancer that kept the
    client's address, the on-premises connection a packet left by). `unknowns` are components
    the packet was assumed to pass although their verdict is not known (a delivered trace with
    unknowns proves nothing), `assumptions` what the walk took for granted."""

    hops: tuple[Hop, ...]
    disposition: Disposition
    code: Code | None = None
    explanation: str = ""
    final: Packet | None = None
    delivered_to: str | None = None
    sessions: tuple[tuple[str, tuple[int, ...]], ...] = ()
    source: str = ""
    returns: tuple[tuple[str, str], ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    assumptions: tuple[str, ...] = ()

    @property
    def delivered(self) -> bool:
        return self.disposition is Disposition.DELIVERED


@dataclass(frozen=True)
class PathWitness:
    """A concrete packet with its forward trace and the trace of its reply."""

    source: str
    packet: Packet
    forward: Trace
    reply: Trace | None

    @property
    def round_trip(self) -> bool:
        """Delivered, and the answer got back to the source."""
        return (
            self.forward.delivered
            and self.reply is not None
            and self.reply.delivered
            and self.reply.delivered_to == self.source
        )

    @property
    def unknowns(self) -> tuple[Unknown, ...]:
        """Everything on the way (there and back) whose verdict is unknown."""
        back = self.reply.unknowns if self.reply is not None else ()
        return self.forward.unknowns + tuple(u for u in back if u not in self.forward.unknowns)

    @property
    def assumptions(self) -> tuple[str, ...]:
        back = self.reply.assumptions if self.reply is not None else ()
        return self.forward.assumptions + tuple(
            a for a in back if a not in self.forward.assumptions
        )
