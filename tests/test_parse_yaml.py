"""YAML templates: the libyaml fast path gives the reference loader's tree (values and spans),
the reference decides what libyaml cannot read, and deep nesting is a located error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.errors import YamlSyntaxError
from policyreason.inputs import cfn_yaml
from policyreason.inputs.cfn_yaml import parse_yaml
from policyreason.parse.json_spans import MAX_DEPTH, JObject
from tests.json_reference import picture

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared/corpora"

pytestmark = pytest.mark.skipif(
    getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML built without libyaml"
)


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    def read() -> Any:
        try:
            root = parse_yaml(text, "t.yaml")
        except YamlSyntaxError as exc:
            return ("error", exc.message, str(exc.span))
        return None if root is None else picture(root)

    fast = read()
    monkeypatch.setattr(cfn_yaml, "_fast_loader", lambda: None)
    reference = read()
    monkeypatch.undo()
    return fast, reference


def _yaml_files() -> list[Path]:
    found = [*sorted(ROOT.glob("examples/**/*.yaml")), ROOT / ".pre-commit-hooks.yaml"]
    return found + sorted((CORPORA / "pathfinding-cloud").rglob("*.yaml"))


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: p.name)
def test_every_yaml_file_reads_the_same_on_both_loaders(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, reference = _both(path.read_text(encoding="utf-8"), monkeypatch)
    assert fast == reference


SCALAR = st.one_of(
    st.text(max_size=8), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False)
)
TREE = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREE, st.sampled_from([False, True, None]), st.sampled_from([2, 4]), st.data())
def test_generated_documents_read_the_same_on_both_loaders(
    tree: Any, flow: bool | None, indent: int, data: st.DataObject
) -> None:
    text = yaml.safe_dump(tree, default_flow_style=flow, indent=indent, allow_unicode=True)
    if data.draw(st.booleans()):  # short forms and a comment, as templates have them
        text = f"# template\nRef: !Ref Bucket\nArn: !GetAtt Role.Arn\nBody: {text}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, reference = _both(text, monkeypatch)
    assert fast == reference


@pytest.mark.parametrize(
    "text",
    ["a: [1, 2", "a: b: c", "key: 'unterminated", "- a\nb: c", "a: !Ref\n  - [", "\t- x"],
)
def test_errors_are_the_reference_loaders(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, reference = _both(text, monkeypatch)
    assert fast == reference
    assert fast[0] == "error"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Condition: " + "[" * 1_200 + "]" * 1_200 + "\n", marks=pytest.mark.slow),
        pytest.param(
            "".join("  " * i + f"k{i}:\n" for i in range(1_200)) + "  " * 1_200 + "v\n",
            marks=pytest.mark.slow,
        ),
        "Condition: " + "{StringEquals: " * 500 + "x" + "}" * 500 + "\n",
    ],
    # Past libyaml's limit of 1,000 levels, and past the reference loader's recursion.
    ids=["flow-1200", "block-1200", "mapping-500"],
)
def test_deep_nesting_is_a_located_error_not_a_crash(text: str) -> None:
    with pytest.raises(YamlSyntaxError) as info:
        parse_yaml(text, "deep.yaml")
    assert "nest" in info.value.message
    assert info.value.span.file == "deep.yaml" and info.value.span.line >= 1


def test_nesting_up_to_the_limit_reads() -> None:
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    root = parse_yaml(text, "ok.yaml")
    assert isinstance(root, JObject)
