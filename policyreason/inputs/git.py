"""Policy files at two revisions of a git repository, read with `git` itself (no checkout),
and the pairing of each policy's two versions.

A revision is a commit-ish (`HEAD~1`, a branch, a sha), the index (`INDEX`: what is staged) or
the working tree (`WORKTREE`). Changed files come from `git diff --name-status -M`, so a renamed
file keeps its old path; untracked files count as added when the head is the working tree.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from policyreason.errors import GitError, InputError, too_deep
from policyreason.inputs import SUFFIXES, LoadOptions, SourceFile, load_text
from policyreason.inputs.document import Document, InputType, unreadable
from policyreason.inputs.encoding import decode
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.span import Span
from policyreason.parse.json_spans import to_python

INDEX = ":index:"
WORKTREE = ":worktree:"
# The tree of a repository with no commits yet, so a first commit diffs against nothing.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class Change:
    """One changed file: `old` is None when added, `new` None when deleted (paths relative to
    the repository root, with `/`)."""

    status: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Repository:
    """A working copy: its root folder and the folder paths are shown relative to."""

    root: Path
    cwd: Path

    def show_path(self, path: str) -> str:
        """A repository path as reports show it (relative to the working directory)."""
        return Path(os.path.relpath(self.root / path, self.cwd)).as_posix()

    def pathspec(self, raw: str) -> str:
        """A command-line PATH as a repository-relative pathspec; GitError outside the
        repository."""
        full = (self.cwd / raw).resolve()
        try:
            relative = full.relative_to(self.root)
        except ValueError:
            raise GitError(f"{raw}: error: outside the repository at {self.root}") from None
        return relative.as_posix() or "."


def open_repository(cwd: Path | None = None) -> Repository:
    """The repository containing `cwd` (default: the working directory)."""
    here = (cwd or Path.cwd()).resolve()
    out = _git(["rev-parse", "--show-toplevel"], here, "not inside a git repository")
    return Repository(Path(out.strip()).resolve(), here)


def resolve(repo: Repository, ref: str) -> str:
    """The commit `ref` names; GitError when it names none."""
    if ref in (INDEX, WORKTREE):
        return ref
    out = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        repo.root,
        f"unknown revision {ref!r}",
    )
    return out.strip()


def resolve_base(repo: Repository, ref: str, staged: bool) -> str:
    """Like `resolve`; a staged diff in a repository without commits starts from nothing."""
    try:
        return resolve(repo, ref)
    except GitError:
        if staged and ref == "HEAD":
            return EMPTY_TREE
        raise


def changes(repo: Repository, base: str, head: str, paths: Sequence[str] = ()) -> list[Change]:
    """Files that differ between `base` and `head` under `paths` whose names policyreason
    reads (.json, .yaml, .yml, .template)."""
    specs = [repo.pathspec(p) for p in paths]
    args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff"]
    if head == INDEX:
        args += ["--cached", base]
    elif head == WORKTREE:
        args += [base]
    else:
        args += [base, head]
    out = _git([*args, "--", *specs], repo.root, "git diff failed")
    found = _parse_name_status(out)
    if head == WORKTREE:
        untracked = _git(
            ["ls-files", "-z", "--others", "--exclude-standard", "--", *specs],
            repo.root,
            "git ls-files failed",
        )
        found += [Change("A", None, p) for p in untracked.split("\0") if p]
    return [c for c in found if _readable(c.new or c.old or "")]


def _parse_name_status(out: str) -> list[Change]:
    fields = out.split("\0")
    found: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][:1]
        if status in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            found.append(Change(status, old if status == "R" else None, new))
            i += 3
            continue
        path = fields[i + 1]
        if status == "A":
            found.append(Change(status, None, path))
        elif status == "D":
            found.append(Change(status, path, None))
        else:
            found.append(Change(status, path, path))
        i += 2
    return found


def _readable(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.lower().endswith(SUFFIXES) and not name.startswith(".")


@dataclass(frozen=True)
class DocumentPair:
    """One policy's base and head documents (`old` None: added, `new` None: deleted); `key`
    names it in reports, `names` are what accepted-change entries match; `problem` says why the
    base version cannot be used."""

    key: str
    names: tuple[str, ...]
    status: str
    old: Document | None
    new: Document | None
    problem: str | None = None


@dataclass(frozen=True)
class _Entry:
    file: str  # the head-side path of the file (a base path is mapped through renames)
    shown: str  # the path as read
    raw: bool
    document: Document


def pair(
    old_files: Sequence[SourceFile],
    new_files: Sequence[SourceFile],
    renames: Mapping[str, str] | None = None,
) -> tuple[list[DocumentPair], int]:
    """Pair the policies of the base and head versions of the changed files (`renames`: base
    path -> head path, as shown). A policy file pairs with itself across a rename; a policy in
    a template, plan or export pairs by document name (logical id, resource address,
    principal), first within the same file, then across the changed files when the name is
    unique on both sides, so a resource moved to another file still pairs. Returns the pairs
    and how many are unchanged (the same JSON once normalised: nothing to compare)."""
    moved = dict(renames or {})
    olds = [
        _Entry(moved.get(s.path, s.path), s.path, _raw(s), d)
        for s in old_files
        for d in s.documents
    ]
    news = [_Entry(s.path, s.path, _raw(s), d) for s in new_files for d in s.documents]
    broken = {moved.get(s.path, s.path): _problem(s) for s in old_files if _problem(s)}
    # A head file that cannot be read is an error of its own, not a deletion of its policies.
    unreadable = {s.path for s in new_files if _problem(s)}
    olds = [e for e in olds if e.file not in unreadable]
    first, rest_old, rest_new = _match(
        olds, news, lambda e: e.file if e.raw else f"{e.file}\0{e.document.name}"
    )
    second, left, right = _match(rest_old, rest_new, lambda e: None if e.raw else e.document.name)
    pairs: list[tuple[_Entry | None, _Entry | None]] = [*first, *second]
    pairs += [(e, None) for e in left]
    pairs += [(None, e) for e in right]
    changes: list[DocumentPair] = []
    unchanged = 0
    for old, new in pairs:
        if old is not None and new is not None and _same(old.document, new.document):
            unchanged += 1
            continue
        problem = broken.get(new.file) if old is None and new is not None else None
        if old is not None and old.document.parsed.policy is None:
            problem = "the base version has errors: " + "; ".join(
                d.message for d in old.document.parsed.errors[:2]
            )
        changes.append(_change(old, new, problem))
    changes.sort(key=lambda c: c.key)
    return changes, unchanged


def _match(
    olds: list[_Entry], news: list[_Entry], key: Callable[[_Entry], str | None]
) -> tuple[list[tuple[_Entry | None, _Entry | None]], list[_Entry], list[_Entry]]:
    """Pairs whose key is unique on both sides, and what is left on each side."""
    old_keys = [key(e) for e in olds]
    new_keys = [key(e) for e in news]
    old_count = Counter(k for k in old_keys if k is not None)
    new_count = Counter(k for k in new_keys if k is not None)
    by_key = {
        k: e
        for k, e in zip(old_keys, olds, strict=True)
        if k is not None and old_count[k] == 1 and new_count[k] == 1
    }
    pairs: list[tuple[_Entry | None, _Entry | None]] = []
    taken: set[int] = set()
    rest: list[_Entry] = []
    for k, e in zip(new_keys, news, strict=True):
        partner = by_key.get(k) if k is not None else None
        if partner is None:
            rest.append(e)
            continue
        pairs.append((partner, e))
        taken.add(id(partner))
    return pairs, [e for e in olds if id(e) not in taken], rest


def _raw(source: SourceFile) -> bool:
    return source.input_type is InputType.POLICY


def _problem(source: SourceFile) -> str | None:
    errors = [d for d in source.diagnostics if d.level is Level.ERROR]
    if not errors or source.documents:
        return None
    return f"the base version could not be read: {errors[0].message}"


def _same(a: Document, b: Document) -> bool:
    if a.kind is not b.kind or a.parsed.root is None or b.parsed.root is None:
        return False
    return _normal(a) == _normal(b)


def _normal(doc: Document) -> str:
    assert doc.parsed.root is not None
    return json.dumps(to_python(doc.parsed.root), sort_keys=True)


def _change(old: _Entry | None, new: _Entry | None, problem: str | None) -> DocumentPair:
    some = new or old
    assert some is not None
    names = {some.document.name}
    for e in (new, old):
        if e is not None:
            names.add(e.shown)
    if old is None:
        status = "modified" if problem else "added"
    elif new is None:
        status = "deleted"
    else:
        status = "moved" if old.shown != new.shown else "modified"
    key = some.shown if some.raw else f"{some.shown}#{some.document.name}"
    return DocumentPair(
        key=key,
        names=tuple(sorted(names)),
        status=status,
        old=old.document if old else None,
        new=new.document if new else None,
        problem=problem,
    )


def load_at(
    repo: Repository, revision: str, path: str, options: LoadOptions | None = None
) -> SourceFile:
    """Read `path` as it is at `revision` and extract its policies; never raises for bad
    input (like `inputs.load_file`)."""
    opts = options or LoadOptions()
    shown = repo.show_path(path)
    start = Span(file=shown, line=1, column=1, end_line=1, end_column=1)
    try:
        data = _content(repo, revision, path)
        if len(data) > opts.max_bytes:
            raise InputError("too-large", "file is over the size limit", start)
        return load_text(Path(path), shown, decode(data, shown), opts)
    except InputError as exc:
        return SourceFile(path=shown, input_type=None, diagnostics=(unreadable(exc),))
    except GitError as exc:
        diag = Diagnostic(code="git", level=Level.ERROR, message=str(exc), span=start)
        return SourceFile(path=shown, input_type=None, diagnostics=(diag,))
    except Exception as exc:
        if not too_deep(exc):
            raise
        diag = Diagnostic(
            code="too-deep",
            level=Level.ERROR,
            message="the document nests too deeply to be read",
            span=start,
        )
        return SourceFile(path=shown, input_type=None, diagnostics=(diag,))


def read_at(repo: Repository, revision: str, path: str) -> bytes:
    """The bytes of `path` at `revision` (WORKTREE, INDEX or a commit); raises GitError."""
    return _content(repo, revision, path)


def _content(repo: Repository, revision: str, path: str) -> bytes:
    if revision == WORKTREE:
        try:
            return (repo.root / path).read_bytes()
        except OSError as exc:
            raise GitError(f"cannot read: {exc.strerror or exc}") from None
    spec = f":{path}" if revision == INDEX else f"{revision}:{path}"
    proc = subprocess.run(
        ["git", "show", spec], cwd=repo.root, capture_output=True, check=False, timeout=60
    )
    if proc.returncode != 0:
        raise GitError(f"git show {spec} failed: {_first_line(proc.stderr)}")
    return proc.stdout


def _git(args: list[str], cwd: Path, failure: str) -> str:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise GitError("error: git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"error: {failure}: git timed out") from None
    if proc.returncode != 0:
        detail = _first_line(proc.stderr)
        raise GitError(f"error: {failure}" + (f" ({detail})" if detail else ""))
    return proc.stdout.decode("utf-8", "surrogateescape")


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""
