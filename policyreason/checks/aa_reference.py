"""IAM Access Analyzer's policy check reference (ValidatePolicy): every issue code with the
finding type AWS gives it and its heading, and the codes this tool does not decide, with why.

Each other code is the `aa_code` of at least one registered rule; a test holds the two lists
together, so a code is never silently dropped. Where a rule's severity differs from the one
here, its docstring says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from policyreason.ir.severity import Severity

E, S, W, G = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION


@dataclass(frozen=True)
class AaCheck:
    """One check of the reference: its issue code, AWS's finding type and heading."""

    code: str
    severity: Severity
    title: str


REFERENCE: tuple[AaCheck, ...] = tuple(
    AaCheck(code, severity, title)
    for code, severity, title in (
        # -- ERROR -----------------------------------------------------------------------------
        ("ARN_ACCOUNT_NOT_ALLOWED", E, "ARN account not allowed"),
        ("ARN_REGION_NOT_ALLOWED", E, "ARN Region not allowed"),
        ("DATA_TYPE_MISMATCH", E, "Data type mismatch"),
        ("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", E, "Duplicate keys with different case"),
        ("INVALID_ACTION", E, "Invalid action"),
        ("INVALID_ARN_ACCOUNT", E, "Invalid ARN account"),
        ("INVALID_ARN_PREFIX", E, "Invalid ARN prefix"),
        ("INVALID_ARN_REGION", E, "Invalid ARN Region"),
        ("INVALID_ARN_RESOURCE", E, "Invalid ARN resource"),
        ("INVALID_ARN_SERVICE_CASE", E, "Invalid ARN service case"),
        ("INVALID_CONDITION_DATA_TYPE", E, "Invalid condition data type"),
        ("INVALID_CONDITION_KEY_FORMAT", E, "Invalid condition key format"),
        ("INVALID_CONDITION_MULTIPLE_BOOLEAN", E, "Invalid condition multiple Boolean"),
        ("INVALID_CONDITION_OPERATOR", E, "Invalid condition operator"),
        ("INVALID_EFFECT", E, "Invalid effect"),
        ("INVALID_GLOBAL_CONDITION_KEY", E, "Invalid global condition key"),
        ("INVALID_PARTITION", E, "Invalid partition"),
        ("INVALID_POLICY_ELEMENT", E, "Invalid policy element"),
        ("INVALID_PRINCIPAL_FORMAT", E, "Invalid principal format"),
        ("INVALID_PRINCIPAL_KEY", E, "Invalid principal key"),
        ("INVALID_REGION", E, "Invalid Region"),
        ("INVALID_SERVICE", E, "Invalid service"),
        ("INVALID_SERVICE_CONDITION_KEY", E, "Invalid service condition key"),
        ("INVALID_SERVICE_IN_ACTION", E, "Invalid service in action"),
        ("INVALID_VARIABLE_FOR_OPERATOR", E, "Invalid variable for operator"),
        ("INVALID_VERSION", E, "Invalid version"),
        ("JSON_SYNTAX_ERROR", E, "Json syntax error"),
        ("MISSING_ACTION", E, "Missing action"),
        ("MISSING_ARN_FIELD", E, "Missing ARN field"),
        ("MISSING_ARN_REGION", E, "Missing ARN Region"),
        ("MISSING_EFFECT", E, "Missing effect"),
        ("MISSING_PRINCIPAL", E, "Missing principal"),
        ("MISSING_QUALIFIER", E, "Missing qualifier"),
        ("MISSING_RESOURCE", E, "Missing resource"),
        ("MISSING_STATEMENT", E, "Missing statement"),
        ("NULL_WITH_IF_EXISTS", E, "Null with if exists"),
        ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", E, "SCP syntax error action wildcard"),
        ("SCP_SYNTAX_ERROR_PRINCIPAL", E, "SCP syntax error principal"),
        ("UNIQUE_SIDS_REQUIRED", E, "Unique Sids required"),
        ("UNSUPPORTED_ACTION_IN_POLICY", E, "Unsupported action in policy"),
        ("UNSUPPORTED_ELEMENT_COMBINATION", E, "Unsupported element combination"),
        ("UNSUPPORTED_GLOBAL_CONDITION_KEY", E, "Unsupported global condition key"),
        ("UNSUPPORTED_PRINCIPAL", E, "Unsupported principal"),
        ("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", E, "Unsupported resource ARN in policy"),
        ("UNSUPPORTED_SID", E, "Unsupported Sid"),
        ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", E, "Unsupported wildcard in principal"),
        ("MISSING_BRACE_IN_VARIABLE", E, "Missing brace in variable"),
        ("UNSUPPORTED_SYMBOL_IN_VARIABLE", E, "Unsupported symbol in variable"),
        ("MISSING_QUOTE_IN_VARIABLE", E, "Missing quote in variable"),
        ("UNSUPPORTED_SPACE_IN_VARIABLE", E, "Unsupported space in variable"),
        ("EMPTY_VARIABLE", E, "Empty variable"),
        ("VARIABLE_UNSUPPORTED_IN_ELEMENT", E, "Variable unsupported in element"),
        ("VARIABLE_UNSUPPORTED_IN_VERSION", E, "Variable unsupported in version"),
        ("PRIVATE_IP_ADDRESS", E, "Private IP address"),
        ("PRIVATE_NOT_IP_ADDRESS", E, "Private NotIpAddress"),
        ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", E, "Policy size exceeds SCP quota"),
        ("INVALID_SERVICE_PRINCIPAL_FORMAT", E, "Invalid service principal format"),
        ("MISSING_TAG_KEY_IN_CONDITION", E, "Missing tag key in condition"),
        ("INVALID_VPC_FORMAT", E, "Invalid vpc format"),
        ("INVALID_VPCE_FORMAT", E, "Invalid vpce format"),
        ("FEDERATED_PRINCIPAL_NOT_SUPPORTED", E, "Federated principal not supported"),
        ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", E, "Unsupported action for condition key"),
        (
            "UNSUPPORTED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
            E,
            "Unsupported condition key for service principal",
        ),
        (
            "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
            E,
            "Role trust policy syntax error NotPrincipal",
        ),
        (
            "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            E,
            "Role trust policy unsupported wildcard in principal",
        ),
        ("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", E, "Role trust policy syntax error resource"),
        ("TYPE_MISMATCH_IP_RANGE", E, "Type mismatch IP range"),
        ("MISSING_ACTION_FOR_CONDITION_KEY", E, "Missing action for condition key"),
        (
            "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
            E,
            "Invalid federated principal syntax in role trust policy",
        ),
        ("MISMATCHED_ACTION_FOR_PRINCIPAL", E, "Mismatched action for principal"),
        (
            "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
            E,
            "Missing action for roles anywhere trust policy",
        ),
        ("POLICY_SIZE_EXCEEDS_RCP_QUOTA", E, "Policy size exceeds RCP quota"),
        ("RCP_SYNTAX_ERROR_PRINCIPAL", E, "RCP syntax error principal"),
        ("RCP_SYNTAX_ERROR_ALLOW", E, "RCP syntax error allow"),
        ("RCP_SYNTAX_ERROR_NOTACTION", E, "RCP syntax error NotAction"),
        ("RCP_SYNTAX_ERROR_ACTION", E, "RCP syntax error action"),
        ("MISSING_ARN_ACCOUNT", E, "Missing ARN account"),
        ("INVALID_KMS_KEY_VALUE", E, "Invalid kms key value"),
        ("OVERLY_PERMISSIVE_VARIABLE_USAGE", E, "Variable usage too permissive"),
        ("OVERLY_PERMISSIVE_WILDCARD_USAGE", E, "Wildcard usage too permissive"),
        # -- WARNING (general warnings) --------------------------------------------------------
        ("CREATE_SLR_WITH_NOT_RESOURCE", W, "Create SLR with NotResource"),
        (
            "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            W,
            "Create SLR with star in action and NotResource",
        ),
        (
            "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            W,
            "Create SLR with NotAction and NotResource",
        ),
        ("CREATE_SLR_WITH_STAR_IN_RESOURCE", W, "Create SLR with star in resource"),
        (
            "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
            W,
            "Create SLR with star in action and resource",
        ),
        (
            "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            W,
            "Create SLR with star in resource and NotAction",
        ),
        ("DEPRECATED_GLOBAL_CONDITION_KEY", W, "Deprecated global condition key"),
        ("INVALID_DATE_VALUE", W, "Invalid date value"),
        ("INVALID_ROLE_REFERENCE", W, "Invalid role reference"),
        ("INVALID_USER_REFERENCE", W, "Invalid user reference"),
        ("MISSING_VERSION", W, "Missing version"),
        ("UNIQUE_SIDS_RECOMMENDED", W, "Unique Sids recommended"),
        ("WILDCARD_WITHOUT_LIKE_OPERATOR", W, "Wildcard without like operator"),
        (
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            W,
            "Policy size exceeds identity policy quota",
        ),
        (
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
            W,
            "Policy size exceeds role trust policy quota",
        ),
        ("TYPE_MISMATCH", W, "Type mismatch"),
        ("TYPE_MISMATCH_BOOLEAN", W, "Type mismatch Boolean"),
        ("TYPE_MISMATCH_DATE", W, "Type mismatch date"),
        ("TYPE_MISMATCH_NUMBER", W, "Type mismatch number"),
        ("TYPE_MISMATCH_STRING", W, "Type mismatch string"),
        (
            "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
            W,
            "Specific GitHub repo and branch recommended",
        ),
        # -- SECURITY_WARNING ------------------------------------------------------------------
        ("ALLOW_WITH_NOT_PRINCIPAL", S, "Allow with NotPrincipal"),
        (
            "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            S,
            "Deny NotAction with unsupported tag condition key for service",
        ),
        (
            "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            S,
            "Deny with unsupported tag condition key for service",
        ),
        ("FORALLVALUES_WITH_SINGLE_VALUED_KEY", S, "ForAllValues with single valued key"),
        ("MISSING_PAIRED_CONDITION_KEYS", S, "Missing paired condition keys"),
        ("PASS_ROLE_WITH_NOT_RESOURCE", S, "Pass role with NotResource"),
        (
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            S,
            "Pass role with star in action and NotResource",
        ),
        (
            "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            S,
            "Pass role with NotAction and NotResource",
        ),
        ("PASS_ROLE_WITH_STAR_IN_RESOURCE", S, "Pass role with star in resource"),
        (
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
            S,
            "Pass role with star in action and resource",
        ),
        (
            "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            S,
            "Pass role with star in resource and NotAction",
        ),
        # -- SUGGESTION ------------------------------------------------------------------------
        (
            "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            G,
            "Allow NotAction with unsupported tag condition key for service",
        ),
        (
            "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            G,
            "Allow with unsupported tag condition key for service",
        ),
        ("EMPTY_ARRAY_ACTION", G, "Empty array action"),
        ("EMPTY_ARRAY_CONDITION", G, "Empty array condition"),
        ("EMPTY_ARRAY_CONDITION_FORALLVALUES", G, "Empty array condition ForAllValues"),
        ("EMPTY_ARRAY_CONDITION_FORANYVALUE", G, "Empty array condition ForAnyValue"),
        ("EMPTY_ARRAY_CONDITION_IFEXISTS", G, "Empty array condition IfExists"),
        ("EMPTY_ARRAY_PRINCIPAL", G, "Empty array principal"),
        ("EMPTY_ARRAY_RESOURCE", G, "Empty array resource"),
        ("EMPTY_OBJECT_CONDITION", G, "Empty object condition"),
        ("EMPTY_OBJECT_PRINCIPAL", G, "Empty object principal"),
        ("EMPTY_SID_VALUE", G, "Empty Sid value"),
        ("EQUIVALENT_TO_NULL_FALSE", G, "Equivalent to Null false"),
        ("EQUIVALENT_TO_NULL_TRUE", G, "Equivalent to Null true"),
        ("IMPROVE_IP_RANGE", G, "Improve IP range"),
        ("NULL_WITH_QUALIFIER", G, "Null with qualifier"),
        ("PRIVATE_IP_ADDRESS_SUBSET", G, "Private IP address subset"),
        ("PRIVATE_NOT_IP_ADDRESS_SUBSET", G, "Private NotIpAddress subset"),
        ("REDUNDANT_ACTION", G, "Redundant action"),
        ("REDUNDANT_CONDITION_VALUE_NUM", G, "Redundant condition value num"),
        ("REDUNDANT_RESOURCE", G, "Redundant resource"),
        ("REDUNDANT_STATEMENT", G, "Redundant statement"),
        ("WILDCARD_IN_SERVICE_NAME", G, "Wildcard in service name"),
        (
            "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
            G,
            "String like operator with ARN condition keys",
        ),
        (
            "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
            G,
            "Recommended condition key for service principal",
        ),
        ("REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY", G, "Redundant principal in role trust policy"),
        ("IRRELEVANT_CONDITION_KEY_IN_POLICY", G, "Irrelevant condition key in policy"),
        ("CONFIRM_AUDIENCE_CLAIM_TYPE", G, "Confirm audience claim type"),
    )
)

