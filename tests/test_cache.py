"""The result cache: hits and misses, what changes the key, damaged and unusable cache files,
concurrent writers, `--no-cache`, and results that must not be stored."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

from policyreason.analysis.findings import Finding, Status
from policyreason.cli import main
from policyreason.config import Config
from policyreason.inputs import LoadOptions
from policyreason.ir.policy import PolicyKind
from policyreason.ir.severity import Severity
from policyreason.ir.span import Span
from policyreason.report import FileEntry
from policyreason.run.cache import FILE_NAME, MAX_AGE_S, ResultCache, default_cache_dir
from policyreason.run.options import RunOptions
from policyreason.run.schedule import Execution, execute
from policyreason.run.tasks import FileResult, FoundFinding, check_file

ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/*"}],
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policyreason.toml").write_text("")
    monkeypatch.setenv("POLICYREASON_CACHE_DIR", str(tmp_path / "user-cache"))


def _write(name: str, value: object) -> Path:
    path = Path(name)
    path.write_text(json.dumps(value, indent=2) + "\n")
    return path


class Counting:
    """A work function that records which files it was asked to check."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, path: Path, options: RunOptions) -> FileResult:
        self.paths.append(path.name)
        return check_file(path, options)


def _rows(cache_dir: Path) -> int:
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        count: int = db.execute("SELECT count(*) FROM results").fetchone()[0]
    return count


def test_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    files = [_write("admin.json", ADMIN), _write("read.json", READ)]
    execution = Execution(cache_dir=tmp_path / "c")
    first, second = Counting(), Counting()
    cold = execute(files, RunOptions(), execution, work=first)
    warm = execute(files, RunOptions(), execution, work=second)
    assert first.paths == ["admin.json", "read.json"]
    assert second.paths == []
    assert warm == cold
    assert any(f.finding.rule_id for f in warm[0].found)
    assert _rows(tmp_path / "c") == 2


def test_an_edited_file_misses_and_the_others_hit(tmp_path: Path) -> None:
    files = [_write("admin.json", ADMIN), _write("read.json", READ)]
    execution = Execution(cache_dir=tmp_path / "c")
    execute(files, RunOptions(), execution)
    _write("read.json", ADMIN)
    again = Counting()
    results = execute(files, RunOptions(), execution, work=again)
    assert again.paths == ["read.json"]
    assert [f.finding.rule_id for f in results[1].found] == [
        f.finding.rule_id for f in results[0].found
    ]


def test_key_follows_the_question_but_not_the_gate_settings(tmp_path: Path) -> None:
    path = _write("admin.json", ADMIN)
    base = RunOptions()

    def key(options: RunOptions, file: Path = path) -> str | None:
        # A fresh cache object: the question part of the key is computed once per cache.
        return ResultCache(tmp_path / "k").file_key(file, options)

    reference = key(base)
    assert reference is not None and reference == key(base)
    changed = [
        replace(base, config=Config(disable=("PR101",))),
        replace(base, config=Config(enable=("PR101",))),
        replace(base, config=Config(zone_of_trust=("111122223333",))),
        replace(base, load=LoadOptions(kind=PolicyKind.SCP)),
        replace(base, load=LoadOptions(parameters={"Env": "prod"})),
        replace(base, load=LoadOptions(max_bytes=1_000_000)),
    ]
    keys = [key(options) for options in changed]
    assert None not in keys and reference not in keys
    assert len(set(keys)) == len(keys)
    gate_only = replace(base, config=Config(fail_on=Severity.ERROR, unknown="pass"), baseline=None)
    assert key(gate_only) == reference
    copy = _write("copy.json", ADMIN)
    assert key(base, copy) != reference  # same bytes, another path: findings name the path
    _write("admin.json", READ)
    assert key(base) != reference


def test_key_follows_the_installed_solver_not_its_byte_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policyreason.run import cache

    package = tmp_path / "site" / "cvc5"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "base.so").write_bytes(b"1.4.2")
    spec = ModuleSpec("cvc5", None, is_package=True)
    spec.submodule_search_locations = [str(package)]
    monkeypatch.setattr(cache, "find_spec", lambda name: spec if name == "cvc5" else None)
    path = _write("admin.json", ADMIN)

    def key() -> str | None:
        return ResultCache(tmp_path / "k").file_key(path, RunOptions())

    installed = key()
    assert installed is not None
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"")
    assert key() == installed  # written at its first import: the same solver
    (package / "base.so").write_bytes(b"1.4.3 built")
    assert key() != installed


def test_a_file_edited_while_checked_is_not_stored(tmp_path: Path) -> None:
    files = [_write("admin.json", ADMIN), _write("read.json", READ)]

    def edit_while_checking(path: Path, options: RunOptions) -> FileResult:
        result = check_file(path, options)
        if path.name == "read.json":
            _write("read.json", ADMIN)
        return result

    execute(files, RunOptions(), Execution(cache_dir=tmp_path / "c"), work=edit_while_checking)
    assert _rows(tmp_path / "c") == 1
    again = Counting()
    execute(files, RunOptions(), Execution(cache_dir=tmp_path / "c"), work=again)
    assert again.paths == ["read.json"]


