"""Command-line entry point: wires arguments to analyses and reporters.

Each verb lives in `policyreason/commands/<verb>.py` with `register(subparsers)`; the module
imports nothing heavy at import time, so `--help` stays fast and cvc5 loads only for a query.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from policyreason import __version__, commands

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every verb registered."""
    parser = _Parser(
        prog="policyreason",
        description=(
            "Exact, offline reasoning about AWS access policies and VPC networks. "
            "Every answer is witnessed (a concrete request or packet), proven, or unknown."
        ),
    )
    parser.add_argument("--version", action="version", version=f"policyreason {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    verbs = [m for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    for info in sorted(verbs, key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code (0 ok, 1 findings, 2 usage/input error)."""
    # pydantic looks for plugins in every installed distribution's entry points when the first
    # model is built (about 0.1 s of start-up); none of them is meant for this tool's models.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours, and nothing left to say.
        sys.stderr.close()
        return EXIT_OK
    return code


def entry() -> int:
    """The `policyreason` command: `main`, then an exit that skips the interpreter's last
    collections."""
    code = main()
    # Tearing the interpreter down, Python walks the whole heap for reference cycles several
    # times (the reference tables, pydantic's validators, the solver's terms): 40-60 ms of a
    # one-file check, a sixth of it. Frozen objects are spared those walks; they are still
    # freed by reference counting as modules are cleared, and only objects kept alive by a
    # cycle alone are left to the operating system, whose finalisers Python never promises to
    # run at exit (files, the cache database and worker pools are closed explicitly).
    gc.freeze()
    return code


if __name__ == "__main__":
    raise SystemExit(entry())
