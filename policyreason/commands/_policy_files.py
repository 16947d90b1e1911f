"""Reading policy files for the verbs that take policies by path (not a verb itself)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from policyreason.inputs import Document
    from policyreason.ir.policy import Policy

# PolicyKind's values, spelled out so `--help` does not import the IR (and pydantic).
KIND_CHOICES = ["identity", "resource", "trust", "scp", "rcp", "boundary", "session", "endpoint"]


class InputError(Exception):
    """The input could not be used; the message is already printed."""


def read_policy(path: str, kind: str | None = None) -> Policy:
    """Parse one policy file, printing located diagnostics; raises InputError if unusable."""
    from policyreason.ir.policy import PolicyKind
    from policyreason.parse.policy import parse_policy_text

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: error: cannot read the file: {exc}", file=sys.stderr)
        raise InputError(path) from None
    parsed = parse_policy_text(text, path, PolicyKind(kind) if kind else None, name=Path(path).stem)
    for diag in parsed.diagnostics:
        print(str(diag), file=sys.stderr)
    if parsed.policy is None:
        raise InputError(path)
    return parsed.policy


def read_access_policies(paths: list[str], kind: str | None = None) -> tuple[list[Document], bool]:
    """The resource and trust policies found under `paths` (files or folders, any input
    format), printing located diagnostics; the flag is True if any input had an error."""
    from policyreason.inputs import LoadOptions, discover, load_file
    from policyreason.ir.diagnostic import Level
    from policyreason.ir.policy import PolicyKind

    # The kinds attached to a resource, whose grants can reach other accounts or anyone.
    access_kinds = (PolicyKind.RESOURCE, PolicyKind.TRUST)

    files, missing = discover(paths)
    options = LoadOptions(kind=PolicyKind(kind) if kind else None)
    failed = False
    found: list[Document] = []
    for source in [*missing, *(load_file(path, options) for path in files)]:
        # Warnings are the lint's business (`check`); errors make the answer incomplete.
        for diag in source.all_diagnostics:
            if diag.level is Level.ERROR:
                print(str(diag), file=sys.stderr)
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
