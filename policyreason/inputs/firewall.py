"""AWS Network Firewall as `aws network-firewall describe-*` shows it: firewalls (their
endpoints per zone), firewall policies and rule groups.

Stateless rules and stateful rules in the 5-tuple ("standard") form are read into
`FirewallRule`s. What the model cannot decide (Suricata rule strings, domain lists, TCP flags,
application protocols, rule options beyond identification) leaves the group `unmodelled` with
the reason, and packets that meet it are answered *unknown*.
"""

from __future__ import annotations

from policyreason.inputs.describe_fields import (
    Bad,
    ids,
    items,
    number,
    obj,
    string,
)
from policyreason.ir.cidr import Cidr
from policyreason.ir.network import (
    ICMP,
    TCP,
    UDP,
    Firewall,
    FirewallPolicy,
    FirewallRule,
    PortRange,
    RuleGroup,
)
from policyreason.parse.json_spans import JObject, JScalar

_STATELESS_ACTIONS = {"aws:pass": "pass", "aws:drop": "drop", "aws:forward_to_sfe": "forward"}
_STATEFUL_PROTOCOLS = {"IP": (), "TCP": (TCP,), "UDP": (UDP,), "ICMP": (ICMP,)}
# Rule options that only name or describe a rule and do not change what it matches.
_NAMING_OPTIONS = {"sid", "msg", "rev", "classtype", "priority", "metadata", "gid", "reference"}


def read_firewall(o: JObject) -> Firewall:
    """One describe-firewall output: {Firewall, FirewallStatus}."""
    fw = obj(o.get("Firewall"), o.span, "Firewall")
    endpoints: list[tuple[str, str]] = []
    status = o.get("FirewallStatus")
    sync = status.get("SyncStates") if isinstance(status, JObject) else None
    if isinstance(sync, JObject):
        for _zone, state in sync.pairs:
            attachment = obj(state, sync.span, "SyncStates").get("Attachment")
            if isinstance(attachment, JObject) and string(attachment, "EndpointId", False):
                endpoints.append((string(attachment, "SubnetId"), string(attachment, "EndpointId")))
    return Firewall(
        arn=string(fw, "FirewallArn", False),
        name=string(fw, "FirewallName"),
        vpc_id=string(fw, "VpcId"),
        policy_arn=string(fw, "FirewallPolicyArn", False),
        endpoints=tuple(endpoints),
        span=fw.span,
    )


def read_policy(o: JObject) -> FirewallPolicy:
    """One describe-firewall-policy output: {FirewallPolicyResponse, FirewallPolicy}."""
    response = obj(o.get("FirewallPolicyResponse"), o.span, "FirewallPolicyResponse")
    policy = obj(o.get("FirewallPolicy"), o.span, "FirewallPolicy")
    defaults = ids(policy, "StatelessDefaultActions")
    stateless_default = next(
        (_STATELESS_ACTIONS[a] for a in defaults if a in _STATELESS_ACTIONS), "forward"
    )
    options = policy.get("StatefulEngineOptions")
    strict = isinstance(options, JObject) and string(options, "RuleOrder", False) == "STRICT_ORDER"
    stateful_defaults = ids(policy, "StatefulDefaultActions")
    return FirewallPolicy(
        arn=string(response, "FirewallPolicyArn"),
        name=string(response, "FirewallPolicyName", False),
        stateless_default=stateless_default,
        stateless_groups=_references(policy, "StatelessRuleGroupReferences"),
        stateful_groups=_references(policy, "StatefulRuleGroupReferences"),
        strict_order=strict,
        stateful_default_drop=any(a.startswith("aws:drop") for a in stateful_defaults),
        span=policy.span,
    )


def _references(policy: JObject, key: str) -> tuple[tuple[str, int], ...]:
    out = []
    for n, item in enumerate(items(policy, key)):
        ref = obj(item, policy.span, key)
        priority = number(ref, "Priority")
        out.append((string(ref, "ResourceArn"), priority if priority is not None else n))
    return tuple(out)


def read_rule_group(o: JObject) -> RuleGroup:
    """One describe-rule-group output: {RuleGroupResponse, RuleGroup}."""
    response = obj(o.get("RuleGroupResponse"), o.span, "RuleGroupResponse")
    group = obj(o.get("RuleGroup"), o.span, "RuleGroup")
    stateful = string(response, "Type", False).upper() != "STATELESS"
    source = obj(group.get("RulesSource"), group.span, "RulesSource")
    variables = _variables(group)
    rules: list[FirewallRule] = []
    unmodelled = ""
    try:
        if source.get("RulesString") is not None:
            unmodelled = "its rules are Suricata rule strings"
        elif source.get("RulesSourceList") is not None:
            unmodelled = "it filters by domain name"
        elif stateful:
            for n, item in enumerate(items(source, "StatefulRules")):
                rules.append(_stateful(obj(item, source.span, "StatefulRules"), n, variables))
        else:
            custom = source.get("StatelessRulesAndCustomActions")
            if isinstance(custom, JObject):
                for item in items(custom, "StatelessRules"):
                    rule = _stateless(obj(item, custom.span, "StatelessRules"))
                    if rule is not None:
                        rules.append(rule)
    except _Unmodelled as exc:
        unmodelled, rules = exc.reason, []
    return RuleGroup(
        arn=string(response, "RuleGroupArn"),
        name=string(response, "RuleGroupName", False),
        stateful=stateful,
        rules=tuple(sorted(rules, key=_priority)),
        unmodelled=unmodelled,
        span=group.span,
    )


