"""Policy documents into the IR: exact locations, every diagnostic, kind detection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyreason.ir.cidr import Cidr, parse_cidr, parse_ip
from policyreason.ir.diagnostic import Level
from policyreason.ir.pattern import Star, Text, Variable
from policyreason.ir.policy import (
    Effect,
    Policy,
    PolicyKind,
    PrincipalType,
    SetQualifier,
    Statement,
)
from policyreason.parse.json_spans import parse_json
from policyreason.parse.policy import (
    MAX_STATEMENTS,
    ParsedPolicy,
    _action_pattern,
    _resource_shape,
    parse_date,
    parse_policy_node,
    parse_policy_text,
)
from tests.strategies import policy_documents

# Statements IAM rejects, each for one reason of its own.
BROKEN_STATEMENTS: list[dict[str, Any]] = [
    {"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket"},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqual": {}}},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condtion": {}},
    {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"k": "yes"}}},
    {"Effect": "Deny", "Action": "s3:*"},
    {"Action": "s3:*", "Resource": "*"},
]


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of `needle` in `text`."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _ok(doc: dict[str, Any] | str, kind: PolicyKind | None = None) -> Policy:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    parsed = parse_policy_text(text, "p.json", kind)
    assert parsed.errors == [], [str(d) for d in parsed.diagnostics]
    assert parsed.policy is not None
    return parsed.policy


def _only(text: str, kind: PolicyKind | None = None) -> tuple[ParsedPolicy, str, int, int]:
    parsed = parse_policy_text(text, "p.json", kind)
    assert len(parsed.diagnostics) == 1, [str(d) for d in parsed.diagnostics]
    d = parsed.diagnostics[0]
    assert d.span.file == "p.json"
    return parsed, d.code, d.span.line, d.span.column


POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "S3:List*"],
      "Resource": "arn:aws:s3:::bucket/${aws:username}/*",
      "Condition": {
        "StringEquals": {"aws:PrincipalTag/Team": ["red", "blue"]},
        "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "env*"}
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "iam:*",
      "NotResource": "*"
    }
  ]
}"""


def test_statements_and_elements_are_located() -> None:
    policy = _ok(POLICY)
    assert policy.kind is PolicyKind.IDENTITY
    assert policy.version == "2012-10-17"
    assert policy.span.line == 1 and policy.span.column == 1
    first, second = policy.statements
    assert (first.span.line, first.span.column, first.span.end_line) == (4, 5, 13)
    assert (second.span.line, second.span.column) == (14, 5)
    assert first.label == "Read" and second.label == "Statement[1]"
    assert (first.index, second.index) == (0, 1)
    # The element names keep the position of their key, for findings that point at them.
    assert (first.keys["Action"].line, first.keys["Action"].column) == (7, 7)
    assert (second.keys["NotAction"].line, second.keys["NotAction"].column) == (16, 7)
    # Values are located too.
    _get, lst = first.actions
    assert lst.span is not None and (lst.span.line, lst.span.column) == _at(POLICY, '"S3:List*"')
    assert first.resources is not None and first.resources[0].span is not None
    assert first.resources[0].span.line == 8


def test_actions_are_lower_cased_resources_keep_case_and_variables() -> None:
    first = _ok(POLICY).statements[0]
    assert [a.parts for a in first.actions] == [
        (Text(text="s3:getobject"),),
        (Text(text="s3:list"), Star()),
    ]
    assert first.resources is not None
    assert first.resources[0].parts == (
        Text(text="arn:aws:s3:::bucket/"),
        Variable(key="aws:username"),
        Text(text="/"),
        Star(),
    )


def test_conditions_one_per_key_with_qualifiers() -> None:
    first = _ok(POLICY).statements[0]
    eq, like = first.conditions
    assert eq.op.name == "StringEquals" and eq.key == "aws:principaltag/team"
    assert eq.key_text == "aws:PrincipalTag/Team"
    assert [v.text for v in eq.values] == ["red", "blue"]
    assert (eq.span.line, eq.span.column) == _at(POLICY, '"aws:PrincipalTag/Team"')
    assert like.qualifier is SetQualifier.FOR_ANY_VALUE and like.if_exists
    assert like.op.name == "StringLike"
    assert like.values[0].pattern is not None
    assert like.values[0].pattern.parts == (Text(text="env"), Star())


