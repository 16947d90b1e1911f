"""A concrete request: what a witness is and what the concrete evaluator judges."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from policyreason.ir.policy import PrincipalType
from policyreason.ir.template import label


class IamKind(StrEnum):
    """The kinds of IAM caller, spelled as aws:PrincipalType spells them."""

    USER = "User"
    ROLE_SESSION = "AssumedRole"
    ROOT = "Account"
    FEDERATED_USER = "FederatedUser"


class Request(BaseModel):
    """One API request. `principal` None with `principal_type` None is an anonymous caller.

    For an IAM caller, `principal` is the caller's ARN as AWS reports it (a user, the account
    root, a role *session* `arn:aws:sts::A:assumed-role/R/S`, a federated user) and
    `principal_arn` is aws:PrincipalArn: the role's own ARN (with its path) for a role session,
    the caller's ARN otherwise (None means the same as `principal`). For other callers
    `principal` is the service principal, identity provider or canonical user id.

    `context` maps condition keys (as written; matched case-insensitively) to their values; a
    single-valued key holds one value, a multivalued key any number (an empty tuple is a present
    but empty set). Keys that are functions of the principal or the resource (aws:PrincipalArn,
    aws:PrincipalType, aws:ResourceAccount, ...) are derived from them, not read from here.

    `bindings` are not part of the request: they give the template values (`ir/template.py`)
    of the policies it was found for, name to value, under which the request is a witness.
    """

    model_config = ConfigDict(frozen=True)

    principal: str | None = None
    principal_type: PrincipalType | None = None
    principal_account: str | None = None
    principal_arn: str | None = None
    action: str
    resource: str
    resource_account: str | None = None
    context: dict[str, tuple[str, ...]] = {}
    bindings: dict[str, str] = {}

    @property
    def identity_arn(self) -> str | None:
        """aws:PrincipalArn of an IAM caller (None for other callers)."""
        if self.principal_type is not PrincipalType.AWS:
            return None
        return self.principal_arn or self.principal

    def to_json(self) -> dict[str, Any]:
        """The documented witness shape: single values as strings, sets as lists."""
        out: dict[str, Any] = {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "context": {
                k: (list(v) if len(v) != 1 else v[0]) for k, v in sorted(self.context.items())
            },
        }
        if self.principal_type is not None:
            out["principal_type"] = self.principal_type.value
        if self.principal_account is not None:
            out["principal_account"] = self.principal_account
        if self.principal_arn is not None and self.principal_arn != self.principal:
            out["principal_arn"] = self.principal_arn
        if self.resource_account is not None:
            out["resource_account"] = self.resource_account
        if self.bindings:
            out["template_values"] = {label(k): v for k, v in sorted(self.bindings.items())}
        return out

    def when(self) -> str:
        """The template values as a clause for messages ("" without any)."""
        if not self.bindings:
            return ""
        values = ", ".join(f"{label(k)} = {v}" for k, v in sorted(self.bindings.items()))
        return f" when {values}"
