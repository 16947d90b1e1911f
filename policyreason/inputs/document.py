"""What the input readers produce: one Document per policy found, grouped by source file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from policyreason.errors import InputError
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import PolicyKind, PolicySet
from policyreason.ir.span import Span
from policyreason.parse.policy import ParsedPolicy


def unreadable(exc: InputError) -> Diagnostic:
    """The error diagnostic of a file that could not be read at all."""
    return Diagnostic(code=exc.code, level=Level.ERROR, message=exc.message, span=exc.span)


class InputType(StrEnum):
    """The formats `policyreason` reads; detected from the content unless forced."""

    POLICY = "policy"
    CLOUDFORMATION = "cloudformation"
    TERRAFORM_PLAN = "terraform-plan"
    AUTHORIZATION_DETAILS = "authorization-details"
    AWS_DESCRIBE = "aws-describe"


@dataclass(frozen=True)
class Document:
    """One policy found in a file.

    `name` says where it sits (a CloudFormation logical id and property, a Terraform address,
    a principal in an authorization export); `diagnostics` are problems of the enclosing format
    (an unresolved `!Ref`, a value known only after apply), the policy's own are in `parsed`.
    `attachment` is where an identity policy lives (managed, role, user, group), which sets its
    size quota; `source` is the policy text as written when it was a string of its own.
    """

    parsed: ParsedPolicy
    kind: PolicyKind
    file: str
    name: str
    diagnostics: tuple[Diagnostic, ...] = ()
    attachment: str = "managed"
    source: str | None = None

    @property
    def all_diagnostics(self) -> list[Diagnostic]:
        """Input and policy diagnostics together."""
        return [*self.diagnostics, *self.parsed.diagnostics]


class PrincipalPolicies(BaseModel):
    """Every policy that applies to one user or role of an authorization export.

    `groups` are the ARNs of a user's groups; `attached` the ARNs of the customer managed
    policies that apply to it (attached to it or to one of its groups); `tags` a user's or
    role's tags; `boundary_missing` the ARN of a permissions boundary the export does not hold
    (its policy set is then not what IAM evaluates)."""

    model_config = ConfigDict(frozen=True)

    arn: str
    name: str
    type: str
    policies: PolicySet
    span: Span
    groups: tuple[str, ...] = ()
    attached: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    boundary_missing: str | None = None


@dataclass(frozen=True)
class SourceFile:
    """One file read: what it was, the policies in it, and problems with the file itself.

    `input_type` is None when the file is not something policyreason reads (it is skipped)
    or could not be read at all (then `diagnostics` holds the error).
    """

    path: str
    input_type: InputType | None
    documents: tuple[Document, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    principals: tuple[PrincipalPolicies, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def all_diagnostics(self) -> list[Diagnostic]:
        """File, input and policy diagnostics, in file order."""
        out = list(self.diagnostics)
        for doc in self.documents:
            out += doc.all_diagnostics
        return sorted(out, key=lambda d: (d.span.line, d.span.column))