def test_negated_elements() -> None:
    second = _ok(POLICY).statements[1]
    assert second.effect is Effect.DENY
    assert second.not_action and second.not_resource
    assert second.resources is not None and second.resources[0].is_match_all


def test_single_statement_object_and_missing_version() -> None:
    policy = _ok({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    assert len(policy.statements) == 1
    assert policy.version is None
    assert not policy.supports_variables


def test_version_2008_keeps_dollar_text_literal() -> None:
    doc = {
        "Version": "2008-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${x y}"},
    }
    stmt = _ok(doc).statements[0]
    assert stmt.resources is not None
    assert stmt.resources[0].parts == (Text(text="arn:aws:s3:::b/${x y}"),)


def test_wildcards_are_literal_outside_like_operators() -> None:
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"k": "a*"}, "StringLike": {"k": "a*"}},
        }
    }
    eq, like = _ok(doc).statements[0].conditions
    assert eq.values[0].pattern is not None and like.values[0].pattern is not None
    assert eq.values[0].pattern.parts == (Text(text="a*"),)
    assert like.values[0].pattern.parts == (Text(text="a"), Star())


def test_typed_condition_values() -> None:
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {
                "NumericLessThan": {"n": 10},
                "DateGreaterThan": {"d": "2024-01-01T00:00:00Z"},
                "Bool": {"b": True},
                "IpAddress": {"ip": ["10.1.2.3/8", "2001:db8::/32"]},
                "Null": {"x": "false"},
            },
        }
    }
    num, date, flag, ip, null = _ok(doc).statements[0].conditions
    assert num.values[0].number == 10
    assert date.values[0].number == 1704067200_000  # epoch milliseconds
    assert flag.values[0].flag is True and flag.values[0].text == "true"
    v4, v6 = (v.cidr for v in ip.values)
    # Host bits are masked away, as IAM does.
    assert v4 is not None and (v4.version, v4.length, str(v4)) == (4, 8, "10.0.0.0/8")
    assert v6 is not None and (v6.version, v6.length) == (6, 32)
    assert null.values[0].flag is False


def test_parse_date_and_cidr_helpers() -> None:
    assert parse_date("1700000000") == 1700000000_000
    assert parse_date("2024-01-01") == 1704067200_000
    assert parse_date("2024-01-01T01:00:00+01:00") == 1704067200_000
    assert parse_date("2024-01-01T00:00:00.250Z") == 1704067200_250
    assert parse_date("tomorrow") is None
    assert parse_cidr("192.168.1.7") is not None
    assert str(parse_cidr("192.168.1.7")) == "192.168.1.7/32"
    assert parse_cidr("10.0.0.0/33") is None


def test_principals() -> None:
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {
                "AWS": ["123456789012", "arn:aws:iam::111122223333:role/r"],
                "Service": "ec2.amazonaws.com",
            },
            "Action": "s3:GetObject",
            "Resource": "*",
        }
    }
    stmt = _ok(doc).statements[0]
    assert stmt.principal is not None and not stmt.principal.anyone
    entries = [(e.type, e.value, e.account) for e in stmt.principal.entries]
    assert entries == [
        (PrincipalType.AWS, "123456789012", "123456789012"),
        (PrincipalType.AWS, "arn:aws:iam::111122223333:role/r", None),
        (PrincipalType.SERVICE, "ec2.amazonaws.com", None),
    ]


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}])
def test_anyone(principal: object) -> None:
    doc = {
        "Statement": {"Effect": "Allow", "Principal": principal, "Action": "s3:*", "Resource": "*"}
    }
    stmt = _ok(doc).statements[0]
    assert stmt.principal is not None and stmt.principal.anyone


# -- kind detection --------------------------------------------------------------------------


def test_kind_identity_without_principal() -> None:
    assert _ok({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}).kind is (
        PolicyKind.IDENTITY
    )


def test_kind_resource_with_principal() -> None:
    doc = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}
    assert _ok(doc).kind is PolicyKind.RESOURCE


def test_kind_trust_when_every_action_assumes_a_role() -> None:
    doc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            },
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/x"},
                "Action": "STS:AssumeRoleWithWebIdentity",
            },
        ]
    }
    policy = _ok(doc)
    assert policy.kind is PolicyKind.TRUST
    # Trust policies need no Resource.
    assert policy.statements[0].resources is None


