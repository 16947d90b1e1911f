"""Scopes: classes of requests that public-access and external-access questions range over.

A resource policy's grants are "pinned" when they hold only for fixed values of the principal or
of a few identifying condition keys (S3 Block Public Access's definition, DESIGN.md). `Pins`
lists those fixed values, read off one policy; a `Scope` is one cell of the partition they
induce: a principal class, and for each pinning key either one fixed value or "none of them".
Requests outside every fixed value are what "anyone" means.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.ir.cidr import Cidr
from policyreason.ir.template import show

# Keys whose fixed values make a grant non-public (S3's "meaning of public"), lower-case.
# aws:PrincipalArn and aws:PrincipalAccount pin the principal itself, so they feed the
# principal classes rather than the key cells.
PRINCIPAL_KEYS = ("aws:principalarn", "aws:principalaccount")
PINNING_KEYS = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
)
SOURCE_IP = "aws:sourceip"
# Keys through which a zone of trust is recognised besides the principal's own account: the
# caller's account as KMS reports it, and the account a service acts for (an account id, or
# the account segment of aws:SourceArn).
CALLER_ACCOUNT_KEYS = ("kms:calleraccount",)
SOURCE_ACCOUNT_KEYS = ("aws:sourceaccount", "aws:sourceowner")
SOURCE_ARN = "aws:sourcearn"
ORG_KEYS = ("aws:principalorgid", "aws:sourceorgid")


class PrincipalKind(StrEnum):
    ANYONE = "anyone"
    ACCOUNT = "account"
    ARN = "arn"
    SERVICE = "service"
    FEDERATED = "federated"
    CANONICAL_USER = "canonical_user"


class PrincipalClass(BaseModel):
    """Who a scope is about: anyone (no fixed value), one account, one ARN, one service..."""

    model_config = ConfigDict(frozen=True)

    kind: PrincipalKind
    value: str = ""

    def __str__(self) -> str:
        return "*" if self.kind is PrincipalKind.ANYONE else f"{self.kind.value} {show(self.value)}"


class Pins(BaseModel):
    """The fixed values one policy mentions: accounts, principal ARNs, other principals by
    type, lower-cased literal values per pinning key, and source-IP ranges narrow enough to
    count (IPv4 /8 or narrower outside RFC 1918, IPv6 /32 or narrower)."""

    model_config = ConfigDict(frozen=True)

    accounts: tuple[str, ...] = ()
    arns: tuple[str, ...] = ()
    others: tuple[tuple[PrincipalKind, str], ...] = ()
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    source_ips: tuple[Cidr, ...] = ()
    # Every condition key the policy tests: the others play no part in any question about it.
    tested: tuple[str, ...] = ()

    def literals(self, key: str) -> tuple[str, ...]:
        """The fixed values of `key` (lower-case), empty if the policy has none."""
        return dict(self.keys).get(key, ())


class Zone(BaseModel):
    """A zone of trust: accounts and organization ids whose access is not external."""

    model_config = ConfigDict(frozen=True)

    accounts: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing is trusted (every named principal is external)."""
        return not self.accounts and not self.orgs


class Scope(BaseModel):
    """One cell: a principal class and fixed values for some pinning keys (`fixed`, key to
    lower-case value, or to a CIDR's text for aws:SourceIp); every other pinning key holds
    none of the policy's fixed values. `outside` excludes callers of the zone of trust, and
    `actions` (service prefixes, lower-case) narrows the request to one resource type's
    actions."""

    model_config = ConfigDict(frozen=True)

    principal: PrincipalClass
    pins: Pins
    fixed: tuple[tuple[str, str], ...] = ()
    outside: Zone | None = None
    services: tuple[str, ...] = ()
