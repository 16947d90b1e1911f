"""The reports of `check`, `diff` and `reach` over the bundled examples, in every format each
verb writes, compared with the stored snapshots in tests/snapshots/.

A report changes only on purpose: when it does, regenerate the snapshots with
`POLICYREASON_UPDATE_SNAPSHOTS=1 python -m pytest -n 0 tests/test_report_snapshots.py` and say
in the commit why the output changed. What varies from run to run (the temporary folder, the
version, a git commit id, the solver's time) is replaced by a placeholder before comparing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyreason import __version__
from policyreason.checks import Family, all_rules
from policyreason.cli import main
from tests.test_diff import commit, git

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("POLICYREASON_UPDATE_SNAPSHOTS") == "1"

CHECK_FORMATS = ("text", "json", "sarif", "markdown")
DIFF_FORMATS = ("text", "json", "sarif", "markdown")
REACH_FORMATS = ("text", "json", "sarif", "markdown")

# name -> arguments; every case runs in a copy of examples/ with an empty configuration.
CHECK = {"check-examples": ["check", "examples"]}
DIFF = {
    "diff-plan": ["diff", "--plan", "examples/terraform/plan.json"],
    "diff-git": ["diff", "--base", "HEAD", "policies"],
}
REACH = {
    "reach-public-web-exposures": ["reach", "examples/networks/public-web.net", "--exposures"],
    "reach-private-nat-exposures": ["reach", "examples/networks/private-nat.net", "--exposures"],
    "reach-hub-inspection-exposures": [
        "reach",
        "examples/networks/hub-inspection.net",
        "--exposures",
    ],
    "reach-public-web-blocked": [
        *("reach", "examples/networks/public-web.net", "--from", "internet", "--to", "i-db"),
        *("--protocol", "tcp", "--port", "5432"),
    ],
    "reach-public-web-ssh": [
        *("reach", "examples/networks/public-web.net", "--from", "internet", "--to", "i-web"),
        *("--protocol", "tcp", "--port", "22"),
    ],
    "reach-private-nat-egress": [
        *("reach", "examples/networks/private-nat.net", "--from", "i-app", "--to", "8.8.8.8"),
        *("--protocol", "tcp", "--port", "443"),
    ],
}
CASES = [
    *((name, fmt) for name in CHECK for fmt in CHECK_FORMATS),
    *((name, fmt) for name in DIFF for fmt in DIFF_FORMATS),
    *((name, fmt) for name in REACH for fmt in REACH_FORMATS),
]
ARGS = {**CHECK, **DIFF, **REACH}
# The check over every example asks the solver for about ten seconds (once: the other formats
# read the cache).
PARAMS = [
    pytest.param(name, fmt, id=f"{name}-{fmt}", marks=[pytest.mark.slow] if name in CHECK else [])
    for name, fmt in CASES
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of examples/ under a git repository whose working tree changes two policies of
    its last commit (the change `diff-git` reports), and a result cache the check runs share
    (the report is the same from the cache; only the first format pays for the solver)."""
    root = tmp_path_factory.mktemp("snapshots")
    shutil.copytree(EXAMPLES, root / "examples")
    (root / ".policyreason.toml").write_text("", encoding="utf-8")
    policies = root / "policies"
    policies.mkdir()
    for name in ("s3-read.json", "bucket-org-only.json"):
        shutil.copy(EXAMPLES / "policies" / name, policies / name)
    git(root, "init", "-q")
    commit(root, "base")
    shutil.copy(EXAMPLES / "policies" / "s3-read-widened.json", policies / "s3-read.json")
    shutil.copy(EXAMPLES / "policies" / "bucket-public-website.json", policies / "bucket.json")
    (policies / "bucket-org-only.json").unlink()
    yield root


def normalise(text: str, root: Path) -> str:
    """The report with what varies between runs replaced by placeholders."""
    for form in (root.resolve().as_uri(), str(root.resolve()), str(root)):
        text = text.replace(form, "<root>")
    text = text.replace(__version__, "<version>")
    # Zero, not a placeholder, so a JSON report stays JSON.
    text = re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)
    return re.sub(r"HEAD \([0-9a-f]{12}\)", "HEAD (<commit>)", text)


def run_case(name: str, fmt: str, root: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = root / "out" / f"{name}.{fmt}"
    out.parent.mkdir(exist_ok=True)
    argv = [*ARGS[name], "--format", fmt, "--output", str(out)]
    if name in CHECK:
        argv += ["--cache-dir", str(root / "cache")]
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    report = out.read_text(encoding="utf-8") if out.exists() else ""
    shown = f"exit code: {code}\n--- stdout\n{captured.out}--- stderr\n{captured.err}--- report\n"
    return normalise(shown + report, root)


@pytest.mark.parametrize(("name", "fmt"), PARAMS)
def test_report_snapshot(
    name: str,
    fmt: str,
    workspace: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(workspace)
    got = run_case(name, fmt, workspace, capsys)
    stored = SNAPSHOTS / f"{name}.{fmt}.txt"
    if UPDATE:
        stored.parent.mkdir(exist_ok=True)
        stored.write_text(got, encoding="utf-8")
    assert stored.exists(), f"no snapshot {stored.name}: run with POLICYREASON_UPDATE_SNAPSHOTS=1"
    assert got == stored.read_text(encoding="utf-8"), f"{stored.name} changed"


def test_every_snapshot_belongs_to_a_case() -> None:
    # A snapshot no case writes any more would be compared with nothing, and kept forever.
    expected = {f"{name}.{fmt}.txt" for name, fmt in CASES}
    assert {p.name for p in SNAPSHOTS.glob("*.txt")} <= expected


@pytest.mark.parametrize("name", [n for n, f in CASES if f == "sarif"])
def test_every_sarif_log_follows_one_convention(name: str) -> None:
    """check, diff and reach write the same SARIF: rules documented from the catalogue, every
    result indexed to its rule, every location relative to the run's root with a 1-based
    region."""
    from tests.test_report_formats import _validate_sarif

    stored = (SNAPSHOTS / f"{name}.sarif.txt").read_text(encoding="utf-8")
    log = json.loads(stored.split("--- report\n", 1)[1])
    _validate_sarif(log)
    (run,) = log["runs"]
    code = int(stored.split("\n", 1)[0].removeprefix("exit code: "))
    assert run["invocations"][0]["exitCode"] == code
    catalogue = {r.id for r in all_rules()} | {"input-error"}
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} <= catalogue
    for result in run["results"]:
        for location in result["locations"]:
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact["uriBaseId"] == "%SRCROOT%", artifact


@pytest.mark.parametrize("name", list(DIFF))
def test_diff_findings_have_their_catalogued_severity(name: str) -> None:
    stored = (SNAPSHOTS / f"{name}.json.txt").read_text(encoding="utf-8")
    report = json.loads(stored.split("--- report\n", 1)[1])
    severity = {r.id: r.severity.value for r in all_rules(Family.CHANGE)}
    findings = [f for change in report["changes"] for f in change["findings"]]
    assert findings
    for finding in findings:
        assert finding["severity"] == severity[finding["category"]], finding["category"]