def test_kind_resource_when_one_action_is_not_sts() -> None:
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["sts:AssumeRole", "s3:GetObject"],
            "Resource": "*",
        }
    }
    assert _ok(doc).kind is PolicyKind.RESOURCE


def test_explicit_kind_wins_over_detection() -> None:
    doc = {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    assert _ok(doc, PolicyKind.SCP).kind is PolicyKind.SCP


# -- diagnostics: one small document per code, located --------------------------------------

S = '"Effect": "Allow", "Action": "s3:*", "Resource": "*"'

CASES: list[tuple[str, str, str, PolicyKind | None]] = [
    # (code, document, text the diagnostic points at, kind)
    ("json", '{\n  "Statement": [\n    {"Effect": @}\n  ]\n}', "@", None),
    ("policy-not-object", '  ["Statement"]', "[", None),
    ("unknown-element", '{"Statement": [],\n "Foo": 1}', '"Foo"', None),
    ("duplicate-element", '{"Statement": [],\n "Statement": []}', '"Statement"', None),
    ("bad-version", '{"Version": "2012-10-18", "Statement": []}', '"2012-10-18"', None),
    ("not-a-string", '{"Id": 5, "Statement": []}', "5", None),
    ("missing-statement", '\n\n  {"Version": "2012-10-17"}', "{", None),
    ("statement-not-object", '{"Statement": [\n  "x"]}', '"x"', None),
    (
        "missing-effect",
        '{"Statement": [\n {"Action": "s3:*", "Resource": "*"}]}',
        '{"Action"',
        None,
    ),
    (
        "bad-effect",
        '{"Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"}}',
        '"allow"',
        None,
    ),
    ("both-elements", '{"Statement": {' + S + ',\n "NotAction": "s3:Get*"}}', '"s3:Get*"', None),
    (
        "missing-action",
        '{"Statement": [\n  {"Effect": "Allow", "Resource": "*"}]}',
        '{"Effect"',
        None,
    ),
    (
        "missing-resource",
        '{"Statement": [\n  {"Effect": "Allow", "Action": "s3:*"}]}',
        '{"Effect"',
        None,
    ),
    (
        "malformed-action",
        '{"Statement": {"Effect": "Allow", "Action": ["s3:*", "GetObject"], "Resource": "*"}}',
        '"GetObject"',
        None,
    ),
    (
        "arn-prefix",
        '{"Statement": {"Effect": "Allow", "Action": "s3:*",\n  "Resource": "bucket/key"}}',
        '"bucket/key"',
        None,
    ),
    (
        "arn-fields",
        '{"Statement": {"Effect": "Allow", "Action": "s3:*",\n  "Resource": "arn:aws:s3:bucket"}}',
        '"arn:aws:s3:bucket"',
        None,
    ),
    (
        "principal-not-allowed",
        '{"Statement": {' + S + ',\n "Principal": "*"}}',
        '"*"}',
        PolicyKind.IDENTITY,
    ),
    ("missing-principal", '{"Statement": [\n  {' + S + "}]}", '{"Effect"', PolicyKind.RESOURCE),
    ("bad-principal", '{"Statement": {' + S + ',\n "Principal": {"AWS": "bob"}}}', '"bob"', None),
    (
        "bad-principal-type",
        '{"Statement": {' + S + ',\n "Principal": {"aws": "*"}}}',
        '"aws"',
        None,
    ),
    (
        "principal-wildcard",
        '{"Statement": {' + S + ',\n "Principal": {"AWS": "arn:aws:iam::123456789012:role/*"}}}',
        '"arn:aws:iam::123456789012:role/*"',
        None,
    ),
    ("bad-condition", '{"Statement": {' + S + ',\n "Condition": ["x"]}}', '["x"]', None),
    (
        "null-if-exists",
        '{"Statement": {' + S + ',\n "Condition": {"NullIfExists": {"k": "true"}}}}',
        '"NullIfExists"',
        None,
    ),
    (
        "variable-for-operator",
        '{"Version": "2012-10-17", "Statement": {'
        + S
        + ',\n "Condition": {"NumericLessThan": {"n": "${aws:username}"}}}}',
        '"${aws:username}"',
        None,
    ),
    (
        "unknown-operator",
        '{"Statement": {' + S + ',\n "Condition": {"StringEqual": {"k": "v"}}}}',
        '"StringEqual"',
        None,
    ),
    (
        "bad-condition-value",
        '{"Statement": {' + S + ',\n "Condition": {"StringEquals": {"k": [{"v": 1}]}}}}',
        '{"v": 1}',
        None,
    ),
    (
        "bad-number",
        '{"Statement": {' + S + ',\n "Condition": {"NumericLessThan": {"n": "ten"}}}}',
        '"ten"',
        None,
    ),
    (
        "bad-date",
        '{"Statement": {' + S + ',\n "Condition": {"DateLessThan": {"d": "tomorrow"}}}}',
        '"tomorrow"',
        None,
    ),
    (
        "bad-bool",
        '{"Statement": {' + S + ',\n "Condition": {"Bool": {"b": "yes"}}}}',
        '"yes"',
        None,
    ),
    (
        "bad-cidr",
        '{"Statement": {' + S + ',\n "Condition": {"IpAddress": {"ip": "10.0.0.0/33"}}}}',
        '"10.0.0.0/33"',
        None,
    ),
    (
        "too-many-statements",
        '{"Statement":\n [' + ",".join(["{}"] * (MAX_STATEMENTS + 1)) + "]}",
        "[",
        None,
    ),
]


@pytest.mark.parametrize(("code", "text", "needle", "kind"), CASES, ids=[c[0] for c in CASES])
def test_every_diagnostic_is_located(
    code: str, text: str, needle: str, kind: PolicyKind | None
) -> None:
    parsed, got, line, column = _only(text, kind)
    assert got == code
    # A duplicate is reported at its second occurrence, the rest at the first.
    assert (line, column) == _at(text, needle, 1 if code == "duplicate-element" else 0)
    assert parsed.diagnostics[0].level is Level.ERROR
    assert parsed.policy is None


def test_malformed_variable_points_inside_the_value() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*",\n'
        '  "Resource": "arn:aws:s3:::b/${x y}"}}'
    )
    _parsed, code, line, column = _only(text)
    assert code == "variable-space"
    # The space inside `${x y}` is the offending character.
    assert (line, column) == _at(text, " y}")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("${aws:username", "variable-missing-brace"),
        ("${}", "variable-empty"),
        ("${aws:username, nobody}", "variable-missing-quote"),
        ("${aws:user name}", "variable-space"),
        ("${aws:user#name}", "variable-symbol"),
    ],
)
def test_malformed_variables_say_what_is_wrong(value: str, code: str) -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*",'
        f' "Resource": "arn:aws:s3:::b/{value}"}}}}'
    )
    assert _only(text)[1] == code