_UNPUBLISHED = (
    "the reference gives this check a heading but its description, which says what is "
    "compared, could not be read offline; a guess would report problems AWS does not"
)

# Codes no rule reports, each with the reason.
NOT_CHECKED: dict[str, str] = {
    "INVALID_KMS_KEY_VALUE": _UNPUBLISHED,
    "OVERLY_PERMISSIVE_VARIABLE_USAGE": _UNPUBLISHED
    + " (the issue code itself is our reading of the heading)",
    "OVERLY_PERMISSIVE_WILDCARD_USAGE": _UNPUBLISHED
    + " (the issue code itself is our reading of the heading)",
    "IRRELEVANT_CONDITION_KEY_IN_POLICY": _UNPUBLISHED,
    "CONFIRM_AUDIENCE_CLAIM_TYPE": _UNPUBLISHED,
    "DEPRECATED_GLOBAL_CONDITION_KEY": "the only key the reference names, aws:ARN, is now "
    "reported as UNSUPPORTED_GLOBAL_CONDITION_KEY (ERROR, PR338), the stricter of AWS's two "
    "findings for it; deprecated service keys are PR317",
}


def reference_check(code: str) -> AaCheck | None:
    """The reference's entry for an issue code."""
    return next((c for c in REFERENCE if c.code == code.upper()), None)
