"""JSON with positions: every value located exactly, duplicates kept, errors located."""

from __future__ import annotations

import pytest

from policyreason.parse.json_spans import (
    JArray,
    JObject,
    JScalar,
    JsonSyntaxError,
    parse_json,
    to_python,
)

DOC = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "*"
    }
  ]
}"""


def _where(node: JScalar | JArray | JObject) -> tuple[int, int, int, int]:
    s = node.span
    return (s.line, s.column, s.end_line, s.end_column)


def test_multiline_document_positions_are_exact() -> None:
    root = parse_json(DOC, "policy.json")
    assert isinstance(root, JObject)
    assert root.span.file == "policy.json"
    # The root object spans the whole document; the end column is exclusive.
    assert _where(root) == (1, 1, 10, 2)
    version_key, version = root.pairs[0]
    assert _where(version_key) == (2, 3, 2, 12)
    assert _where(version) == (2, 14, 2, 26)
    statements = root.get("Statement")
    assert isinstance(statements, JArray)
    assert _where(statements) == (3, 16, 9, 4)
    stmt = statements.items[0]
    assert isinstance(stmt, JObject)
    assert _where(stmt) == (4, 5, 8, 6)
    action = stmt.get("Action")
    assert isinstance(action, JArray)
    second = action.items[1]
    assert isinstance(second, JScalar)
    assert second.value == "s3:PutObject"
    assert _where(second) == (6, 34, 6, 48)
    resource_key = stmt.pairs[2][0]
    assert resource_key.value == "Resource"
    assert _where(resource_key) == (7, 7, 7, 17)


def test_scalar_types_and_their_spans() -> None:
    root = parse_json('[1, -2.5e1, true, false, null, "a\\u00e9\\n"]')
    assert isinstance(root, JArray)
    assert [to_python(i) for i in root.items] == [1, -25.0, True, False, None, "aé\n"]
    assert isinstance(root.items[0], JScalar) and type(root.items[0].value) is int
    assert isinstance(root.items[1], JScalar) and type(root.items[1].value) is float
    assert [i.span.column for i in root.items] == [2, 5, 13, 19, 26, 32]
    assert _where(root.items[4]) == (1, 26, 1, 30)


def test_duplicate_keys_are_kept_in_order_and_get_returns_the_last() -> None:
    root = parse_json('{"a": 1, "b": 2, "a": 3}')
    assert isinstance(root, JObject)
    assert root.keys() == ["a", "b", "a"]
    last = root.get("a")
    assert isinstance(last, JScalar) and last.value == 3
    assert root.pairs[2][0].span.column == 18
    assert to_python(root) == {"a": 3, "b": 2}


def test_get_is_case_sensitive_and_missing_keys_are_none() -> None:
    root = parse_json('{"Effect": "Allow"}')
    assert isinstance(root, JObject)
    assert root.get("effect") is None
    assert root.get("Missing") is None


def test_empty_containers() -> None:
    root = parse_json('{"a": [], "b": {}}')
    assert isinstance(root, JObject)
    empty_list, empty_obj = root.get("a"), root.get("b")
    assert isinstance(empty_list, JArray) and empty_list.items == ()
    assert isinstance(empty_obj, JObject) and empty_obj.pairs == ()
    assert to_python(root) == {"a": [], "b": {}}


def test_crlf_line_endings_count_lines() -> None:
    root = parse_json('{\r\n  "a": 1,\r\n  "b": 2\r\n}')
    assert isinstance(root, JObject)
    assert root.pairs[1][0].span.line == 3
    assert root.pairs[1][0].span.column == 3


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("", 1, 1, "ends too early"),
        ("   \n  ", 1, 1, "ends too early"),
        ('{"a": 1,}', 1, 9, "unexpected '}'"),
        ('{"a": @}', 1, 7, "unexpected character '@'"),
        ("[1,\n 2,\n]", 3, 1, "unexpected ']'"),
        ('{"a" 1}', 1, 6, "unexpected '1'"),
        ("[1] 2", 1, 5, "unexpected '2'"),
        ("{'a': 1}", 1, 2, "unexpected character"),
        ('{"a": tru}', 1, 7, "unexpected character"),
        ('{"a": 01}', 1, 8, "unexpected '1'"),
        ('{\n  "a": "line\nbreak"\n}', 2, 8, "unexpected character"),
    ],
)
def test_errors_are_located(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text, "bad.json")
    err = info.value
    assert fragment in err.message
    assert err.message.startswith("invalid JSON")
    assert (err.span.file, err.span.line, err.span.column) == ("bad.json", line, column)
    assert err.span.end_column == column + 1


def test_truncated_document_points_at_its_last_line() -> None:
    text = '{\n  "Statement": [\n    {"Effect": "Allow"'
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text)
    assert "ends too early" in info.value.message
    assert info.value.span.line == 3
