"""A concrete request: what a witness is and what the concrete evaluator judges."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from policyreason.ir.policy import PrincipalType


class Request(BaseModel):
    """One API request. `principal` None with `principal_type` None is an anonymous caller.

    `context` maps condition keys (as written; matched case-insensitively) to their values; a
    single-valued key holds one value, a multivalued key any number (an empty tuple is a present
    but empty set).
    """

    model_config = ConfigDict(frozen=True)

    principal: str | None = None
    principal_type: PrincipalType | None = None
    principal_account: str | None = None
    action: str
    resource: str
    resource_account: str | None = None
    context: dict[str, tuple[str, ...]] = {}

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
        if self.resource_account is not None:
            out["resource_account"] = self.resource_account
        return out