def test_empty_lists_are_read_as_matching_nothing_or_everything() -> None:
    empty_action = _ok({"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}})
    assert empty_action.statements[0].actions == () and not empty_action.statements[0].not_action
    no_exclusion = _ok({"Statement": {"Effect": "Deny", "NotAction": [], "Resource": []}})
    assert no_exclusion.statements[0].not_action and no_exclusion.statements[0].resources == ()


def test_unique_ids_are_principals() -> None:
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Principal": {"AWS": ["AROAEXAMPLEID123456789", "AIDAEXAMPLEID123456789"]},
        }
    }
    entries = _ok(doc).statements[0].principal.entries  # type: ignore[union-attr]
    assert [e.value for e in entries] == ["AROAEXAMPLEID123456789", "AIDAEXAMPLEID123456789"]


def test_json_error_in_a_multiline_document() -> None:
    text = '{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}'
    _parsed, code, line, column = _only(text)
    assert code == "json"
    assert (line, column) == (3, 24)


def test_element_names_are_case_sensitive_with_a_hint() -> None:
    text = '{"Statement": {"effect": "Allow", "Action": "s3:*", "Resource": "*"}}'
    parsed = parse_policy_text(text, "p.json")
    codes = [d.code for d in parsed.diagnostics]
    # The misspelt element is not reported missing as well.
    assert codes == ["unknown-element"]
    assert "did you mean 'Effect'" in parsed.diagnostics[0].message
    assert parsed.diagnostics[0].span.column == _at(text, '"effect"')[1]


def test_null_if_exists_is_not_an_operator() -> None:
    text = '{"Statement": {' + S + ', "Condition": {"NullIfExists": {"k": "true"}}}}'
    _parsed, code, _line, column = _only(text)
    assert code == "null-if-exists"
    assert column == _at(text, '"NullIfExists"')[1]