def test_unknown_results_and_crashes_are_not_stored(tmp_path: Path) -> None:
    path = _write("admin.json", ADMIN)
    span = Span(file="admin.json", line=1, column=1, end_line=1, end_column=2)
    undecided = Finding(
        rule_id="x.unknown",
        severity=Severity.WARNING,
        title="t",
        message="m",
        span=span,
        status=Status.UNKNOWN,
    )

    def unknown_work(p: Path, options: RunOptions) -> FileResult:
        entry = FileEntry(path=p.name, input_type="policy", documents=())
        found = (FoundFinding(finding=undecided, document="admin", fingerprint="f"),)
        return FileResult(entry=entry, found=found)

    execution = Execution(cache_dir=tmp_path / "c")
    execute([path], RunOptions(), execution, work=unknown_work)
    assert _rows(tmp_path / "c") == 0
    decided = undecided.model_copy(update={"status": Status.WITNESSED})
    assert FileResult(
        entry=FileEntry(path="a", input_type=None, documents=()),
        found=(FoundFinding(finding=decided, document="a", fingerprint="f"),),
    ).cacheable


def test_damaged_cache_file_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    cache_dir = tmp_path / "c"
    cache_dir.mkdir()
    (cache_dir / FILE_NAME).write_bytes(b"this is not an SQLite database" * 100)
    warnings: list[str] = []
    cache = ResultCache(cache_dir, warnings.append)
    assert cache.enabled
    assert len(warnings) == 1 and "rebuilt" in warnings[0]
    cache.put_many([("k", "v")])
    assert cache.get("k") == "v"
    cache.close()


def test_a_tampered_value_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    cache.put_many([("k", '{"a": 1}')])
    cache.close()
    with sqlite3.connect(tmp_path / "c" / FILE_NAME) as db:
        db.execute("UPDATE results SET value = '{\"a\": 2}'")
    assert ResultCache(tmp_path / "c").get("k") is None


def test_old_entries_are_dropped_when_new_ones_are_written(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "c")
    cache.put_many([("old", "1"), ("recent", "2")])
    cache.close()
    with sqlite3.connect(tmp_path / "c" / FILE_NAME) as db:
        db.execute("UPDATE results SET created = created - ? WHERE key = 'old'", (MAX_AGE_S + 60,))
    cache = ResultCache(tmp_path / "c")
    assert cache.get("old") == "1"  # reading never deletes
    cache.put_many([("new", "3")])
    assert (cache.get("old"), cache.get("recent"), cache.get("new")) == (None, "2", "3")
    cache.close()


def test_unusable_cache_degrades_to_no_cache_with_one_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    warnings: list[str] = []
    cache = ResultCache(blocker / "cache", warnings.append)
    assert not cache.enabled and len(warnings) == 1
    assert cache.file_key(_write("admin.json", ADMIN), RunOptions()) is None
    cache.put_many([("k", "v")])
    assert cache.get("k") is None and len(warnings) == 1


def test_cli_warns_once_and_still_checks_when_the_cache_is_unusable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write("admin.json", ADMIN)
    (tmp_path / "blocker").write_text("")
    code = main(["check", "admin.json", "--format", "json", "--cache-dir", "blocker/c"])
    captured = capsys.readouterr()
    assert code == 1
    assert json.loads(captured.out)["summary"]["findings"] >= 1
    assert captured.err.count("warning: result cache") == 1


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from policyreason.run.cache import ResultCache
        cache = ResultCache(Path(sys.argv[1]), lambda m: sys.exit("warning: " + m))
        for batch in range(60):
            cache.put_many(
                [(f"{sys.argv[2]}-{batch}-{i}", "x" * 2000) for i in range(25)]
            )
            assert cache.get(f"{sys.argv[2]}-{batch}-0") == "x" * 2000
        cache.close()
        """
    )
    cache_dir = tmp_path / "shared"
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(cache_dir), name])
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    assert _rows(cache_dir) == 2 * 60 * 25


def test_no_cache_flag_reads_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write("admin.json", ADMIN)
    assert main(["check", "admin.json", "--no-cache"]) == 1
    assert not (tmp_path / "user-cache").exists()
    assert main(["check", "admin.json"]) == 1
    assert default_cache_dir() == tmp_path / "user-cache"
    assert _rows(tmp_path / "user-cache") == 1
    assert main(["check", "admin.json", "--cache-dir", "elsewhere"]) == 1
    assert _rows(tmp_path / "elsewhere") == 1
    capsys.readouterr()


def test_default_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POLICYREASON_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "policyreason"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "policyreason"
