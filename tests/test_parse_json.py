"""JSON with positions: every value located exactly, duplicates kept, errors located; the
scanner held equal to grammars/json.lark (read by Lark) on generated and corpus documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policyreason.errors import JsonSyntaxError
from policyreason.parse.json_spans import (
    MAX_DEPTH,
    JArray,
    JObject,
    JScalar,
    made_spans,
    parse_json,
    to_python,
)
from tests import json_reference

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


# --- held equal to the grammar -------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared/corpora"
SPACE = st.sampled_from(["", "", " ", "\n", "\t", "\r\n", "  \n    ", "\n\n"])
# Characters that make or break JSON, for mutations.
TOUCHY = '{}[],:"\\ \n\t\r0123456789-+.eEtrufalsn/\x00\x1f\x7fé\u2028'


def _outcome(read: Any, text: str) -> Any:
    try:
        return ("ok", read(text))
    except JsonSyntaxError as exc:
        return ("error", exc.message, (exc.span.line, exc.span.column))
    except json_reference.LarkError as exc:
        return ("error", exc.message, exc.where)


def _ours(text: str) -> Any:
    return json_reference.picture(parse_json(text, "t.json"))


def _same_as_grammar(text: str) -> None:
    assert _outcome(_ours, text) == _outcome(json_reference.read, text)


@st.composite
def _string(draw: st.DrawFn) -> str:
    """A JSON string token: any text, each character written plainly or escaped."""
    # One random source for the per-character choices: a draw per character is slow.
    rnd = draw(st.randoms(use_true_random=False))
    out = ['"']
    for ch in draw(st.text(max_size=12)):
        short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "/": "\\/", "\b": "\\b"}
        plain_ok = ch not in '"\\' and ord(ch) >= 0x20
        way = rnd.choice(["plain", "u", "short"])
        if way == "plain" and plain_ok:
            out.append(ch)
        elif way == "short" and ch in short:
            out.append(short[ch])
        elif ord(ch) > 0xFFFF:
            out.append(json.dumps(ch)[1:-1])
        else:
            out.append(rnd.choice([f"\\u{ord(ch):04x}", f"\\u{ord(ch):04X}"]))
    out.append('"')
    return "".join(out)


NUMBERS = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
)
SCALARS = st.one_of(_string(), NUMBERS, st.sampled_from(["true", "false", "null"]))


@st.composite
def _document(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON text with white space anywhere it may go and duplicate keys now and then."""
    kind = draw(st.sampled_from(["scalar", "array", "object"] if depth < 4 else ["scalar"]))
    if kind == "scalar":
        return draw(SCALARS)
    count = draw(st.integers(0, 4))
    parts: list[str] = []
    keys = [draw(_string()) for _ in range(count)]
    for i in range(count):
        value = draw(_document(depth + 1))
        if kind == "array":
            parts.append(draw(SPACE) + value + draw(SPACE))
        else:
            key = keys[draw(st.integers(0, i))]  # sometimes a key seen before
            parts.append(draw(SPACE) + key + draw(SPACE) + ":" + draw(SPACE) + value + draw(SPACE))
    open_, close = ("[", "]") if kind == "array" else ("{", "}")
    return open_ + (",".join(parts) if parts else draw(SPACE)) + close


def _texts() -> st.SearchStrategy[str]:
    return st.builds(lambda a, doc, b: a + doc + b, SPACE, _document(), SPACE)


# Every example is read by Lark as well; the corpus test (slow) adds breadth.
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(_texts())
def test_generated_documents_read_as_the_grammar_reads_them(text: str) -> None:
    _same_as_grammar(text)


def _nodes(node: JScalar | JArray | JObject) -> list[JScalar | JArray | JObject]:
    """Every node under `node` and every object key, depth first."""
    if isinstance(node, JArray):
        return [node, *(n for item in node.items for n in _nodes(item))]
    if isinstance(node, JObject):
        return [node, *(n for k, v in node.pairs for n in (k, *_nodes(v)))]
    return [node]


@PROPERTY
@given(_texts(), st.randoms(use_true_random=False))
def test_made_spans_indexes_exactly_the_spans_asked_for(text: str, rnd: Any) -> None:
    # Fingerprints find a finding's node by its Span object through this index.
    nodes = _nodes(parse_json(text))
    asked = [n for n in nodes if rnd.random() < 0.5]
    spans = [n.span for n in asked]
    made = made_spans(nodes[0])
    assert len(made) == len(asked)
    assert all(made[id(span)] is node for span, node in zip(spans, asked, strict=True))


