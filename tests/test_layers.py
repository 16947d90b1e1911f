"""The import directions of the package, read from its source with `ast` (nothing is imported).

The layers, lowest first (docs/architecture.md draws them). A module may import from its own
unit (a subpackage, or a top-level module) and from units of lower layers, never from a higher
layer nor from another unit of its own layer: `parse` and `smt` both stand on `ir` and know
nothing of each other. That holds for every import: at module level, inside a function (lazy,
to keep start-up light) and under TYPE_CHECKING (a type is a dependency too). Only `smt/`
talks to cvc5, and no modules import each other in a circle when the package loads.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "policyreason"

LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(units)
    for units in (
        # What everything may use: the version, the errors, resource files, the GC pause, memos.
        {"policyreason", "errors", "resources", "collector", "memo"},
        # The intermediate representation; the service authorization reference beside it.
        {"ir", "data"},
        # Text to IR (Lark grammars, JSON with positions); IR to SMT terms (the only cvc5
        # user); the project configuration, which is plain values over the IR.
        {"parse", "smt", "config"},
        # Files to documents (templates, plans, exports); the questions and their answers.
        {"inputs", "analysis"},
        # The rule catalogue and its checks, over the analyses; the one gate's decision over
        # findings of every verb (thresholds, unknowns, suppressions, exit codes).
        {"checks", "gating"},
        # What a run reports and remembers: reporters, baselines, suppressions in templates.
        {"report", "baseline", "inline_suppressions"},
        # The batch machinery: the per-file task, pool, cluster and cache; the pipelines of
        # diff and reach (read, answer, judge).
        {"run", "pipeline"},
        # The run of check: suppressions, the baseline and the exit code over its results.
        {"gate"},
        # The library API a Python user calls.
        {"api"},
        # The verbs; the command line that dispatches to them.
        {"commands"},
        {"cli"},
        {"__main__"},
    )
)

# Imports that go against the layers, each with the reason it is still there. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {
    ("policyreason.errors", "policyreason.ir.span"): (
        "annotation only (under TYPE_CHECKING): a located error names the Span type it carries"
    ),
    ("policyreason.analysis.access", "policyreason.parse.pattern"): (
        "not_granted takes the verb's action and resource patterns as text; the callers "
        "should parse them"
    ),
    ("policyreason.analysis.change", "policyreason.parse.pattern"): (
        "accepted changes name their actions as text in the configuration; the change gate "
        "parses them"
    ),
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a submodule when `from package import submodule`)
    line: int
    at_load: bool  # runs when the importing module loads (not in a function, not for types)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> Iterator[Import]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(node: ast.AST, at_load: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, at_load)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from package import submodule` needs only the submodule (and the package
                # loaded, not finished); any other name is read from the package itself.
                submodules = [a.name for a in child.names if f"{base}.{a.name}" in MODULES]
                if len(submodules) < len(child.names):
                    yield Import(module, base, child.lineno, at_load)
                for name in submodules:
                    yield Import(module, f"{base}.{name}", child.lineno, at_load)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.body:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), False)
                for stmt in child.orelse:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), at_load)
            else:
                yield from walk(child, at_load)

    yield from walk(ast.parse(path.read_text(), str(path)), True)


@cache
def imports() -> list[Import]:
    """Every import of the package; read on first use, so that collecting the suite in each
    worker does not parse the whole package."""
    return [i for module, path in MODULES.items() for i in _imports(module, path)]


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _rank(unit: str) -> int:
    for rank, units in enumerate(LAYERS):
        if unit in units:
            return rank
    raise AssertionError(f"{unit} is in no layer: add it to LAYERS")


def _ours(name: str) -> bool:
    return name == "policyreason" or name.startswith("policyreason.")


def test_every_unit_has_a_layer() -> None:
    for module in MODULES:
        _rank(_unit(module))


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for imp in imports():
        if not _ours(imp.target) or (imp.source, imp.target) in ALLOWED:
            continue
        here, there = _unit(imp.source), _unit(imp.target)
        if here != there and _rank(there) >= _rank(here):
            wrong.append(f"{MODULES[imp.source]}:{imp.line}: {here} imports {imp.target}")
    assert not wrong, "upward or sideways imports:\n" + "\n".join(wrong)


def test_allowed_exceptions_are_still_needed() -> None:
    # An entry whose import is gone would let the next one back in unnoticed.
    present = {(i.source, i.target) for i in imports()}
    assert [pair for pair in ALLOWED if pair not in present] == []


def test_only_smt_imports_cvc5() -> None:
    users = sorted(
        f"{MODULES[i.source]}:{i.line}"
        for i in imports()
        if i.target.split(".")[0] == "cvc5" and _unit(i.source) != "smt"
    )
    assert not users, "cvc5 imported outside smt/:\n" + "\n".join(users)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _load_edges() -> dict[str, set[str]]:
    # A package that is still loading when one of its submodules imports a sibling is no
    # circle (Python finds the sibling); one whose names are read before they exist is.
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in imports():
        if imp.at_load and imp.target in MODULES and imp.target != imp.source:
            edges[imp.source].add(imp.target)
    return edges


def test_no_import_circles_when_the_package_loads() -> None:
    assert _cycles(_load_edges()) == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_circle_finder_finds_circles(
    edges: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert _cycles(edges) == expected
