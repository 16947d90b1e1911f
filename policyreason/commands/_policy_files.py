"""Reading policy files for the verbs that take policies by path (not a verb itself)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyreason.errors import UnusableInput

if TYPE_CHECKING:
    from rich.console import Console

    from policyreason.inputs import Document
    from policyreason.ir.diagnostic import Diagnostic
    from policyreason.ir.policy import Policy

# PolicyKind's values, spelled out so `--help` does not import the IR (and pydantic).
KIND_CHOICES = ["identity", "resource", "trust", "scp", "rcp", "boundary", "session", "endpoint"]


def read_policy(path: str, kind: str | None = None) -> Policy:
    """The one policy in a file (policy JSON, an AWS CLI output wrapping one, or a template or
    plan holding exactly one), printing located diagnostics; raises UnusableInput if unusable."""
    return read_document(path, kind).policy_or_raise()


@dataclass(frozen=True)
class OnePolicy:
    """The single document read from a file named for a verb that takes one policy."""

    document: Document

    @property
    def kind(self) -> str:
        """The kind the document was read as (given, the command's, or detected)."""
        return self.document.kind.value

    def policy_or_raise(self) -> Policy:
        """The policy, or UnusableInput when it has errors (already printed)."""
        policy = self.document.parsed.policy
        if policy is None:
            raise UnusableInput(self.document.file)
        return policy


def read_document(path: str, kind: str | None = None) -> OnePolicy:
    """Read `path` as one policy document (see read_policy); raises UnusableInput when the file
    cannot be read or does not hold exactly one policy."""
    from policyreason.inputs import LoadOptions, discover, load_file
    from policyreason.ir.diagnostic import Level
    from policyreason.ir.policy import PolicyKind

    files, missing = discover([path])
    if missing:
        _print(missing[0].diagnostics[0])
        raise UnusableInput(path)
    if Path(path).is_dir():
        print(f"{path}: error: a folder; give one policy file", file=sys.stderr)
        raise UnusableInput(path)
    source = load_file(files[0], LoadOptions(kind=PolicyKind(kind) if kind else None))
    for diag in source.all_diagnostics:
        _print(diag)
    if any(d.level is Level.ERROR for d in source.diagnostics):
        raise UnusableInput(path)
    documents = source.documents
    if len(documents) != 1:
        what = "; ".join(source.notes) or "nothing to check"
        found = (
            f"{len(documents)} policies ({', '.join(d.name for d in documents)}); give a file "
            "with one"
            if documents
            else f"no policy in this file ({what})"
        )
        print(f"{source.path}:1:1: error: {found} [no-policy]", file=sys.stderr)
        raise UnusableInput(path)
    return OnePolicy(documents[0])


def _print(diag: Diagnostic) -> None:
    print(str(diag), file=sys.stderr)


def read_access_policies(paths: list[str], kind: str | None = None) -> tuple[list[Document], bool]:
    """The resource and trust policies found under `paths` (files or folders, any input
    format), printing located diagnostics; the flag is True if any input had an error,
    including a file named in `paths` that holds no policy at all."""
    from policyreason.inputs import LoadOptions, discover, load_file, named_files
    from policyreason.ir.diagnostic import Level
    from policyreason.ir.policy import PolicyKind

    # The kinds attached to a resource, whose grants can reach other accounts or anyone.
    access_kinds = (PolicyKind.RESOURCE, PolicyKind.TRUST)

    files, missing = discover(paths)
    named = named_files(paths)
    options = LoadOptions(kind=PolicyKind(kind) if kind else None)
    failed = False
    found: list[Document] = []
    for source in [*missing, *(load_file(path, options) for path in files)]:
        # Warnings are the lint's business (`check`); errors make the answer incomplete.
        errors = [d for d in source.all_diagnostics if d.level is Level.ERROR]
        for diag in errors:
            _print(diag)
        failed = failed or bool(errors)
        if source.path in named and not source.documents and not errors:
            what = "; ".join(source.notes) or "nothing to check"
            print(
                f"{source.path}:1:1: error: no policy in this file ({what}) [no-policy]",
                file=sys.stderr,
            )
            failed = True
        found += [
            d
            for d in source.documents
            if d.parsed.policy is not None and d.parsed.policy.kind in access_kinds
        ]
    return found, failed


@dataclass(frozen=True)
class Answer:
    """One policy's answer, as a verb prints it: JSON, a rendering, and whether it fails."""

    json: dict[str, Any]
    render: Callable[[Console], None]
    fails: bool


def answer_access_policies(
    args: argparse.Namespace, ask: Callable[[Policy, str], Answer], one_object: bool
) -> int:
    """Ask each resource and trust policy under `args.paths`, print the answers in
    `args.format` (JSON: a list; one object for a single policy if `one_object`), and return
    the exit code: 2 for an input error, 1 if an answer fails, else 0."""
    from policyreason.report.console import make_console

    documents, failed = read_access_policies(args.paths, args.kind)
    console = make_console()
    answers = []
    for doc in documents:
        assert doc.parsed.policy is not None
        answers.append(ask(doc.parsed.policy, doc.name))
    if args.format == "json":
        out = [a.json for a in answers]
        json.dump(out[0] if one_object and len(out) == 1 else out, sys.stdout, indent=2)
        print()
    else:
        for answer in answers:
            answer.render(console)
        if not documents and not failed:
            console.print("no resource or trust policy found")
    return 2 if failed else int(any(a.fails for a in answers))