def test_made_spans_leaves_trees_built_in_code_to_the_search() -> None:
    # Readers that build nodes in code may give several nodes one span (a template's
    # synthesized policy): which of them a finding means is decided by position.
    read = parse_json('{"a": [1]}')
    span = read.span
    built = JObject(((JScalar("Statement", span), read),), span)
    assert made_spans(read) == {id(span): read}
    assert made_spans(built) == {}


@PROPERTY
@given(_texts(), st.data())
@example('{"a": 1}', None)  # hypothesis fills `data` for the explicit cases below as well
def test_broken_documents_fail_where_and_as_the_grammar_fails(text: str, data: Any) -> None:
    if data is None:
        _same_as_grammar(text)
        return
    at = data.draw(st.integers(0, len(text)))
    how = data.draw(st.sampled_from(["delete", "insert", "replace", "truncate", "double"]))
    ch = data.draw(st.sampled_from(TOUCHY))
    if how == "delete":
        text = text[:at] + text[at + 1 :]
    elif how == "insert":
        text = text[:at] + ch + text[at:]
    elif how == "replace":
        text = text[:at] + ch + text[at + 1 :]
    elif how == "truncate":
        text = text[:at]
    else:
        text = text[:at] + text[at:] + text[at:]
    _same_as_grammar(text)


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "\n\n", "{", "[", "[1,", "[1 ,\n", '{"a"', '{"a":', '{"a" :\n', '{"a":1,',
        ",", ":", "[,]", "[1,,2]", '{"a"::1}', '{,"a":1}', '{"a":1,,"b":2}', '{"a" "b"}',
        '{"a": "b": 1}', "[1 : 2]", '["a": 1]', "[1] 2", "[1] @", "truex", "true1",
        "truefalse", "nul", "-", "-a", "1.", "1.e5", ".5", "01", "1e", "+1", "[-]", '"\\x"',
        '"\\u12"', '"a', '"a\nb"', '"\t"', "[\"\x7f\"]", "\ufeff{}", "{}}", "[]]", "[}", "{]",
        "{1:2}", '{"a":}', "[1,]", '{"a":1,}', "\u00a0[]", "[1]\x0b", "[\n]\n ",
    ],
)  # fmt: skip
def test_edge_cases_read_as_the_grammar_reads_them(text: str) -> None:
    _same_as_grammar(text)


def _corpus_files() -> list[Path]:
    found = sorted((CORPORA / "aws-managed-policies").glob("*.json"))
    found += sorted((CORPORA / "batfish-aws-snapshots").rglob("*.json"))
    found += sorted((ROOT / "examples").rglob("*.json"))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason="needs ../shared/corpora beside the checkout")
def test_every_corpus_file_reads_as_the_grammar_reads_it() -> None:
    files = _corpus_files()
    assert len(files) > 1_500
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _outcome(_ours, text) == _outcome(json_reference.read, text), path


# --- nesting ----------------------------------------------------------------------------------


def _condition_nested(depth: int) -> str:
    inner = '"x"'
    for _ in range(depth):
        inner = '{"StringEquals": ' + inner + "}"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
        f'"Resource": "*", "Condition": {inner}}}]}}'
    )


def test_nesting_up_to_the_limit_reads() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    root = parse_json(text)
    assert to_python(root) == json.loads(text)


def test_deeper_nesting_is_a_located_error_not_a_crash() -> None:
    text = _condition_nested(5_000)
    with pytest.raises(JsonSyntaxError) as info:
        parse_json(text, "deep.json")
    err = info.value
    assert err.message == f"invalid JSON: nested deeper than {MAX_DEPTH} levels"
    # The first bracket past the limit: the root object and the statement list are two levels.
    opened = [i for i, ch in enumerate(text) if ch in "{["]
    assert (err.span.line, err.span.column) == (1, opened[MAX_DEPTH] + 1)


def test_a_deeply_nested_policy_file_is_a_located_error_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from policyreason.cli import main

    deep = tmp_path / "deep.json"
    deep.write_text(_condition_nested(5_000))
    fine = tmp_path / "fine.json"
    fine.write_text(_condition_nested(2))
    code = main(["check", str(deep), str(fine), "--no-cache", "--jobs", "1"])
    out = capsys.readouterr()
    assert code == 2
    text = out.out + out.err
    opened = [i for i, ch in enumerate(_condition_nested(5_000)) if ch in "{["]
    assert f"deep.json:1:{opened[MAX_DEPTH] + 1}: error: invalid JSON: nested deeper than" in text
    assert "Traceback" not in text and "RecursionError" not in text
    assert "fine.json" in text  # the other file was still checked