def test_operators_and_qualifiers_ignore_case() -> None:
    doc = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"forallvalues:stringequalsifexists": {"k": "v"}},
        }
    }
    cond = _ok(doc).statements[0].conditions[0]
    assert cond.qualifier is SetQualifier.FOR_ALL_VALUES
    assert cond.if_exists and cond.op.name == "StringEquals"


def test_several_errors_are_all_reported() -> None:
    text = (
        '{"Statement": [\n'
        '  {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},\n'
        '  {"Effect": "Allow", "Action": "nocolon", "Resource": "*"}\n'
        "]}"
    )
    parsed = parse_policy_text(text, "p.json")
    assert [(d.code, d.span.line) for d in parsed.diagnostics] == [
        ("bad-effect", 2),
        ("malformed-action", 3),
    ]
    assert parsed.policy is None
    assert parsed.root is not None


def test_the_cases_cover_every_code_the_parser_emits() -> None:
    import inspect
    import re

    import policyreason.parse.policy as module

    source = inspect.getsource(module)
    emitted = set(re.findall(r'(?:error|warn)\(\s*"([a-z-]+)"', source))
    emitted |= set(re.findall(r'code="([a-z-]+)"', source))
    # `missing-{positive.lower()}` for the two required elements.
    assert 'f"missing-{positive.lower()}"' in source
    emitted |= {"missing-action", "missing-resource"}
    # The variable-before-resource warning has a test of its own below.
    covered = {c[0] for c in CASES} | {"variable-before-resource"}
    assert emitted == covered


# -- error recovery: every error reported, the well-formed statements kept -----------------------

