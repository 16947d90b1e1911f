"""Find the policies in files and folders: raw policy JSON, CloudFormation templates (JSON or
YAML), Terraform plan JSON, IAM authorization exports; `aws ec2 describe-*` snapshots are
recognised and handed to the network reader.

The format is detected from the content (or forced) by the kinds registered in
`inputs/registry.py`, in their order of precedence. Nothing here raises for bad input: a file
that cannot be read, decoded or parsed becomes a SourceFile with a located error, and the
other files are read as usual.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policyreason.errors import InputError, JsonSyntaxError, YamlSyntaxError, too_deep
from policyreason.inputs.cfn_yaml import parse_yaml
from policyreason.inputs.document import (
    Document,
    InputType,
    PrincipalPolicies,
    SourceFile,
    unreadable,
)
from policyreason.inputs.encoding import decode
from policyreason.inputs.registry import KINDS, Input, InputKind, detect, kind_of
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import PolicyKind
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JNode, parse_json

__all__ = [
    "Document",
    "InputType",
    "LoadOptions",
    "PrincipalPolicies",
    "SourceFile",
    "discover",
    "load_documents",
    "load_file",
    "load_text",
    "named_files",
]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Extensions read when walking a folder; a file named explicitly is read whatever its name.
SUFFIXES = (".json", ".yaml", ".yml", ".template")
_YAML_SUFFIXES = (".yaml", ".yml")
_SKIPPED_DIRS = {"node_modules", "__pycache__", "venv"}


@dataclass(frozen=True)
class LoadOptions:
    """How to read inputs: a forced format or policy kind, CloudFormation parameter values
    (pseudo parameters included, e.g. `AWS::AccountId`), and the largest file read."""

    input_type: InputType | None = None
    kind: PolicyKind | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES


def discover(paths: Sequence[str]) -> tuple[list[Path], list[SourceFile]]:
    """The files to read under `paths` (folders walked, hidden folders skipped), and an error
    entry for each path that does not exist."""
    files: list[Path] = []
    missing: list[SourceFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(_walk(path))
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            missing.append(_failed(path, "not-found", "no such file or folder"))
    return files, missing


def named_files(paths: Sequence[str]) -> frozenset[str]:
    """The files among `paths` named directly rather than found in a folder, as reports
    show them."""
    return frozenset(display_path(Path(p)) for p in paths if not Path(p).is_dir())


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in names:
            if name.lower().endswith(SUFFIXES) and not name.startswith("."):
                yield Path(folder) / name


def display_path(path: Path) -> str:
    """The path as reports show it: relative to the working directory when inside it."""
    try:
        relative = path.absolute().relative_to(Path.cwd())
    except ValueError:
        return path.as_posix()
    return relative.as_posix()


def load_documents(path: str | Path, options: LoadOptions | None = None) -> list[Document]:
    """Every policy found under `path` (a file or a folder)."""
    files, _missing = discover([str(path)])
    out: list[Document] = []
    for file in files:
        out += load_file(file, options).documents
    return out


def load_file(path: Path, options: LoadOptions | None = None) -> SourceFile:
    """Read one file, detect its format and extract its policies; never raises for bad input."""
    opts = options or LoadOptions()
    shown = display_path(path)
    try:
        text = _read_text(path, shown, opts.max_bytes)
        return load_text(path, shown, text, opts)
    except InputError as exc:
        return SourceFile(path=shown, input_type=None, diagnostics=(unreadable(exc),))
    except Exception as exc:
        if too_deep(exc):
            return _failed(path, "too-deep", "the document nests too deeply to be read")
        raise


def _read_text(path: Path, shown: str, max_bytes: int) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError("unreadable", f"cannot read: {_reason(exc)}", _start(shown)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("unreadable", "not a regular file (a FIFO or device?)", _start(shown))
    if info.st_size > max_bytes:
        size, limit = info.st_size / 2**20, max_bytes / 2**20
        raise InputError(
            "too-large",
            f"file is {size:.1f} MB, over the {limit:g} MB limit (max-file-size-mb in the "
            "configuration)",
            _start(shown),
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("unreadable", f"cannot read: {_reason(exc)}", _start(shown)) from None
    return decode(data, shown)


def load_text(path: Path, shown: str, text: str, opts: LoadOptions) -> SourceFile:
    """Detect the format of text already read (from disk, or from git for `diff`) and
    extract its policies; `shown` is the path reports use."""
    forced = kind_of(opts.input_type) if opts.input_type else None
    root = _parse(path, shown, text, forced)
    if root is None:
        return SourceFile(path=shown, input_type=None, notes=("empty file",))
    kind = forced or detect(root)
    if kind is None:
        return SourceFile(
            path=shown,
            input_type=None,
            notes=("not a policy, CloudFormation template, Terraform plan or IAM export",),
        )
    if forced is not None and forced.what is not None and not forced.recognises(root):
        raise InputError("wrong-input-type", f"this file is not {forced.what}", root.span)
    found = kind.read(Input(root, text, path, shown, opts.kind, opts.parameters))
    return SourceFile(
        path=shown,
        input_type=kind.type,
        documents=found.documents,
        diagnostics=found.diagnostics,
        principals=found.principals,
        notes=found.notes,
    )


def _parse(path: Path, shown: str, text: str, forced: InputKind | None) -> JNode | None:
    if not text.strip():
        return None
    yaml_like = path.suffix.lower() in _YAML_SUFFIXES or (
        forced is not None and forced.yaml and not text.lstrip().startswith(("{", "["))
    )
    if path.suffix.lower() == ".template" and not text.lstrip().startswith(("{", "[")):
        yaml_like = True
    try:
        return parse_yaml(text, shown) if yaml_like else parse_json(text, shown)
    except (JsonSyntaxError, YamlSyntaxError) as exc:
        if not yaml_like and (root := _yaml_fallback(text, shown)) is not None:
            return root
        raise InputError("syntax", exc.message, exc.span) from None


def _yaml_fallback(text: str, shown: str) -> JNode | None:
    # CloudFormation reads a template as JSON, else as YAML, whatever the file is called: a
    # template in YAML's JSON-like flow style ({Resources: {...}, x: !Ref y}) is one too.
    try:
        root = parse_yaml(text, shown)
    except YamlSyntaxError:
        return None
    if root is None or not any(kind.yaml and kind.recognises(root) for kind in KINDS):
        return None
    return root


def _failed(path: Path, code: str, message: str) -> SourceFile:
    shown = display_path(path)
    diag = Diagnostic(code=code, level=Level.ERROR, message=message, span=_start(shown))
    return SourceFile(path=shown, input_type=None, diagnostics=(diag,))


def _start(file: str) -> Span:
    return Span(file=file, line=1, column=1, end_line=1, end_column=1)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
