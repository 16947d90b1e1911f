"""Find the policies in files and folders: raw policy JSON, CloudFormation templates (JSON or
YAML), Terraform plan JSON, IAM authorization exports; `aws ec2 describe-*` snapshots are
recognised and handed to the network reader.

The format is detected from the content (or forced). Nothing here raises for bad input: a file
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
from policyreason.inputs.auth_details import is_authorization_details, read_authorization_details
from policyreason.inputs.cfn import is_template, read_template
from policyreason.inputs.cfn_yaml import parse_yaml
from policyreason.inputs.describe_kinds import DESCRIBE_KINDS
from policyreason.inputs.document import (
    Document,
    InputType,
    PrincipalPolicies,
    SourceFile,
    unreadable,
)
from policyreason.inputs.encoding import decode
from policyreason.inputs.policy_json import is_policy, read_policy
from policyreason.inputs.tf_plan import is_plan, read_plan
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.policy import PolicyKind
from policyreason.ir.span import Span
from policyreason.parse.json_spans import JNode, JObject, parse_json

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
    root = _parse(path, shown, text, opts.input_type)
    if root is None:
        return SourceFile(path=shown, input_type=None, notes=("empty file",))
    detected = opts.input_type or _detect(root)
    if detected is None:
        return SourceFile(
            path=shown,
            input_type=None,
            notes=("not a policy, CloudFormation template, Terraform plan or IAM export",),
        )
    documents: list[Document] = []
    diags: list[Diagnostic] = []
    principals: list[PrincipalPolicies] = []
    notes: tuple[str, ...] = ()
    if detected is InputType.POLICY:
        documents = read_policy(root, text, shown, path.stem, opts.kind)
    elif detected is InputType.CLOUDFORMATION:
        _require(is_template(root), root, "a CloudFormation template")
        documents, diags = read_template(root, text, shown, opts.parameters)
    elif detected is InputType.TERRAFORM_PLAN:
        _require(is_plan(root), root, "a Terraform plan (terraform show -json)")
        documents, diags = read_plan(root, text, shown)
    elif detected is InputType.AUTHORIZATION_DETAILS:
        _require(is_authorization_details(root), root, "an authorization-details export")
        documents, principals, diags = read_authorization_details(root, text, shown)
    else:
        _require(_is_describe(root), root, "aws ec2 describe-* output")
        diags = _network_diagnostics(path, shown)
        notes = ("network snapshot: analyse it with `policyreason reach`",)
    return SourceFile(
        path=shown,
        input_type=detected,
        documents=tuple(documents),
        diagnostics=tuple(diags),
        principals=tuple(principals),
        notes=notes,
    )


def _parse(path: Path, shown: str, text: str, forced: InputType | None) -> JNode | None:
    if not text.strip():
        return None
    yaml_like = path.suffix.lower() in _YAML_SUFFIXES or (
        forced is InputType.CLOUDFORMATION and not text.lstrip().startswith(("{", "["))
    )
    if path.suffix.lower() == ".template" and not text.lstrip().startswith(("{", "[")):
        yaml_like = True
    try:
        return parse_yaml(text, shown) if yaml_like else parse_json(text, shown)
    except (JsonSyntaxError, YamlSyntaxError) as exc:
        if not yaml_like and (template := _yaml_template(text, shown)) is not None:
            return template
        raise InputError("syntax", exc.message, exc.span) from None


def _yaml_template(text: str, shown: str) -> JNode | None:
    # CloudFormation reads a template as JSON, else as YAML, whatever the file is called: a
    # template in YAML's JSON-like flow style ({Resources: {...}, x: !Ref y}) is one too.
    try:
        root = parse_yaml(text, shown)
    except YamlSyntaxError:
        return None
    return root if root is not None and is_template(root) else None


def _detect(root: JNode) -> InputType | None:
    if is_policy(root):
        return InputType.POLICY
    if is_template(root):
        return InputType.CLOUDFORMATION
    if is_plan(root):
        return InputType.TERRAFORM_PLAN
    if is_authorization_details(root):
        return InputType.AUTHORIZATION_DETAILS
    if _is_describe(root):
        return InputType.AWS_DESCRIBE
    return None


def _is_describe(root: JNode) -> bool:
    return isinstance(root, JObject) and bool(DESCRIBE_KINDS & set(root.keys()))


def _network_diagnostics(path: Path, shown: str) -> list[Diagnostic]:
    from policyreason.inputs.aws_describe import read_snapshot

    _network, diags = read_snapshot(path)
    return [d.model_copy(update={"span": d.span.model_copy(update={"file": shown})}) for d in diags]


def _require(ok: bool, root: JNode, what: str) -> None:
    if not ok:
        raise InputError("wrong-input-type", f"this file is not {what}", root.span)


def _failed(path: Path, code: str, message: str) -> SourceFile:
    shown = display_path(path)
    diag = Diagnostic(code=code, level=Level.ERROR, message=message, span=_start(shown))
    return SourceFile(path=shown, input_type=None, diagnostics=(diag,))


def _start(file: str) -> Span:
    return Span(file=file, line=1, column=1, end_line=1, end_column=1)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
