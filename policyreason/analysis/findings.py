"""Findings: what every analysis produces and every reporter consumes."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from policyreason.ir.severity import Severity
from policyreason.ir.span import Span


class Status(StrEnum):
    """How a finding is backed: a solver witness, a proof, a syntactic match, or nothing yet."""

    WITNESSED = "witnessed"
    PROVEN = "proven"
    SYNTACTIC = "syntactic"
    UNKNOWN = "unknown"


class Finding(BaseModel):
    """One reported problem, located in the user's file. `aa_code` is IAM Access Analyzer's
    issue code for the same problem, when it has one."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    aa_code: str | None = None
    severity: Severity
    title: str
    message: str
    span: Span
    status: Status = Status.SYNTACTIC
    fix: str | None = None
    witness: dict[str, Any] | None = None
    details: dict[str, Any] = {}
