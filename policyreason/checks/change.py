"""The rules of `policyreason diff`: the access a change to a policy grants or takes away.

`analysis/change.py` compares each changed policy with its base version and reports its
findings under these ids (the categories of `--fail-on`); here they are documented.
"""

from __future__ import annotations

from policyreason.checks import Evidence, Family, rule
from policyreason.ir.severity import Severity

_ACCEPT = (
    "If the change is meant, record it as accepted with its reason (`[[accept]]` in the "
    "configuration, with the policy, the direction and the actions); otherwise narrow the "
    "statement the witness requests name."
)


@rule(
    id="new-access",
    family=Family.CHANGE,
    severity=Severity.WARNING,
    title="The change grants access the base version did not",
    fix=_ACCEPT,
    evidence=Evidence.WITNESS,
)
def new_access() -> None:
    """The head version of the policy allows requests its base version denied, and none of
    them reaches an anonymous caller or another account (those are `public` and
    `cross-account`).

    Every finding lists witness requests the solver found in the new access, each allowed by
    the head version and denied by the base version when the concrete evaluator replays it.
    The finding is at the head statement that allows the first witness. By default new access
    is reported without failing the gate (`--fail-on new-access` makes it fail); new access
    the solver could not classify as public or not fails closed when the gate fails on public
    or cross-account access."""


@rule(
    id="public",
    family=Family.CHANGE,
    severity=Severity.SECURITY_WARNING,
    title="The change grants new access to anonymous callers",
    fix="Name the principals, or pin the grant with aws:PrincipalOrgID, aws:SourceArn, "
    "aws:SourceVpce or a narrow aws:SourceIp range; if anyone on the internet is meant to "
    "have it, record the change as accepted with its reason.",
    evidence=Evidence.WITNESS,
)
def public() -> None:
    """Among the requests the head version allows and the base version denied is one from an
    anonymous caller: anyone on the internet gains access.

    The witness is a request without a principal that the concrete evaluator allows under
    the head version and denies under the base version. Public new access fails the gate by
    default."""


@rule(
    id="cross-account",
    family=Family.CHANGE,
    severity=Severity.SECURITY_WARNING,
    title="The change grants new access to principals of another AWS account",
    fix="Name only the accounts meant, or pin the grant to your organization with "
    "aws:PrincipalOrgID; if the account is trusted, add it to the zone of trust "
    "(--zone-of-trust, zone-of-trust in the configuration).",
    evidence=Evidence.WITNESS,
)
def cross_account() -> None:
    """Among the requests the head version allows and the base version denied is one from an
    AWS principal of an account other than the resource's, outside the zone of trust.

    When no organization is named in the zone of trust, the organizations the head policy
    pins with aws:PrincipalOrgID are trusted, so access restricted to your own organization
    is `new-access`, not cross-account. Cross-account new access fails the gate by default."""


@rule(
    id="lost-access",
    family=Family.CHANGE,
    severity=Severity.WARNING,
    title="The change takes away access the base version granted",
    fix="If callers still need the access, restore the statement the witness requests name; "
    "otherwise nothing to do (record the change as accepted to keep a stricter gate quiet).",
    evidence=Evidence.WITNESS,
)
def lost_access() -> None:
    """The base version of the policy allowed requests the head version denies: some caller
    loses access, which may break an application.

    Each witness request is allowed by the base version and denied by the head version when
    the concrete evaluator replays it. The finding is at the head policy, or at the base
    statement when the policy was deleted. Lost access passes the gate unless it is asked to
    fail on it (`--fail-on lost-access`)."""


@rule(
    id="unknown",
    family=Family.CHANGE,
    severity=Severity.WARNING,
    title="The comparison could not be decided",
    fix="Read the reason: fix the errors of the base version, give template parameters "
    "their values, or raise the solver's resource limit; `--unknown=pass` lets the gate pass "
    "on undecided changes.",
    evidence=Evidence.UNKNOWN,
)
def unknown() -> None:
    """The solver reached its resource limit, the policy uses a construct that is not
    modelled, or the base version could not be read: whether the change grants or takes away
    access is not known.

    The finding names the reason. An unknown answer is never taken as "no change": it fails
    the gate unless `--unknown=pass` (unknown = "pass" in the configuration)."""
