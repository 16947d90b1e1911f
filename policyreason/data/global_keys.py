"""Global condition keys, which the service authorization reference does not list.

Source: IAM User Guide, "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
including its cross-service keys (ec2:, lambda:, glue:, ssm:, identitystore:), and
"Use VPC condition keys to control federated access" for aws:SourceVpcArn.

Types use the reference's vocabulary (String, ARN, Bool, Numeric, Date, IPAddress); a multivalued
key is `ArrayOf<type>`, as in the reference. `${...}` marks a part the policy author chooses.
"""

from __future__ import annotations

GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"

GLOBAL_KEYS: dict[str, str] = {
    # Properties of the principal
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalType": "String",
    "aws:userid": "String",
    "aws:username": "String",
    # Properties of a role session
    "aws:AssumedRoot": "Bool",
    "aws:FederatedProvider": "String",
    "aws:TokenIssueTime": "Date",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:ChatbotSourceArn": "ARN",
    "aws:Ec2InstanceSourceVpc": "String",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:SourceIdentity": "String",
    "ec2:RoleDelivery": "Numeric",
    "ec2:SourceInstanceArn": "ARN",
    "glue:RoleAssumedBy": "String",
    "glue:CredentialIssuingService": "String",
    "identitystore:UserId": "String",
    "lambda:SourceFunctionArn": "ARN",
    "ssm:SourceInstanceArn": "ARN",
    # Properties of the network
    "aws:SourceIp": "IPAddress",
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    "aws:VpcSourceIp": "IPAddress",
    # Properties of the resource
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    # Properties of the request
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:CalledViaAWSMCP": "String",
    "aws:ViaAWSService": "Bool",
    "aws:ViaAWSMCPService": "Bool",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:Referer": "String",
    "aws:RequestedRegion": "String",
    "aws:RequestTag/${TagKey}": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:UserAgent": "String",
    # Not in the guide's list, yet evaluated by AWS and used in AWS's own policies:
    # aws:SourceOwner by SNS/S3 event sources, aws:PrincipalOrgMasterAccountId by
    # AWS managed policies, aws:IsMcpServiceAction by AWSMcpServiceActionsFullAccess.
    "aws:SourceOwner": "String",
    "aws:PrincipalOrgMasterAccountId": "String",
    "aws:IsMcpServiceAction": "Bool",
}

# The guide gives aws:EpochTime both types: it takes date and numeric operators.
ALSO_NUMERIC: frozenset[str] = frozenset({"aws:epochtime"})

# How AWS writes its own time keys in a request (a policy may write Date values otherwise): the
# full ISO 8601 date-time (2026-12-04T13:00:00Z), or whole seconds since 1970.
SENT_AS_DATETIME: frozenset[str] = frozenset({"aws:currenttime", "aws:tokenissuetime"})
SENT_AS_SECONDS: frozenset[str] = frozenset({"aws:epochtime"})
