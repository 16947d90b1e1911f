"""The command line itself: verbs are discovered, and `--help` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from policyreason.commands._policy_files import KIND_CHOICES
from policyreason.ir.policy import PolicyKind


def test_kind_choices_are_the_policy_kinds() -> None:
    assert [k.value for k in PolicyKind] == KIND_CHOICES


def test_help_imports_neither_pydantic_nor_cvc5() -> None:
    probe = (
        "import sys\n"
        "from policyreason.cli import build_parser\n"
        "text = build_parser().format_help()\n"
        "assert 'findings' in text and 'public' in text and 'diff' in text, text\n"
        "heavy = sorted(m for m in ('pydantic', 'cvc5', 'lark', 'rich') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_check_decided_without_a_query_does_not_load_cvc5(tmp_path: Path) -> None:
    # s3-read-widened.json is an identity policy every semantic check settles without asking
    # the solver (no admin grant, no escalation permission, nothing redundant): cvc5 stays out.
    example = Path(__file__).resolve().parents[1] / "examples/policies/s3-read-widened.json"
    probe = (
        "import sys\n"
        "from policyreason.cli import main\n"
        f"code = main(['check', '--no-cache', {str(example)!r}])\n"
        "print(code, 'cvc5' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.strip()
    assert out.splitlines()[-1] == "0 False"


def _loaded_by_check(tmp_path: Path, example: str, *flags: str) -> tuple[str, set[str]]:
    """(exit code, which of the costly modules are loaded) after a one-file `check`."""
    path = Path(__file__).resolve().parents[1] / "examples/policies" / example
    probe = (
        "import sys\n"
        "from policyreason.cli import main\n"
        f"code = main(['check', '--no-cache', {str(path)!r}, *{list(flags)!r}])\n"
        "costly = ('cvc5', 'rich', 'lark', 'policyreason.analysis.escalation.paths')\n"
        "print(code, ','.join(m for m in costly if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.strip()
    code, _sep, loaded = out.splitlines()[-1].partition(" ")
    return code, set(loaded.split(",")) - {""}


def test_a_one_file_check_writing_json_loads_only_what_it_uses(tmp_path: Path) -> None:
    # A pre-commit run of a few files: no progress bar to draw (rich), no `${...}` pattern
    # (Lark), cvc5 only for a solver question, the escalation paths only for identity policies.
    code, loaded = _loaded_by_check(tmp_path, "s3-read-widened.json", "--format", "json")
    assert code == "0" and not loaded & {"cvc5", "rich", "lark"}
    code, loaded = _loaded_by_check(tmp_path, "s3-read-widened.json", "--format", "sarif")
    assert code == "0" and not loaded & {"cvc5", "rich", "lark"}
    code, loaded = _loaded_by_check(tmp_path, "bucket-public-website.json", "--format", "json")
    assert (code, loaded) == ("1", {"cvc5"})
    # The text report is rich's to draw.
    code, loaded = _loaded_by_check(tmp_path, "s3-read-widened.json")
    assert code == "0" and "rich" in loaded and "cvc5" not in loaded
