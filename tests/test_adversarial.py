"""Adversarial input: deep nesting, huge policies, and a file whose check fails unexpectedly
end in that file's located error; every other file of the batch is still checked, and nothing
ends in a traceback or a green gate."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from policyreason.cli import main
from policyreason.run.options import RunOptions
from policyreason.run.schedule import Execution, execute
from policyreason.run.tasks import FileResult, check_file

PUBLIC_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-site/*",
        }
    ],
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policyreason.toml").write_text("")
    monkeypatch.setenv("POLICYREASON_CACHE_DIR", str(tmp_path / "user-cache"))


def _deep_condition(depth: int) -> str:
    nested = '"v"'
    for _ in range(depth):
        nested = '{"k": ' + nested + "}"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",'
        ' "Resource": "*", "Condition": ' + nested + "}]}"
    )


def _hostile_folder() -> Path:
    folder = Path("repo")
    folder.mkdir()
    (folder / "bucket.json").write_text(json.dumps(PUBLIC_BUCKET, indent=2))
    (folder / "truncated.json").write_text('{"Version": "2012-10-17", "Statement": [{"Effect":')
    (folder / "deep.json").write_text(_deep_condition(5_000))
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_hostile_folder_reports_every_file_and_fails(
    jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _hostile_folder()
    code = main(["check", "repo", "--format", "json", "--no-cache", "--jobs", jobs])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    report = json.loads(captured.out)
    # The public bucket is reported although its neighbours are broken...
    public = [f for f in report["findings"] if f["rule_id"] == "PR601"]
    assert [f["location"]["file"] for f in public] == ["repo/bucket.json"]
    # ...and each broken file has its own located error.
    errors = {e["location"]["file"]: e for e in report["errors"]}
    assert set(errors) == {"repo/truncated.json", "repo/deep.json"}
    assert errors["repo/truncated.json"]["location"]["line"] == 1
    assert errors["repo/truncated.json"]["location"]["column"] > 1


def test_the_text_report_of_a_hostile_folder(capsys: pytest.CaptureFixture[str]) -> None:
    _hostile_folder()
    code = main(["check", "repo", "--no-cache"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.out + captured.err
    assert "repo/deep.json:" in captured.out
    assert "PR601" in captured.out


def test_five_thousand_statements_end_in_a_located_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    Path("huge.json").write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [statement] * 5_000}, indent=1)
    )
    code = main(["check", "huge.json", "--format", "json", "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    (error,) = report["errors"]
    assert error["code"] == "too-many-statements"
    # At the Statement array.
    assert (error["location"]["line"], error["location"]["column"]) == (3, 15)
    assert "5,000 statements" in error["message"]


# Work functions that misbehave on one file (the batch runs them in this process).


def raise_on_boom(path: Path, options: RunOptions) -> FileResult:
    if path.name == "boom.json":
        raise RuntimeError("boom")
    return check_file(path, options)


def recurse_on_boom(path: Path, options: RunOptions) -> FileResult:
    if path.name == "boom.json":

        def down(n: int) -> int:
            return down(n + 1) + 1

        down(0)
    return check_file(path, options)


def spin_on_boom(path: Path, options: RunOptions) -> FileResult:
    if path.name == "boom.json":
        while True:
            time.sleep(0.01)
    return check_file(path, options)


def _batch() -> list[Path]:
    files = [Path("a.json"), Path("boom.json"), Path("z.json")]
    for path in files:
        path.write_text(json.dumps(PUBLIC_BUCKET))
    return files


# The time limit is wall time: generous enough that the well-behaved files finish within it on
# a machine busy with other work (at 0.5 s they timed out under a load average of 10).
@pytest.mark.parametrize(
    ("work", "code", "says"),
    [
        (raise_on_boom, "task-failed", "RuntimeError: boom"),
        (recurse_on_boom, "task-failed", "nests too deeply"),
        (spin_on_boom, "timeout", "took over 3 s"),
    ],
)
def test_a_failing_file_in_this_process_is_that_files_error(
    work: object, code: str, says: str
) -> None:
    files = _batch()
    expected = execute(files, RunOptions(), Execution(jobs=1, file_timeout=None))
    execution = Execution(jobs=1, file_timeout=3)
    results = execute(files, RunOptions(), execution, work=work)  # type: ignore[arg-type]
    assert [d.code for d in results[1].errors] == [code]
    assert says in results[1].errors[0].message
    assert results[1].errors[0].span.file == "boom.json"
    assert results[0] == expected[0] and results[2] == expected[2]
