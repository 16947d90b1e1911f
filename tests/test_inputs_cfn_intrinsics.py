"""The intrinsic functions of a template, evaluated on their own: what the template decides is
computed as CloudFormation computes it, and what only the deployment knows stays a template
value."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from policyreason.inputs.cfn_intrinsics import Intrinsics
from policyreason.ir.diagnostic import Diagnostic
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, parse_json, to_python

# Text without `${`, `}` or `&{`, which Fn::Sub and Fn::ForEach would read as references.
TEXT = st.text(st.characters(codec="ascii", exclude_characters="${}&\x00"), max_size=12)
DELIMITER = st.text(st.sampled_from(",:/-|"), min_size=1, max_size=2)


def _values(template: dict[str, object], parameters: dict[str, str] | None = None) -> Intrinsics:
    root = parse_json(json.dumps({"Resources": {}, **template}), "template.json")
    assert isinstance(root, JObject)
    diags: list[Diagnostic] = []
    return Intrinsics(root, parameters or {}, diags)


def _resolve(values: Intrinsics, expression: object) -> JNode | None:
    return values.resolve(parse_json(json.dumps(expression), "template.json"))


@given(DELIMITER, st.lists(TEXT, max_size=5))
def test_join_of_known_texts_is_the_joined_text(delimiter: str, parts: list[str]) -> None:
    values = _values({})
    joined = _resolve(values, {"Fn::Join": [delimiter, parts]})
    assert isinstance(joined, JScalar) and joined.value == delimiter.join(parts)
    assert id(joined) not in values.fuzzy


@given(DELIMITER, TEXT, st.integers(min_value=0, max_value=6))
def test_select_of_a_split_is_the_piece(delimiter: str, text: str, index: int) -> None:
    values = _values({})
    pieces = _resolve(values, {"Fn::Split": [delimiter, text]})
    assert isinstance(pieces, JArray)
    assert to_python(pieces) == text.split(delimiter)
    selected = _resolve(values, {"Fn::Select": [str(index), {"Fn::Split": [delimiter, text]}]})
    if index < len(text.split(delimiter)):
        assert isinstance(selected, JScalar) and selected.value == text.split(delimiter)[index]
    else:
        assert isinstance(selected, JScalar) and id(selected) in values.fuzzy


@given(TEXT, TEXT, st.one_of(st.none(), TEXT))
def test_sub_takes_the_given_value_else_the_default(
    default: str, suffix: str, given_value: str | None
) -> None:
    parameters = {"Parameters": {"Stage": {"Type": "String", "Default": default}}}
    values = _values(parameters, {} if given_value is None else {"Stage": given_value})
    text = _resolve(values, {"Fn::Sub": "${Stage}" + suffix})
    expected = (default if given_value is None else given_value) + suffix
    assert isinstance(text, JScalar) and text.value == expected
    assert id(text) not in values.fuzzy


def test_a_parameter_without_a_default_is_a_template_value() -> None:
    values = _values({"Parameters": {"Bucket": {"Type": "String"}}})
    text = _resolve(values, {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"})
    assert isinstance(text, JScalar) and text.value == "arn:aws:s3:::${Bucket}/*"
    assert id(text) in values.fuzzy
    assert not values.take_warnings()


@given(TEXT, TEXT)
def test_if_on_a_decided_condition_takes_its_branch(left: str, right: str) -> None:
    values = _values({"Conditions": {"Same": {"Fn::Equals": [left, right]}}})
    chosen = _resolve(values, {"Fn::If": ["Same", "yes", "no"]})
    assert isinstance(chosen, JScalar) and chosen.value == ("yes" if left == right else "no")
    assert values.condition("Same", set()) is (left == right)


def test_a_list_the_deployment_gives_is_named_unmodelled() -> None:
    values = _values({"Parameters": {"Buckets": {"Type": "CommaDelimitedList"}}})
    placeholder = _resolve(values, {"Ref": "Buckets"})
    assert isinstance(placeholder, JScalar)
    (what,) = values.unmodelled_in(placeholder)
    assert "Ref Buckets (a list)" in what
    (warning,) = values.take_warnings()
    assert warning.code == "cfn-unmodelled"


def test_a_dropped_template_value_lends_its_id_to_no_later_node() -> None:
    # The values are known by the ids of their nodes; a node dropped while its id is kept
    # could hand the id to a new node, which would then read as a template value.
    values = _values({"Parameters": {"Suffix": {"Type": "String", "Default": ""}}})
    for _ in range(50):
        dropped = _resolve(values, {"Ref": "Suffix"})
        _resolve(values, {"Fn::Sub": "x-${AWS::Region}"})
        del dropped
        known = JScalar("plain", values.root.span)
        assert id(known) not in values.fuzzy and id(known) not in values.empty_defaults
