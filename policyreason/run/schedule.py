"""How `check` spreads its per-file work: in this process, in a local process pool
(`run/local.py`), or on a Dask cluster (`run/cluster.py`), with results cached
(`run/cache.py`). Results stream back as they finish; the gate assembles them in path order,
so the report does not depend on how the work was spread."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from policyreason.collector import batch, settle
from policyreason.run.local import Task, in_pool, isolated, start_method
from policyreason.run.tasks import FileResult, Work, check_file

if TYPE_CHECKING:
    from policyreason.run.cache import ResultCache
    from policyreason.run.options import RunOptions

# The cost model behind the default number of processes (CPU seconds): a worker's start by how
# it starts, and a file's check, a fixed part and a part per byte of input. A forked worker costs
# its fork and the first-use tables it fills again (a pool of two over 31 managed policies took
# 0.1 CPU-s more than one process); a new interpreter also imports the checks and the reference
# index. The per-file estimate is a compromise across kinds of input: an identity policy costs
# about 1.5 ms + 0.75 us a byte (the managed policies), a template, resource policy or
# authorization export 10-140 us a byte (the examples, most of it the solver's).
WORKER_START_S = {"fork": 0.1, "spawn": 0.35}
FILE_S = 0.003
BYTE_S = 10e-6
DEFAULT_FILE_TIMEOUT_S = 600.0
# A pool's task is a 1/(GUIDE * jobs) share of the estimated work not yet handed out, and never
# less than 1/(GUIDE * jobs * TAIL_SHARES) of the batch's (see `_tasks`).
GUIDE = 4
TAIL_SHARES = 16

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Execution:
    """How to run the per-file work: `jobs` worker processes (None: decide from the batch
    size), or the Dask scheduler at `scheduler`; results cached under `cache_dir` (None: no
    cache); `file_timeout` seconds per file in a pool or cluster."""

    jobs: int | None = 1
    scheduler: str | None = None
    cache_dir: Path | None = None
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT_S


def default_jobs(files: Sequence[Path]) -> int:
    """One process per usable CPU when the batch's estimated work pays for starting them, else
    one. With n workers a batch of `work` CPU seconds takes about WORKER_START_S + work / n
    (they start side by side) instead of `work` in this already running process; that is
    shorter once work * (1 - 1/n) exceeds WORKER_START_S. The work is estimated from the files'
    sizes, so one large template can be worth a pool and many tiny files not."""
    cpus = _usable_cpus()
    if cpus < 2:
        return 1
    work = sum(_estimate(_size(path)) for path in files)
    return cpus if work * (1 - 1 / cpus) > WORKER_START_S[start_method()] else 1


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


def _estimate(size: int) -> float:
    """The estimated CPU seconds of checking a file of `size` bytes."""
    return FILE_S + BYTE_S * size


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # unreadable or gone: reported when it is checked
        return 0


def execute(
    files: Sequence[Path],
    options: RunOptions,
    execution: Execution,
    progress: Progress | None = None,
    work: Work = check_file,
) -> list[FileResult]:
    """Run `work` on every file (cached results reused) and return the results in the order of
    `files`. Raises SchedulerError when a requested scheduler cannot be used."""
    results = dict(execute_stream(files, options, execution, progress, work))
    return [results[i] for i in range(len(files))]


def execute_stream(
    files: Sequence[Path],
    options: RunOptions,
    execution: Execution,
    progress: Progress | None = None,
    work: Work = check_file,
) -> Generator[tuple[int, FileResult], None, None]:
    """`execute`, one (index in `files`, result) at a time as each file is done, so a caller
    interrupted half-way still has what was checked. Results are cached as they come; closing
    the stream stops the workers."""
    cache = None
    if execution.cache_dir is not None:
        from policyreason.run.cache import open_cache  # and SQLite, only for a cache

        cache = open_cache(execution.cache_dir)
    keys: dict[int, str] = {}
    todo: list[tuple[int, Path]] = []
    done = 0
    pending: list[tuple[str, str]] = []
    try:
        for index, path in enumerate(files):
            key = cache.file_key(path, options) if cache is not None else None
            cached = _cached(cache, key)
            if cached is not None:
                done += 1
                if progress is not None:
                    progress(done, len(files))
                yield index, cached
                continue
            if key is not None:
                keys[index] = key
            todo.append((index, path))
        for index, result in _dispatch(todo, options, execution, work):
            # A file edited while it was being checked is not stored under its old key.
            if (
                cache is not None
                and index in keys
                and result.cacheable
                and cache.file_key(files[index], options) == keys[index]
            ):
                pending.append((keys[index], result.model_dump_json()))
            done += 1
            if progress is not None:
                progress(done, len(files))
            yield index, result
    finally:
        if cache is not None:
            cache.put_many(pending)
            cache.close()


def _cached(cache: ResultCache | None, key: str | None) -> FileResult | None:
    if cache is None or key is None:
        return None
    text = cache.get(key)
    if text is None:
        return None
    try:
        return FileResult.model_validate_json(text)
    except ValueError:
        return None  # written by another layout: recomputed and overwritten


def _dispatch(
    todo: list[tuple[int, Path]], options: RunOptions, execution: Execution, work: Work
) -> Iterator[tuple[int, FileResult]]:
    if execution.scheduler is not None:
        from policyreason.run.cluster import on_cluster

        yield from on_cluster(todo, options, execution, work)
        return
    jobs = execution.jobs if execution.jobs is not None else default_jobs([p for _, p in todo])
    results: Generator[tuple[int, FileResult], None, None]
    if jobs <= 1 or len(todo) <= 1:
        results = (
            (index, isolated(work, path, options, execution.file_timeout)) for index, path in todo
        )
    else:
        tasks = _tasks(todo, jobs)
        results = in_pool(tasks, options, min(jobs, len(tasks)), execution.file_timeout, work)
    with closing(results), batch():
        for found in results:
            yield found
            settle()


def _tasks(todo: list[tuple[int, Path]], jobs: int) -> list[Task]:
    """The files as a pool's tasks: largest first (size stands for cost), so that the costliest
    are not left to the end, when one worker would check them while the others wait. Small files
    go together, each task taking a share of the estimated work still to be handed out (a
    1/(GUIDE * jobs) share): large tasks while there is much left, each hand-over costing this
    process and the worker a little, and short ones at the end, where the workers should finish
    together. The shares are of the batch's own estimate, so its scale (which varies with the
    kind of input) does not matter."""
    sized = sorted(((-_size(path), index, path) for index, path in todo), key=lambda s: s[:2])
    costs = [_estimate(-negative_size) for negative_size, _, _ in sized]
    remaining = sum(costs)
    least = remaining / TAIL_SHARES
    tasks: list[Task] = []
    task: list[tuple[int, Path]] = []
    estimate = 0.0
    for (_, index, path), cost in zip(sized, costs, strict=True):
        task.append((index, path))
        estimate += cost
        if estimate >= max(remaining, least) / (GUIDE * jobs):
            tasks.append(tuple(task))
            remaining -= estimate
            task, estimate = [], 0.0
    if task:
        tasks.append(tuple(task))
    return tasks
