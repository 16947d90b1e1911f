"""The kinds of input policyreason reads, each registered once: its name, how a parsed file is
recognised as one, and its reader.

Detection tries the kinds in the order of `KINDS` and takes the first that recognises the
file, so the order is the precedence: a policy document wins over a template that happens to
hold a `Statement`, and a describe-* export is only what nothing else is. A kind forced by the
user skips detection, but the file must still look like one (else a located error saying what
it is not), unless the reader itself says what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from policyreason.inputs.describe_kinds import DESCRIBE_KINDS
from policyreason.inputs.document import Document, InputType, PrincipalPolicies
from policyreason.inputs.policy_json import is_policy, read_policy
from policyreason.ir.diagnostic import Diagnostic
from policyreason.ir.policy import PolicyKind
from policyreason.parse.json_spans import JNode, JObject


@dataclass(frozen=True)
class Input:
    """One file, read and parsed: what a reader is given. `shown` is the path reports use;
    `kind` and `parameters` are the user's (a policy kind for raw policies, CloudFormation
    parameter values)."""

    root: JNode
    text: str
    path: Path
    shown: str
    kind: PolicyKind | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Read:
    """What a reader found in one file."""

    documents: tuple[Document, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    principals: tuple[PrincipalPolicies, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class InputKind:
    """One kind of input.

    `what` names it in the error for a forced kind the file does not fit ("this file is not
    {what}"); None when the reader's own error says better what is missing. `yaml` says the
    kind may be written in YAML whatever the file is called (CloudFormation reads a template
    as JSON, else as YAML); any kind is read from YAML in a `.yaml` or `.yml` file.
    """

    type: InputType
    recognises: Callable[[JNode], bool]
    read: Callable[[Input], Read]
    what: str | None
    yaml: bool = False


def _policy(source: Input) -> Read:
    documents = read_policy(source.root, source.text, source.shown, source.path.stem, source.kind)
    return Read(documents=tuple(documents))


# The readers of templates, plans and authorization exports (and what they pull in) load only
# for a file that may be one: a policy file, the commonest input, is recognised first.


def _is_template(root: JNode) -> bool:
    from policyreason.inputs.cfn import is_template

    return is_template(root)


def _template(source: Input) -> Read:
    from policyreason.inputs.cfn import read_template

    documents, diags = read_template(source.root, source.text, source.shown, source.parameters)
    return Read(documents=tuple(documents), diagnostics=tuple(diags))


def _is_plan(root: JNode) -> bool:
    from policyreason.inputs.tf_plan import is_plan

    return is_plan(root)


def _plan(source: Input) -> Read:
    from policyreason.inputs.tf_plan import read_plan

    documents, diags = read_plan(source.root, source.text, source.shown)
    return Read(documents=tuple(documents), diagnostics=tuple(diags))


def _is_authorization_details(root: JNode) -> bool:
    from policyreason.inputs.auth_details import is_authorization_details

    return is_authorization_details(root)


def _authorization_details(source: Input) -> Read:
    from policyreason.inputs.auth_details import read_authorization_details

    documents, principals, diags = read_authorization_details(
        source.root, source.text, source.shown
    )
    return Read(documents=tuple(documents), diagnostics=tuple(diags), principals=tuple(principals))


def _is_describe(root: JNode) -> bool:
    return isinstance(root, JObject) and bool(DESCRIBE_KINDS & set(root.keys()))


def _describe(source: Input) -> Read:
    # The network reader (and what it pulls in) loads only for a snapshot. It reads the tree
    # already parsed: the file is read once, as it is given (from a git revision too).
    from policyreason.inputs.aws_describe import read_export

    _network, diags = read_export(source.root, source.shown)
    return Read(
        diagnostics=tuple(diags),
        notes=("network snapshot: analyse it with `policyreason reach`",),
    )


KINDS: tuple[InputKind, ...] = (
    InputKind(InputType.POLICY, is_policy, _policy, None),
    InputKind(
        InputType.CLOUDFORMATION, _is_template, _template, "a CloudFormation template", yaml=True
    ),
    InputKind(InputType.TERRAFORM_PLAN, _is_plan, _plan, "a Terraform plan (terraform show -json)"),
    InputKind(
        InputType.AUTHORIZATION_DETAILS,
        _is_authorization_details,
        _authorization_details,
        "an authorization-details export",
    ),
    InputKind(InputType.AWS_DESCRIBE, _is_describe, _describe, "aws ec2 describe-* output"),
)

_BY_TYPE = {kind.type: kind for kind in KINDS}


def kind_of(input_type: InputType) -> InputKind:
    """The registered kind of a forced `--input-type`."""
    return _BY_TYPE[input_type]


def detect(root: JNode) -> InputKind | None:
    """The first kind, in order of precedence, that recognises `root`; None for a file that
    is none of them."""
    return next((kind for kind in KINDS if kind.recognises(root)), None)
