"""The trace model: what a packet met on its way (hops), how the way ended (a disposition with
a Reachability-Analyzer-style code), and a witness (a packet with its forward and return trace).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from policyreason.ir.network import Packet
from policyreason.ir.span import Span

INTERNET = "internet"


class Disposition(StrEnum):
    DELIVERED = "delivered"
    DROPPED = "dropped"
    UNSUPPORTED = "unsupported"


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
    UNSUPPORTED_TARGET = "UNSUPPORTED_TARGET"
    LB_NO_LISTENER = "LB_NO_LISTENER"
    LB_NO_TARGET = "LB_NO_TARGET"
    LOOP = "LOOP"


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
    """The hops of one packet and how its way ended; `sessions` is the connection state the
    stateful components kept (what a reply is matched against)."""

    hops: tuple[Hop, ...]
    disposition: Disposition
    code: Code | None = None
    explanation: str = ""
    final: Packet | None = None
    delivered_to: str | None = None
    sessions: tuple[tuple[str, tuple[int, ...]], ...] = ()

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