def _priority(rule: FirewallRule) -> int:
    return rule.priority


class _Unmodelled(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _variables(group: JObject) -> dict[str, tuple[str, ...]]:
    """$NAME -> its definitions (IP sets and port sets)."""
    out: dict[str, tuple[str, ...]] = {}
    variables = group.get("RuleVariables")
    if not isinstance(variables, JObject):
        return out
    for key in ("IPSets", "PortSets"):
        sets = variables.get(key)
        if isinstance(sets, JObject):
            for name, value in sets.pairs:
                definition = obj(value, sets.span, key)
                out[f"${name.value}"] = ids(definition, "Definition")
    return out


def _stateless(r: JObject) -> FirewallRule | None:
    definition = obj(r.get("RuleDefinition"), r.span, "RuleDefinition")
    actions = [_STATELESS_ACTIONS[a] for a in ids(definition, "Actions") if a in _STATELESS_ACTIONS]
    if not actions:
        return None  # custom actions only (metrics): the packet goes on to the next rule
    match = obj(definition.get("MatchAttributes"), definition.span, "MatchAttributes")
    if items(match, "TCPFlags"):
        raise _Unmodelled("a stateless rule matches TCP flags")
    priority = number(r, "Priority")
    return FirewallRule(
        action=actions[0],
        protocols=tuple(
            int(str(p.value)) for p in items(match, "Protocols") if isinstance(p, JScalar)
        ),
        sources=_addresses(match, "Sources"),
        destinations=_addresses(match, "Destinations"),
        source_ports=_port_ranges(match, "SourcePorts"),
        destination_ports=_port_ranges(match, "DestinationPorts"),
        priority=priority if priority is not None else 0,
        span=r.span,
    )


def _addresses(match: JObject, key: str) -> tuple[Cidr, ...]:
    out = []
    for item in items(match, key):
        text = string(obj(item, match.span, key), "AddressDefinition")
        try:
            out.append(Cidr.parse(text))
        except ValueError:
            raise Bad(f"{key}: {text!r} is not a CIDR", item.span) from None
    return tuple(out)


def _port_ranges(match: JObject, key: str) -> tuple[PortRange, ...]:
    out = []
    for item in items(match, key):
        r = obj(item, match.span, key)
        lo, hi = number(r, "FromPort"), number(r, "ToPort")
        out.append(PortRange(lo=lo or 0, hi=hi if hi is not None else 65535))
    return tuple(out)


def _stateful(r: JObject, n: int, variables: dict[str, tuple[str, ...]]) -> FirewallRule:
    header = obj(r.get("Header"), r.span, "Header")
    action = string(r, "Action").lower()
    if action not in ("pass", "drop", "reject", "alert"):
        raise _Unmodelled(f"a stateful rule's action {action!r} is not modelled")
    for option in items(r, "RuleOptions"):
        keyword = string(obj(option, r.span, "RuleOptions"), "Keyword", False).lower()
        if keyword not in _NAMING_OPTIONS:
            raise _Unmodelled(f"a stateful rule matches with the option {keyword!r}")
    proto = string(header, "Protocol").upper()
    if proto not in _STATEFUL_PROTOCOLS:
        raise _Unmodelled(f"a stateful rule matches the application protocol {proto}")
    return FirewallRule(
        action=action,
        protocols=_STATEFUL_PROTOCOLS[proto],
        sources=_stateful_addresses(string(header, "Source"), variables),
        destinations=_stateful_addresses(string(header, "Destination"), variables),
        source_ports=_stateful_ports(string(header, "SourcePort"), variables),
        destination_ports=_stateful_ports(string(header, "DestinationPort"), variables),
        bidirectional=string(header, "Direction", False).upper() == "ANY",
        priority=n,
        span=r.span,
    )


def _expand(text: str, variables: dict[str, tuple[str, ...]]) -> list[str]:
    """A Suricata address or port list ("[a,b]", "$VAR", "any") as its items."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [x for part in text[1:-1].split(",") for x in _expand(part, variables)]
    if text.startswith("!"):
        raise _Unmodelled("a stateful rule negates an address or port")
    if text.startswith("$"):
        if text not in variables:
            raise _Unmodelled(f"a stateful rule uses the variable {text}, which is not defined")
        return [x for d in variables[text] for x in _expand(d, variables)]
    return [text]


def _stateful_addresses(text: str, variables: dict[str, tuple[str, ...]]) -> tuple[Cidr, ...]:
    parts = _expand(text, variables)
    if any(p.upper() == "ANY" for p in parts):
        return ()
    try:
        return tuple(Cidr.parse(p) for p in parts)
    except ValueError:
        raise _Unmodelled(f"a stateful rule matches the address {text!r}") from None


def _stateful_ports(text: str, variables: dict[str, tuple[str, ...]]) -> tuple[PortRange, ...]:
    parts = _expand(text, variables)
    if any(p.upper() == "ANY" for p in parts):
        return ()
    out = []
    for p in parts:
        lo, colon, hi = p.partition(":")
        try:
            first = int(lo or 0)
            out.append(PortRange(lo=first, hi=int(hi) if hi else 65535 if colon else first))
        except ValueError:
            raise _Unmodelled(f"a stateful rule matches the port {text!r}") from None
    return tuple(out)
