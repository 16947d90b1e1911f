"""Rules the policy reader enforces: documents IAM rejects, or that have no meaning the analysis
could give them. Each rule stands for the reader's diagnostics with the codes it lists; the
finding is the located input error (exit 2), and no other check runs on that policy."""

from __future__ import annotations

from policyreason.checks import grammar
from policyreason.ir.policy import PolicyKind
from policyreason.ir.severity import Severity

E = Severity.ERROR


@grammar(
    id="PR001",
    severity=E,
    title="JSON syntax error",
    fix="Fix the JSON at the position shown (a missing comma, quote or bracket).",
    diagnostics=("json", "syntax"),
    aa_code="JSON_SYNTAX_ERROR",
)
def json_syntax() -> None:
    """The document is not valid JSON (or YAML, for templates), so nothing in it can be read.

    Fails:

        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR002",
    severity=E,
    title="Data type mismatch",
    fix="Use the JSON type the element takes: strings for Sid, Effect and values, objects for "
    "statements and conditions.",
    diagnostics=(
        "not-a-string",
        "statement-not-object",
        "policy-not-object",
        "bad-condition",
        "bad-condition-value",
    ),
    aa_code="DATA_TYPE_MISMATCH",
)
def data_type_mismatch() -> None:
    """An element holds a JSON value of the wrong type: a number as a Sid, a list as a
    statement, an object as a condition value.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": 1, "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR003",
    severity=E,
    title="Invalid policy element",
    fix="Remove the element, or fix its spelling: element names are case-sensitive.",
    diagnostics=("unknown-element",),
    aa_code="INVALID_POLICY_ELEMENT",
)
def invalid_element() -> None:
    """The policy or a statement has an element IAM does not know (`Actions`, `effect`, ...);
    element names are case-sensitive.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Actions": "s3:GetObject", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR004",
    severity=E,
    title="Invalid Version",
    fix='Use "Version": "2012-10-17".',
    diagnostics=("bad-version",),
    aa_code="INVALID_VERSION",
)
def invalid_version() -> None:
    """Version names the policy language, not the policy's own version: only "2012-10-17"
    and the outdated "2008-10-17" exist.

    Fails:

        {"Version": "2024-01-01", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR005",
    severity=E,
    title="Missing Effect",
    fix='Add "Effect": "Allow" or "Effect": "Deny" to the statement.',
    diagnostics=("missing-effect",),
    aa_code="MISSING_EFFECT",
)
def missing_effect() -> None:
    """Every statement needs an Effect; without it IAM rejects the policy.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR006",
    severity=E,
    title="Invalid Effect",
    fix='Use "Allow" or "Deny", spelled exactly so.',
    diagnostics=("bad-effect",),
    aa_code="INVALID_EFFECT",
)
def invalid_effect() -> None:
    """Effect is "Allow" or "Deny", case-sensitive; "allow" or "Permit" is rejected.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR007",
    severity=E,
    title="Missing Action",
    fix="Add an Action (or NotAction) element listing the actions the statement is about.",
    diagnostics=("missing-action",),
    aa_code="MISSING_ACTION",
)
def missing_action() -> None:
    """Every statement needs an Action or NotAction element.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR008",
    severity=E,
    title="Missing Resource",
    fix="Add a Resource (or NotResource) element; `*` for actions that take no resource.",
    diagnostics=("missing-resource",),
    aa_code="MISSING_RESOURCE",
)
def missing_resource() -> None:
    """Statements of every policy type but role trust policies need a Resource or
    NotResource element.

    Fails:

        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR009",
    severity=E,
    title="Unsupported element combination",
    fix="Keep one of the two elements: Action or NotAction, Resource or NotResource, "
    "Principal or NotPrincipal.",
    diagnostics=("both-elements",),
    aa_code="UNSUPPORTED_ELEMENT_COMBINATION",
)
def element_combination() -> None:
    """A statement cannot have both an element and its negation (Action and NotAction,
    Resource and NotResource, Principal and NotPrincipal).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:DeleteObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "NotAction": "s3:DeleteObject",
           "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR010",
    severity=E,
    title="Missing Principal",
    fix="Add a Principal naming who the statement applies to.",
    diagnostics=("missing-principal",),
    aa_code="MISSING_PRINCIPAL",
)
def missing_principal() -> None:
    """Statements of resource policies, role trust policies and RCPs say whom they apply to
    with a Principal (or NotPrincipal) element.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR011",
    severity=E,
    title="Unsupported Principal",
    fix="Remove the Principal: an identity policy applies to the user, group or role it is "
    "attached to.",
    diagnostics=("principal-not-allowed",),
    aa_code="UNSUPPORTED_PRINCIPAL",
)
def unsupported_principal() -> None:
    """Identity policies, permissions boundaries and session policies have no Principal
    element: they apply to whoever they are attached to.

    Fails (kind: identity):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: identity):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR012",
    severity=E,
    title="Principal in a service control policy",
    fix="Remove Principal/NotPrincipal; to exempt principals, use a condition on aws:PrincipalArn.",
    diagnostics=("principal-not-allowed",),
    kinds=(PolicyKind.SCP,),
    aa_code="SCP_SYNTAX_ERROR_PRINCIPAL",
)
def scp_principal() -> None:
    """Service control policies apply to every principal of the accounts they are attached
    to and take no Principal or NotPrincipal element.

    Fails (kind: scp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "*"}]}

    Passes (kind: scp):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*",
           "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}}]}
    """


@grammar(
    id="PR013",
    severity=E,
    title="Invalid principal format",
    fix='Write the principal as "*" or {"AWS": ...}, {"Service": ...}, {"Federated": ...} '
    "with account ids, ARNs or service names.",
    diagnostics=("bad-principal",),
    aa_code="INVALID_PRINCIPAL_FORMAT",
)
def invalid_principal_format() -> None:
    """A Principal is `"*"` or an object of principal types; an AWS principal is an account
    id, an IAM or STS ARN, or a user or role's unique id.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR014",
    severity=E,
    title="Invalid principal key",
    fix="Use AWS, Service, Federated or CanonicalUser (case-sensitive).",
    diagnostics=("bad-principal-type",),
    aa_code="INVALID_PRINCIPAL_KEY",
)
def invalid_principal_key() -> None:
    """The keys of a Principal object are the principal types AWS, Service, Federated and
    CanonicalUser.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Account": "123456789012"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "123456789012"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR015",
    severity=E,
    title="Wildcard in a principal",
    fix='Name the principals, or use "Principal": "*" with a condition on aws:PrincipalArn.',
    diagnostics=("principal-wildcard",),
    aa_code="UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
)
def principal_wildcard() -> None:
    """A principal is named exactly: `arn:aws:iam::123456789012:role/app-*` is not a pattern
    IAM matches. Only the whole principal `"*"` (anyone) takes a wildcard.

    Fails (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app-*"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes (kind: resource):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "123456789012"},
           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"ArnLike": {"aws:PrincipalArn":
             "arn:aws:iam::123456789012:role/app-*"}}}]}
    """


@grammar(
    id="PR016",
    severity=E,
    title="Wildcard in a trust policy principal",
    fix="Name the role's trusted principals exactly; restrict sessions with conditions.",
    diagnostics=("principal-wildcard",),
    kinds=(PolicyKind.TRUST,),
    aa_code="ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
)
def trust_principal_wildcard() -> None:
    """A role trust policy names whom it trusts exactly; a wildcard inside a principal ARN is
    rejected.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci-*"},
           "Action": "sts:AssumeRole"}]}

    Passes (kind: trust):

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci-main"},
           "Action": "sts:AssumeRole"}]}
    """


@grammar(
    id="PR017",
    severity=E,
    title="Invalid condition operator",
    fix="Use a condition operator of the IAM reference (StringEquals, ArnLike, Bool, ...).",
    diagnostics=("unknown-operator",),
    aa_code="INVALID_CONDITION_OPERATOR",
)
def invalid_operator() -> None:
    """The Condition block names an operator IAM does not have (`StringEqual`, `ArnMatch`).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEqual": {"aws:PrincipalTag/team": "blue"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}
    """


@grammar(
    id="PR018",
    severity=E,
    title="Null with IfExists",
    fix="Use Null on its own: it already tests whether the key is present.",
    diagnostics=("null-if-exists",),
    aa_code="NULL_WITH_IF_EXISTS",
)
def null_if_exists() -> None:
    """Every operator takes the IfExists suffix except Null, which is itself the test for
    whether a key is present.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NullIfExists": {"s3:x-amz-server-side-encryption": "true"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}}]}
    """


@grammar(
    id="PR019",
    severity=E,
    title="Invalid ARN prefix",
    fix='Start the resource with "arn:" (arn:partition:service:region:account:resource), or '
    'use "*".',
    diagnostics=("arn-prefix",),
    aa_code="INVALID_ARN_PREFIX",
)
def arn_prefix() -> None:
    """A Resource is an ARN or `*`; a bare name such as `reports/*` matches nothing.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR020",
    severity=E,
    title="Missing ARN field",
    fix="Write all six fields: arn:partition:service:region:account:resource (empty fields "
    "stay, as in arn:aws:s3:::bucket).",
    diagnostics=("arn-fields",),
    aa_code="MISSING_ARN_FIELD",
)
def arn_fields() -> None:
    """An ARN has six colon-separated fields; region and account may be empty but not left
    out.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:reports"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR021",
    severity=E,
    title="Policy variable with a non-string operator",
    fix="Compare variables with String or ARN operators only.",
    diagnostics=("variable-for-operator",),
    aa_code="INVALID_VARIABLE_FOR_OPERATOR",
)
def variable_for_operator() -> None:
    """Policy variables are replaced only in Resource and in String and ARN conditions;
    Numeric, Date, Bool, IpAddress, Binary and Null operators take literal values.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"s3:max-keys": "${aws:PrincipalTag/limit}"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"StringEquals": {"s3:prefix": "${aws:username}/"}}}]}
    """


@grammar(
    id="PR022",
    severity=E,
    title="Missing brace in policy variable",
    fix="Close the variable with }: ${aws:username}.",
    diagnostics=("variable-missing-brace",),
    aa_code="MISSING_BRACE_IN_VARIABLE",
)
def variable_missing_brace() -> None:
    """A policy variable is `${key}`; without the closing brace it is not read as one.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    """


@grammar(
    id="PR023",
    severity=E,
    title="Missing quote in policy variable default",
    fix="Quote the default value: ${aws:username, 'nobody'}.",
    diagnostics=("variable-missing-quote",),
    aa_code="MISSING_QUOTE_IN_VARIABLE",
)
def variable_missing_quote() -> None:
    """A variable's default value, used when the key is missing, is written in single quotes
    after a comma.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username, nobody}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username, 'nobody'}/*"}]}
    """


@grammar(
    id="PR024",
    severity=E,
    title="Space in policy variable",
    fix="Remove the space from the variable's key name.",
    diagnostics=("variable-space",),
    aa_code="UNSUPPORTED_SPACE_IN_VARIABLE",
)
def variable_space() -> None:
    """Condition key names contain no spaces, so neither does a variable naming one (a space
    is allowed only around the comma before a default value).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws: username}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    """


@grammar(
    id="PR025",
    severity=E,
    title="Empty policy variable",
    fix="Name the key inside the braces, or remove the ${}.",
    diagnostics=("variable-empty",),
    aa_code="EMPTY_VARIABLE",
)
def variable_empty() -> None:
    """`${}` names no key; write the literal characters with the escapes `${*}`, `${?}` and
    `${$}` instead.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    """


@grammar(
    id="PR026",
    severity=E,
    title="Unsupported symbol in policy variable",
    fix="Use the key's name as the reference spells it (letters, digits, and : / _ . - @ + =).",
    diagnostics=("variable-symbol",),
    aa_code="UNSUPPORTED_SYMBOL_IN_VARIABLE",
)
def variable_symbol() -> None:
    """A variable names a condition key, and key names use only letters, digits and a few
    punctuation marks; `${aws:user#name}` names nothing. (An earlier edition of the
    reference lists this check; the current one folds it into the other variable checks.)

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:user#name}/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject",
           "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    """


@grammar(
    id="PR027",
    severity=E,
    title="Bool condition value is not true or false",
    fix='Use "true" or "false".',
    diagnostics=("bad-bool",),
    aa_code="TYPE_MISMATCH_BOOLEAN",
)
def type_mismatch_boolean() -> None:
    """Bool and Null compare against "true" or "false"; any other value has no meaning.
    Access Analyzer calls this a warning; here it is an input error, because a condition with
    no defined meaning cannot be analysed (the tool never guesses what a policy allows).

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "no"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    """


@grammar(
    id="PR028",
    severity=E,
    title="Date condition value is not a date",
    fix="Write an ISO 8601 date or date-time, e.g. 2025-12-31 or 2025-12-31T23:59:59Z.",
    diagnostics=("bad-date",),
    aa_code="TYPE_MISMATCH_DATE",
)
def type_mismatch_date() -> None:
    """Date operators compare dates; a value that is neither an ISO 8601 date/time nor epoch
    seconds has no meaning. An input error here rather than Access Analyzer's warning, for
    the reason PR027 gives.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateLessThan": {"aws:CurrentTime": "next year"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}]}
    """


@grammar(
    id="PR029",
    severity=E,
    title="Numeric condition value is not a number",
    fix="Write a number, e.g. 3600.",
    diagnostics=("bad-number",),
    aa_code="TYPE_MISMATCH_NUMBER",
)
def type_mismatch_number() -> None:
    """Numeric operators compare numbers; a value such as "one hour" has no meaning. An input
    error here rather than Access Analyzer's warning, for the reason PR027 gives.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "one hour"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}]}
    """


@grammar(
    id="PR030",
    severity=E,
    title="IP condition value is not an address range",
    fix="Write an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.0/24.",
    diagnostics=("bad-cidr",),
    aa_code="TYPE_MISMATCH_IP_RANGE",
)
def type_mismatch_ip_range() -> None:
    """IpAddress and NotIpAddress compare against addresses and CIDR ranges.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/33"}}}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
           "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    """


@grammar(
    id="PR031",
    severity=E,
    title="Action is not service:name",
    fix='Write the action as "service:ActionName", e.g. "s3:GetObject".',
    diagnostics=("malformed-action",),
    aa_code="INVALID_ACTION",
)
def malformed_action() -> None:
    """An action is a service prefix and an action name separated by one colon; anything
    else matches no action.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "GetObject", "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    """


@grammar(
    id="PR032",
    severity=E,
    title="Element repeated in one object",
    fix="Merge the two into one element.",
    diagnostics=("duplicate-element",),
)
def duplicate_element() -> None:
    """The same element appears twice in a statement or policy; JSON readers keep only one of
    them, so one is silently dropped.

    Fails:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "s3:GetObject", "Action": "s3:PutObject",
           "Resource": "arn:aws:s3:::reports/*"}]}

    Passes:

        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
           "Resource": "arn:aws:s3:::reports/*"}]}
    """
