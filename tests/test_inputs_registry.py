"""The registry of input kinds: every kind has an example the tool detects as that kind, the
order of the registry is the precedence of detection, a forced kind that does not fit says so,
and the command line and the documentation name exactly the registered kinds."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyreason.commands.check import INPUT_TYPES
from policyreason.inputs import InputType, LoadOptions, load_file
from policyreason.inputs.registry import KINDS, detect
from policyreason.ir.diagnostic import Level
from policyreason.parse.json_spans import parse_json

ROOT = Path(__file__).resolve().parent.parent

# Each registered kind -> files of the repository detected as that kind.
EXAMPLES: dict[InputType, tuple[str, ...]] = {
    InputType.POLICY: (
        "examples/policies/s3-read.json",
        "examples/policies/role-trust-partner.json",
        "examples/policies/kms-key-partner.json",
    ),
    InputType.CLOUDFORMATION: (
        "examples/cloudformation/app-stack.yaml",
        "examples/cloudformation/data-pipeline.json",
        "examples/cloudformation/template-values.yaml",
    ),
    InputType.TERRAFORM_PLAN: ("examples/terraform/plan.json",),
    InputType.AUTHORIZATION_DETAILS: ("examples/authorization-details/account-123456789012.json",),
    InputType.AWS_DESCRIBE: ("tests/data/inputs/network-snapshot.json",),
}

# Fragments that each make one kind recognise an object; several in one object test which
# kind wins.
FRAGMENTS: dict[InputType, dict[str, object]] = {
    InputType.POLICY: {"Version": "2012-10-17", "Statement": []},
    InputType.CLOUDFORMATION: {"Resources": {}},
    InputType.TERRAFORM_PLAN: {"format_version": "1.2", "planned_values": {"root_module": {}}},
    InputType.AUTHORIZATION_DETAILS: {"UserDetailList": [], "Policies": []},
    InputType.AWS_DESCRIBE: {"Vpcs": [], "Subnets": []},
}


def test_every_registered_kind_has_an_example() -> None:
    assert set(EXAMPLES) == {kind.type for kind in KINDS}
    assert set(FRAGMENTS) == {kind.type for kind in KINDS}


@pytest.mark.parametrize(
    ("expected", "file"),
    [(kind, file) for kind, files in EXAMPLES.items() for file in files],
    ids=lambda value: str(value),
)
def test_each_example_is_detected_as_its_kind(expected: InputType, file: str) -> None:
    source = load_file(ROOT / file)
    assert source.input_type is expected
    assert not [d for d in source.diagnostics if d.level is Level.ERROR]
    assert source.documents or source.notes


def test_the_registry_names_each_kind_once_in_the_order_of_precedence() -> None:
    assert tuple(kind.type.value for kind in KINDS) == (
        "policy",
        "cloudformation",
        "terraform-plan",
        "authorization-details",
        "aws-describe",
    )
    assert len({kind.type for kind in KINDS}) == len(KINDS)


@given(st.sets(st.sampled_from(list(FRAGMENTS)), min_size=1), st.randoms(use_true_random=False))
def test_the_first_registered_kind_that_fits_wins(
    present: set[InputType], order: random.Random
) -> None:
    pairs = [pair for kind in present for pair in FRAGMENTS[kind].items()]
    order.shuffle(pairs)
    root = parse_json(json.dumps(dict(pairs)), "mixed.json")
    first = next(kind.type for kind in KINDS if kind.type in present)
    found = detect(root)
    assert found is not None and found.type is first


@pytest.mark.parametrize(
    ("forced", "message"),
    [
        (InputType.CLOUDFORMATION, "this file is not a CloudFormation template"),
        (InputType.TERRAFORM_PLAN, "this file is not a Terraform plan (terraform show -json)"),
        (InputType.AUTHORIZATION_DETAILS, "this file is not an authorization-details export"),
        (InputType.AWS_DESCRIBE, "this file is not aws ec2 describe-* output"),
        (InputType.POLICY, "no policy document here (no Statement)"),
    ],
)
def test_a_forced_kind_that_does_not_fit_is_a_located_error(
    tmp_path: Path, forced: InputType, message: str
) -> None:
    other = InputType.TERRAFORM_PLAN if forced is InputType.POLICY else InputType.POLICY
    path = tmp_path / "other.json"
    path.write_text(json.dumps(FRAGMENTS[other], indent=2))
    source = load_file(path, LoadOptions(input_type=forced))
    (error,) = source.diagnostics
    assert (error.level, error.message, error.span.line) == (Level.ERROR, message, 1)
    assert source.input_type is None and not source.documents


def test_a_forced_kind_reads_what_detection_would_not(tmp_path: Path) -> None:
    # A template that also holds a Statement is a policy unless told otherwise.
    both = {**FRAGMENTS[InputType.POLICY], **FRAGMENTS[InputType.CLOUDFORMATION]}
    path = tmp_path / "both.json"
    path.write_text(json.dumps(both))
    assert load_file(path).input_type is InputType.POLICY
    forced = load_file(path, LoadOptions(input_type=InputType.CLOUDFORMATION))
    assert forced.input_type is InputType.CLOUDFORMATION


def test_the_command_line_and_the_docs_name_the_registered_kinds() -> None:
    # The command line keeps its own list so that `--help` loads no reader.
    names = [kind.type.value for kind in KINDS]
    assert list(INPUT_TYPES) == names
    schema = (ROOT / "docs" / "json-schema.md").read_text(encoding="utf-8")
    (row,) = [line for line in schema.splitlines() if line.startswith("| `input_type`")]
    assert row.split("`")[3::2] == names
