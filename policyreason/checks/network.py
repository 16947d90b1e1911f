"""The rules of `policyreason reach`: what packets can do in a VPC snapshot.

`analysis/network/` answers the questions and reports its findings under these ids; here they
are documented.
"""

from __future__ import annotations

from policyreason.checks import Evidence, Family, rule
from policyreason.ir.severity import Severity


@rule(
    id="NET001",
    family=Family.NETWORK,
    severity=Severity.WARNING,
    title="An interface is reachable from the internet",
    fix="Narrow the rule that opens it (the security group rule, network ACL entry or route "
    "the finding names) to the sources and ports meant, or remove the public address.",
    evidence=Evidence.PACKET,
)
def internet_exposure() -> None:
    """A packet from the internet reaches a network interface on these protocols and ports,
    and its reply gets back (`reach --exposures`).

    Each finding names the interface, the exact port ranges and the rule that lets the
    traffic in, with a witness packet and every hop of its path. Where a component whose rules
    are unknown lies on the path (an appliance, a firewall policy the export does not hold),
    the exposure is possible, not certain: it is reported as a note naming that component."""


@rule(
    id="NET002",
    family=Family.NETWORK,
    severity=Severity.WARNING,
    title="Traffic between the endpoints is possible",
    fix="If the traffic should be blocked, tighten the security group, network ACL or route "
    "the path's hops name.",
    evidence=Evidence.PACKET,
)
def reachable() -> None:
    """A packet from the source endpoint reaches the destination and its reply gets back
    (`reach --from X --to Y`).

    The witness packet comes with every hop of its forward and return paths and the rule that
    let it through at each. When the answer could not be decided, the finding is a note with
    the reason and the candidate path."""


@rule(
    id="NET003",
    family=Family.NETWORK,
    severity=Severity.SUGGESTION,
    title="Traffic between the endpoints is blocked",
    fix="If the traffic should flow, open the component the finding names.",
    evidence=Evidence.PROOF,
)
def not_reachable() -> None:
    """No packet from the source endpoint reaches the destination with its reply getting
    back: the solver proved it over an input that was read and modelled in full.

    The finding names the component that drops the traffic (a security group, a network ACL
    rule, a missing route) and is located at it."""
