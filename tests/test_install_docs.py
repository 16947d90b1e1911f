"""Installable as documented: the release the README, the pre-commit snippets and the GitHub
workflows name is this package's version, from one repository URL, and a wheel built from the
checkout runs from any folder (grammars and service data inside it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from policyreason.report.json import TOOL_URI

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
DOCS = [ROOT / "README.md", ROOT / "docs" / "usage.md"]
WORKFLOWS = sorted((ROOT / "examples" / "ci").glob("*.yml"))


def test_pre_commit_snippets_pin_this_release_of_this_repository() -> None:
    for doc in DOCS:
        text = doc.read_text()
        repos = re.findall(r"- repo: (\S+)", text)
        revs = re.findall(r"rev: (\S+)", text)
        assert repos == [TOOL_URI], doc
        assert revs == [f"v{VERSION}"], doc


def test_workflows_install_this_release_from_its_tag() -> None:
    assert WORKFLOWS
    for workflow in WORKFLOWS:
        (command,) = re.findall(r"run: (pip install .*)", workflow.read_text())
        assert command == f'pip install "policyreason @ git+{TOOL_URI}@v{VERSION}"', workflow


def test_readme_install_command_installs_the_checkout() -> None:
    text = (ROOT / "README.md").read_text()
    assert "python3 -m venv .venv && . .venv/bin/activate && pip install . &&" in text


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git for the build backend")
def test_a_wheel_of_the_checkout_runs_from_another_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("policyreason-*.whl")
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {
            "policyreason/grammars/json.lark",
            "policyreason/data/service_reference.zip",
        } <= names
        archive.extractall(target)
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "policies" / "s3-read.json", work / "policy.json")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); from policyreason.cli import main; "
            "sys.exit(main(['check', '--no-cache', 'policy.json']))",
            str(target),
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "service reference" in run.stdout