MASKED = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Vpc", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
     "Condition": {"StringEqual": {"aws:SourceVpc": "vpc-1"}}},
    {"Sid": "Typo", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
     "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
    {"Sid": "Public", "Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
  ]
}"""


def test_an_error_keeps_the_well_formed_statements_for_the_lint() -> None:
    parsed = parse_policy_text(MASKED, "p.json")
    assert [(d.code, d.span.line) for d in parsed.errors] == [("unknown-operator", 6)]
    assert "did you mean 'StringEquals'?" in parsed.errors[0].message
    # No answer is given about a policy with an error, but the lint sees the other two.
    assert parsed.policy is None
    assert parsed.partial is not None and parsed.checkable is parsed.partial
    assert [s.sid for s in parsed.partial.statements] == ["Typo", "Public"]
    assert [s.index for s in parsed.partial.statements] == [1, 2]


def test_a_valid_policy_is_its_own_partial() -> None:
    parsed = parse_policy_text(POLICY, "p.json")
    assert parsed.policy is not None and parsed.partial is parsed.policy


def test_every_error_inside_one_statement_is_reported() -> None:
    text = (
        '{"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", 5, "nocolon", 6],\n'
        ' "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/33", "x"]},\n'
        ' "Bool": {"aws:SecureTransport": ["yes", "no"]}, "StringEqual": {"k": "v"}}}}'
    )
    parsed = parse_policy_text(text, "p.json")
    assert [d.code for d in parsed.errors] == [
        "not-a-string",
        "not-a-string",
        "bad-cidr",
        "bad-cidr",
        "bad-bool",
        "bad-bool",
        "unknown-operator",
    ]
    assert parsed.partial is None


def test_a_document_without_a_well_formed_statement_has_no_partial() -> None:
    parsed = parse_policy_text('{"Statement": [{"Effect": "Permit"}]}', "p.json")
    assert parsed.errors and parsed.partial is None


@given(
    policy_documents(),
    st.lists(st.sampled_from(BROKEN_STATEMENTS), max_size=3),
    st.randoms(use_true_random=False),
)
def test_recovery_keeps_exactly_the_well_formed_statements(
    doc: dict[str, Any], broken: list[dict[str, Any]], rnd: Any
) -> None:
    good = doc["Statement"]
    mixed: list[tuple[bool, dict[str, Any]]] = [(True, s) for s in good] + [
        (False, b) for b in broken
    ]
    rnd.shuffle(mixed)
    text = json.dumps({"Version": "2012-10-17", "Statement": [s for _, s in mixed]}, indent=1)
    parsed = parse_policy_text(text, "p.json", PolicyKind.IDENTITY)
    well_formed = [i for i, (ok, _) in enumerate(mixed) if ok]
    # Each broken statement has at least one error of its own, located inside it.
    assert len(parsed.errors) >= len(broken)
    if not broken:
        assert parsed.policy is not None and parsed.partial is parsed.policy
    else:
        assert parsed.policy is None
        kept = [s.index for s in parsed.partial.statements] if parsed.partial else []
        assert kept == well_formed
    # The statements kept read exactly as they do alone (positions aside).
    in_order = [s for ok, s in mixed if ok]
    alone = parse_policy_text(
        json.dumps({"Version": "2012-10-17", "Statement": in_order}), "p.json"
    )
    assert alone.policy is not None and parsed.checkable is not None
    assert [_shape(s) for s in parsed.checkable.statements] == [
        _shape(s) for s in alone.policy.statements
    ]


def _shape(stmt: Statement) -> tuple[object, ...]:
    return (
        stmt.effect,
        [a.text for a in stmt.actions],
        stmt.not_action,
        [r.text for r in stmt.resources or ()],
        stmt.not_resource,
        [(c.operator_text, c.key, [v.text for v in c.values]) for c in stmt.conditions],
    )


# -- near misses get a hint -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "hint"),
    [
        ('"Actions": "s3:*", "Resource": "*"', "did you mean 'Action'?"),
        ('"Action": "s3:*", "Resources": "*"', "did you mean 'Resource'?"),
        ('"Action": "s3:*", "Resource": "*", "Condtion": {}', "did you mean 'Condition'?"),
        ('"Action": "s3:*", "resource": "*"', "did you mean 'Resource'? names are case-sensitive"),
    ],
)
def test_misspelt_elements_get_a_hint(fragment: str, hint: str) -> None:
    parsed = parse_policy_text('{"Statement": {"Effect": "Allow", ' + fragment + "}}", "p.json")
    assert any(hint in d.message for d in parsed.errors), [d.message for d in parsed.errors]


@pytest.mark.parametrize(
    ("operator", "hint"),
    [
        ("StringEqual", "StringEquals"),
        ("ForAnyValue:StringLik", "ForAnyValue:StringLike"),
        ("ArnLikeIfExist", None),
        ("NumericLessThenIfExists", "NumericLessThanIfExists"),
        ("IpAdress", "IpAddress"),
    ],
)
def test_misspelt_operators_get_a_hint(operator: str, hint: str | None) -> None:
    text = '{"Statement": {' + S + ', "Condition": {"' + operator + '": {"k": "v"}}}}'
    (error,) = parse_policy_text(text, "p.json").errors
    assert error.code == "unknown-operator"
    if hint is None:
        assert "did you mean" not in error.message
    else:
        assert f"did you mean {hint!r}?" in error.message


def test_misspelt_values_get_a_hint() -> None:
    text = '{"Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"}}'
    assert "did you mean 'Allow'?" in parse_policy_text(text, "p.json").errors[0].message
    text = '{"Statement": {' + S + ', "Principal": {"aws": "*"}}}'
    assert "did you mean 'AWS'?" in parse_policy_text(text, "p.json").errors[0].message


def test_lowercase_policy_is_read_for_its_errors() -> None:
    text = (
        '{"version": "2012-10-17",\n'
        ' "statement": [{"effect": "Allow", "action": "*", "resource": "*"}]}'
    )
    parsed = parse_policy_text(text, "p.json")
    messages = [d.message for d in parsed.errors]
    assert parsed.policy is None
    for element in ("Version", "Statement", "Effect", "Action", "Resource"):
        assert any(f"did you mean {element!r}?" in m for m in messages), (element, messages)
    assert {d.code for d in parsed.errors} == {"unknown-element"}


# -- ECR repository policies: no Resource element ------------------------------------------------

ECR = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowPushPull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:user/push-pull"},
            "Action": ["ecr:BatchGetImage", "ecr:PutImage", "ECR:UploadLayerPart"],
        }
    ],
}


def test_ecr_repository_policy_needs_no_resource() -> None:
    policy = _ok(ECR)
    assert policy.kind is PolicyKind.RESOURCE
    assert policy.statements[0].resources is None


def test_other_resource_policies_still_need_a_resource() -> None:
    mixed = json.loads(json.dumps(ECR))
    mixed["Statement"][0]["Action"].append("s3:GetObject")
    (error,) = parse_policy_text(json.dumps(mixed), "p.json").errors
    assert error.code == "missing-resource"
    # ...unless the reader knows the policy is an ECR repository's (a template, a plan).
    root = parse_json(json.dumps(mixed), "p.json")
    assert parse_policy_node(root, implicit_resource=True).policy is not None


def test_a_variable_before_the_fifth_colon_is_literal_text() -> None:
    """IAM User Guide, policy variables
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html): "You
    can use a policy variable in the Resource element, but only in the resource portion of the
    ARN. [...] You can't use a variable to replace parts of the ARN before the fifth colon, such
    as the service or account." """
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "sqs:*",
                "Resource": [
                    "arn:aws:sqs:*:${aws:PrincipalAccount}:orders",
                    "arn:aws:sqs:*:111122223333:${aws:username}",
                ],
            },
        }
    )
    parsed = parse_policy_text(text)
    assert parsed.policy is not None
    head, tail = parsed.policy.statements[0].resources or ()
    assert not head.has_variable and head.text == "arn:aws:sqs:*:${aws:PrincipalAccount}:orders"
    assert tail.has_variable
    assert [(d.code, d.level) for d in parsed.diagnostics] == [
        ("variable-before-resource", Level.WARNING)
    ]


