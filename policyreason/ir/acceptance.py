"""A reviewed change: the configuration lists them, and `diff` no longer fails on them."""

from __future__ import annotations

import fnmatch
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Acceptance(BaseModel):
    """A reviewed change `diff` no longer fails on: access in `direction` to `actions` (IAM
    action patterns) of the policies matching `policy` (a glob over the file path of a policy
    file, or the document name: CloudFormation logical id, Terraform address)."""

    model_config = ConfigDict(frozen=True)

    policy: str
    direction: Literal["new-access", "lost-access"]
    actions: tuple[str, ...]
    reason: str

    def covers(self, names: tuple[str, ...], direction: str) -> bool:
        """True when the entry is about one of `names` of a changed policy, in `direction`."""
        return direction == self.direction and any(
            fnmatch.fnmatchcase(name, self.policy) for name in names
        )
