"""The top-level keys of `aws ec2 describe-*` (and elbv2, directconnect and network-firewall)
outputs: what recognises a network snapshot among inputs and what its reader models. A module
of its own so that detection does not import the reader."""

DESCRIBE_KINDS = frozenset(
    {
        "Vpcs",
        "Subnets",
        "RouteTables",
        "SecurityGroups",
        "NetworkAcls",
        "Reservations",
        "NetworkInterfaces",
        "InternetGateways",
        "NatGateways",
        "VpcPeeringConnections",
        "TransitGateways",
        "TransitGatewayAttachments",
        "TransitGatewayVpcAttachments",
        "TransitGatewayRouteTables",
        "TransitGatewayStaticRoutes",
        "TransitGatewayPropagations",
        "VpcEndpoints",
        "PrefixLists",
        "LoadBalancers",
        "LoadBalancerListeners",
        "TargetGroups",
        "LoadBalancerTargetHealth",
        "TargetGroupAttributes",
        "EgressOnlyInternetGateways",
        "ServiceConfigurations",
        "VpnGateways",
        "VpnConnections",
        "DirectConnectGateways",
        "DirectConnectGatewayAssociations",
        "VirtualInterfaces",
        "Firewalls",
        "FirewallPolicies",
        "RuleGroups",
    }
)
