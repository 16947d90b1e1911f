"""Parallel `check`: a process pool and a Dask cluster give the serial report, and a file whose
task crashes, fails or hangs is reported for that file while the batch goes on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policyreason.cli import main
from policyreason.errors import SchedulerError
from policyreason.gate import run
from policyreason.run import local, schedule
from policyreason.run.options import RunOptions
from policyreason.run.schedule import Execution, execute
from policyreason.run.tasks import FileResult, check_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".policyreason.toml").write_text("")
    monkeypatch.setenv("POLICYREASON_CACHE_DIR", str(tmp_path / "user-cache"))


@pytest.fixture(params=["fork", "spawn"] if sys.platform == "linux" else ["spawn"])
def start(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way a pool's workers may start: a test process runs threads of its own, so the
    choice is forced (forking is what a single-threaded `policyreason check` on Linux does)."""
    method: str = request.param
    monkeypatch.setattr(local, "start_method", lambda: method)
    return method


def _folder() -> Path:
    """The examples, a file that cannot be parsed, and a second copy of a policy."""
    folder = Path("inputs")
    if folder.exists():
        return folder
    shutil.copytree(EXAMPLES, folder)
    (folder / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [\n')
    shutil.copy(folder / "policies" / "s3-read-widened.json", folder / "policies" / "copy.json")
    return folder


# Work functions that misbehave on one file; top-level so spawned workers can import them.


def crash_on_boom(path: Path, options: RunOptions) -> FileResult:
    if path.name == "boom.json":
        os._exit(3)
    return check_file(path, options)


def raise_on_boom(path: Path, options: RunOptions) -> FileResult:
    if path.name == "boom.json":
        raise RuntimeError("boom")
    return check_file(path, options)


def read_every_service(path: Path, options: RunOptions) -> FileResult:
    """Reads each service's actions from the packaged archive, as checks do when first asked,
    then checks the file: workers doing this side by side read the archive at once."""
    from policyreason.data import reference

    for prefix in reference.service_prefixes():
        service = reference.service(prefix)
        assert service is not None and isinstance(service.actions, dict)
    return check_file(path, options)


def hang_on_boom(path: Path, options: RunOptions) -> FileResult:
    if path.name == "boom.json":
        time.sleep(60)
    return check_file(path, options)


def _json_report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", "inputs", "--format", "json", "--no-cache", *args])
    return code, capsys.readouterr().out


@pytest.mark.slow
def test_jobs_two_gives_the_serial_report(capsys: pytest.CaptureFixture[str], start: str) -> None:
    _folder()
    serial_code, serial = _json_report(capsys, "--jobs", "1")
    pooled_code, pooled = _json_report(capsys, "--jobs", "2")
    assert serial_code == pooled_code == 2  # broken.json is an input error
    assert pooled == serial
    report = json.loads(serial)
    assert report["summary"]["files"] >= 8
    assert report["summary"]["findings"] > 0


@pytest.mark.slow
def test_sarif_report_matches_too(capsys: pytest.CaptureFixture[str]) -> None:
    _folder()
    main(["check", "inputs", "--format", "sarif", "--no-cache", "-j", "1"])
    serial = capsys.readouterr().out
    main(["check", "inputs", "--format", "sarif", "--no-cache", "-j", "2"])
    assert capsys.readouterr().out == serial


def _boom_batch() -> list[Path]:
    """The example policies, the broken file and `boom.json`: what the pool does with one
    misbehaving file needs no templates or exports (the reports above check those)."""
    folder = _folder()
    (folder / "boom.json").write_text((EXAMPLES / "policies" / "s3-read.json").read_text())
    files = sorted([*(folder / "policies").glob("*.json"), folder / "broken.json"])
    files.append(folder / "boom.json")
    assert len(files) >= 5
    return files


def _errors(results: list[FileResult], files: list[Path]) -> dict[str, list[str]]:
    return {f.name: [d.code for d in r.errors] for f, r in zip(files, results, strict=True)}


@pytest.mark.slow
def test_a_crashed_worker_is_reported_for_its_file(start: str) -> None:
    files = _boom_batch()
    expected = execute(files, RunOptions(), Execution(jobs=1))
    results = execute(files, RunOptions(), Execution(jobs=2), work=crash_on_boom)
    errors = _errors(results, files)
    assert errors["boom.json"] == ["worker-crash"]
    assert (
        "process checking this file crashed"
        in results[files.index(Path("inputs/boom.json"))].errors[0].message
    )
    for index, file in enumerate(files):
        if file.name != "boom.json":
            assert results[index] == expected[index], file


@pytest.mark.slow
def test_a_file_over_the_time_limit_is_reported_and_the_rest_checked(start: str) -> None:
    files = _boom_batch()
    expected = execute(files, RunOptions(), Execution(jobs=1))
    # The limit is wall time: generous, so that a loaded machine finishes the other files
    # (small policies, each well under a second of CPU).
    results = execute(files, RunOptions(), Execution(jobs=2, file_timeout=15.0), work=hang_on_boom)
    assert _errors(results, files)["boom.json"] == ["timeout"]
    for index, file in enumerate(files):
        if file.name != "boom.json":
            assert results[index] == expected[index], file


@pytest.mark.slow
def test_a_failing_task_is_reported_in_a_pool() -> None:
    files = _boom_batch()
    results = execute(files, RunOptions(), Execution(jobs=2), work=raise_on_boom)
    errors = _errors(results, files)
    assert errors["boom.json"] == ["task-failed"]
    assert sum(1 for codes in errors.values() if codes) == 2  # boom.json and broken.json


@pytest.mark.slow
def test_local_dask_cluster_gives_the_serial_report() -> None:
    if os.environ.get("CI") == "true":
        import distributed  # CI installs the dask extra: a missing one must fail, not skip
    else:
        distributed = pytest.importorskip("distributed")

    _folder()
    serial = run(["inputs"], RunOptions(), execution=Execution(jobs=1))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        clustered = run(
            ["inputs"], RunOptions(), execution=Execution(scheduler=cluster.scheduler_address)
        )
        files = _boom_batch()
        results = execute(
            files,
            RunOptions(),
            Execution(scheduler=cluster.scheduler_address),
            work=raise_on_boom,
        )
    assert clustered == serial
    assert _errors(results, files)["boom.json"] == ["task-failed"]
    assert "RuntimeError: boom" in results[files.index(Path("inputs/boom.json"))].errors[0].message


def test_scheduler_without_the_dask_extra_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _folder()
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    with pytest.raises(SchedulerError, match=r"policyreason\[dask\]"):
        execute([Path("inputs/broken.json")], RunOptions(), Execution(scheduler="tcp://x:1"))
    assert main(["check", "inputs", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "policyreason[dask]" in capsys.readouterr().err


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", ".", "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_configured_run_in_a_pool_matches_serial(capsys: pytest.CaptureFixture[str]) -> None:
    # Suppressions, a baseline, the zone of trust and parameters all travel to the workers.
    _folder()
    Path(".policyreason.toml").write_text(
        'zone-of-trust = ["111122223333"]\n'
        '[parameters]\nEnv = "prod"\n'
        '[[suppress]]\npaths = ["inputs/policies/*"]\nreason = "sample policies"\n'
    )
    _code, plain = _json_report(capsys, "--jobs", "1")
    accepted = [
        {"fingerprint": f["fingerprint"]}
        for f in json.loads(plain)["findings"]
        if "terraform" in f["location"]["file"]
    ]
    assert accepted
    Path("base.json").write_text(json.dumps({"baseline_version": 1, "findings": accepted}))
    args = ["--baseline", "base.json", "--unknown", "pass"]
    serial_code, serial = _json_report(capsys, "--jobs", "1", *args)
    pooled_code, pooled = _json_report(capsys, "--jobs", "2", *args)
    assert pooled_code == serial_code
    assert pooled == serial
    summary = json.loads(serial)["summary"]
    assert summary["suppressed"] > 0
    assert summary["unchanged"] == len(accepted)


def test_default_jobs_follow_the_work_not_the_file_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedule, "_usable_cpus", lambda: 2)
    tiny = []
    for n in range(50):  # many files, little work: one process
        tiny.append(tmp_path / f"tiny{n}.json")
        tiny[-1].write_text("{}")
    assert schedule.default_jobs(tiny) == 1
    big = tmp_path / "big.json"  # one large file pays for a pool on its own
    start_s = schedule.WORKER_START_S[schedule.start_method()]
    big.write_text(" " * int(2 * start_s / schedule.BYTE_S))
    assert schedule.default_jobs([big, tiny[0]]) == 2
    assert schedule.default_jobs([tmp_path / "missing.json"]) == 1
    monkeypatch.setattr(schedule, "_usable_cpus", lambda: 1)
    assert schedule.default_jobs([big, tiny[0]]) == 1


@pytest.mark.parametrize("jobs", [2, 3])
def test_tasks_take_shares_of_the_work_left_largest_files_first(tmp_path: Path, jobs: int) -> None:
    sizes = [400_000, 25_000, 9_000, *range(100, 3_000, 7)]
    todo = []
    for index, size in enumerate(sizes):
        todo.append((index, tmp_path / f"p{index}.json"))
        todo[-1][1].write_text(" " * size)
    tasks = schedule._tasks(todo, jobs)

    def cost(task: local.Task) -> float:
        return sum(schedule.FILE_S + schedule.BYTE_S * sizes[i] for i, _ in task)

    # Every file once, largest first.
    handed = [file for task in tasks for file in task]
    assert sorted(handed) == todo
    assert [sizes[i] for i, _ in handed] == sorted(sizes, reverse=True)
    # Each task a 1/(GUIDE * jobs) share of what was left (its last file overshoots), never
    # under the tail's share of the whole; so at most GUIDE * jobs * TAIL_SHARES tasks.
    total = sum(cost((file,)) for file in todo)
    left = total
    for task in tasks[:-1]:
        share = max(left, total / schedule.TAIL_SHARES) / (schedule.GUIDE * jobs)
        assert cost(task[:-1]) < share <= cost(task)
        left -= cost(task)
    assert len(tasks) <= schedule.GUIDE * jobs * schedule.TAIL_SHARES < len(todo)
    assert len(tasks[0]) == 1  # the largest file alone outweighs its share


def test_after_a_crash_only_the_files_being_checked_are_run_alone() -> None:
    a = tuple((i, Path(f"a{i}.json")) for i in range(3))
    b = tuple((i, Path(f"b{i}.json")) for i in range(10, 12))
    suspects: list[local.Task] = []
    queue: list[local.Task] = []
    # The worker of `a` had begun its second file; `b` was waiting for a worker.
    local._sort_out([a, b], {0: 1.0, 1: 2.0}, suspects, queue)
    assert suspects == [(a[1],)]
    assert queue == [(a[0], a[2]), b]
    # No start report at all: each file of the broken tasks is run alone, so that a crash
    # before any report still ends.
    suspects, queue = [], []
    local._sort_out([a, b], {}, suspects, queue)
    assert suspects == [a, b]
    assert queue == []


def test_a_single_threaded_check_forks_its_workers_on_linux() -> None:
    code = "from policyreason.run.local import start_method; print(start_method())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ("fork" if sys.platform == "linux" else "spawn")


@pytest.mark.slow
def test_workers_read_the_service_reference_side_by_side(start: str) -> None:
    """A forked worker reads the packaged reference through its own open archive: through the
    parent's, whose read position every child shares, two workers read each other's bytes."""
    from policyreason.data import reference

    reference.service_prefixes()  # the archive is open in this process before the pool starts
    files = _boom_batch()
    expected = execute(files, RunOptions(), Execution(jobs=1))
    singles = [((index, file),) for index, file in enumerate(files)]
    results = dict(local.in_pool(singles, RunOptions(), 2, None, read_every_service))
    assert [results[i] for i in range(len(files))] == expected