def test_one_cidr_for_policies_and_networks() -> None:
    """Policies and networks read addresses alike; a network written in IPv4-mapped IPv6 form
    stays IPv6."""
    v4 = parse_cidr("10.1.2.3/8")
    assert v4 is not None and v4 == Cidr.parse("10.0.0.0/8") and v4.contains(parse_ip("10.9.9.9"))
    mapped = parse_cidr("::ffff:10.0.0.0/104")
    assert mapped is not None and (mapped.version, mapped.length) == (6, 104)
    assert mapped.contains(parse_ip("10.1.2.3"))  # the same addresses, another family


# Actions and resources, well-formed and not, with variables and template references: a
# text's form is worked out once (`_action_pattern`, `_resource_shape`), each of its places
# gets its own pattern and its own diagnostics.
ACTION_TEXTS = ["s3:GetObject", "S3:get*", "*", "GetObject", "s3:a:b", "${Svc}", "s3:${aws:x}"]
RESOURCE_TEXTS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3*",
    "bucket",
    "arn:aws:s3",
    "arn:aws:sqs:*:${aws:PrincipalAccount}:q",
    "arn:aws:s3:::${aws:username}/*",
    "${Bucket.Arn}/*",
]


def _alone(version: str, element: str, text: str) -> list[tuple[str, Level]]:
    """The diagnostics of `text` read in a policy of its own, as if first met."""
    _action_pattern.cache_clear()
    _resource_shape.cache_clear()
    other = {"Action": "s3:GetObject"} if element == "Resource" else {"Resource": "*"}
    statement = {"Effect": "Allow", element: text, **other}
    parsed = parse_policy_text(json.dumps({"Version": version, "Statement": statement}))
    return [(d.code, d.level) for d in parsed.diagnostics]


@given(
    st.lists(st.sampled_from(ACTION_TEXTS), min_size=1, max_size=5),
    st.lists(st.sampled_from(RESOURCE_TEXTS), min_size=1, max_size=5),
    st.sampled_from(["2012-10-17", "2008-10-17"]),
)
def test_a_text_met_again_is_read_as_when_first_met(
    actions: list[str], resources: list[str], version: str
) -> None:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    text = json.dumps({"Version": version, "Statement": [statement, statement]}, indent=1)
    parsed = parse_policy_text(text)
    expected = [
        d
        for element, texts in (("Action", actions), ("Resource", resources))
        for t in texts
        for d in _alone(version, element, t)
    ]
    got = sorted((d.code, d.level) for d in parsed.diagnostics)
    assert got == sorted(expected * 2)
    assert len({d.span for d in parsed.diagnostics}) == len(parsed.diagnostics)
    again = parse_policy_text(text)
    assert (again.diagnostics, again.policy, again.partial) == (
        parsed.diagnostics,
        parsed.policy,
        parsed.partial,
    )
    policy = parsed.checkable
    if policy is None:
        return
    for s in policy.statements:
        placed = [p.span for p in (*s.actions, *(s.resources or ()))]
        assert None not in placed and len(set(placed)) == len(placed)
        assert [p.text for p in s.actions] == actions
