"""Per-file work in this process and in a local process pool.

A file whose task crashes its worker, raises (a RecursionError included), or runs past the
per-file time limit gets an error diagnostic of its own and the rest of the batch goes on.
"""

from __future__ import annotations

import atexit
import gc
import signal
import sys
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyreason.collector import BATCH_THRESHOLD, settle
from policyreason.run.tasks import FileResult, Work, describe_failure, failed

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from policyreason.run.options import RunOptions


def start_method() -> str:
    """How a pool's workers start: forked on Linux when this process runs no other thread (a
    fork copies only the calling thread, and a lock another one held would stay held in the
    worker), sharing what this process has loaded; otherwise (macOS's system libraries,
    Windows, threads) each a new interpreter."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


Task = tuple[tuple[int, Path], ...]
"""Files one worker checks one after another, as one task: (index in the batch, path)."""


def in_pool(
    tasks: list[Task],
    options: RunOptions,
    jobs: int,
    timeout: float | None,
    work: Work,
) -> Generator[tuple[int, FileResult], None, None]:
    """Run `work` on each file of the tasks in a pool of `jobs` processes, a task's results as
    it finishes; a crash, an error or a time-out is that file's result."""
    # At most two tasks per worker are in flight (a worker that finishes one starts the next
    # without waiting for this process to hand it over), so a crash leaves few suspects; they
    # are then run one at a time, which tells the file that crashed its worker from its
    # neighbours. A task of several small files costs this process one hand-over instead of
    # several (about 0.4 ms of its CPU each).
    # A file's clock starts when its worker reports starting it (not at submission), so worker
    # start-up and queueing never count against a file. (Imported here: a serial run, the common
    # one-file case, never needs them.)
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    queue = list(reversed(tasks))
    suspects: list[Task] = []
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        # Workers forked from here share what this process has loaded instead of each loading
        # it again (about 0.35 CPU-s a worker); frozen, those objects are never walked by a
        # worker's collector, so their pages stay shared.
        _warm()
        gc.freeze()
    while queue or suspects:
        solo = not queue
        if solo:
            queue, suspects = [(file,) for task in suspects for file in task], []
        width = 1 if solo else min(jobs, len(queue))
        in_flight = 1 if solo else 2 * width
        started_queue = context.SimpleQueue()
        pool = ProcessPoolExecutor(
            max_workers=width,
            mp_context=context,
            initializer=_worker_init,
            initargs=(started_queue,),
        )
        running: dict[Future[list[FileResult]], Task] = {}
        started: dict[int, float] = {}
        broken: list[Task] = []  # the tasks a crash took down with its pool
        crashed = stuck = False
        try:
            while (queue or running) and not (crashed or stuck):
                while queue and len(running) < in_flight:
                    task = queue.pop()
                    try:
                        future = pool.submit(_run_task, work, task, options)
                    except BrokenProcessPool:
                        queue.append(task)
                        crashed = True
                        break
                    running[future] = task
                finished, _ = wait(
                    running,
                    timeout=_wait_for(running, started, timeout),
                    return_when=FIRST_COMPLETED,
                )
                while not started_queue.empty():
                    index, at = started_queue.get()
                    started[index] = at
                for future in finished:
                    task = running.pop(future)
                    error = future.exception()
                    if error is None:
                        yield from zip((index for index, _ in task), future.result(), strict=True)
                    elif isinstance(error, BrokenProcessPool):
                        crashed = True
                        if solo:
                            (index, path), *_ = task
                            yield (
                                index,
                                failed(
                                    path, "worker-crash", "the process checking this file crashed"
                                ),
                            )
                        else:
                            broken.append(task)
                    else:
                        # What escaped the worker's own handling of each file (a SystemExit)
                        # is the failure of the file it was on; the task's others run again.
                        (index, path), rest = _current(task, started), _others(task, started)
                        yield index, failed(path, "task-failed", describe_failure(error))
                        if rest:
                            queue.append(rest)
                for future in _overdue(running, started, timeout):
                    task = running.pop(future)
                    stuck = True
                    (index, path), rest = _current(task, started), _others(task, started)
                    yield (
                        index,
                        failed(
                            path, "timeout", f"checking this file took over {timeout:g} s; stopped"
                        ),
                    )
                    if rest:
                        queue.append(rest)
            # Tasks still in flight when a pool is torn down run again: after a crash, the
            # files they were on alone (one of them may be the cause); after a time-out, with
            # the others.
            if crashed and not solo:
                broken += running.values()
                _sort_out(broken, started, suspects, queue)
            else:
                queue += running.values()
        finally:
            _stop(pool, kill=crashed or stuck or bool(running))
            started_queue.close()


def _sort_out(
    broken: list[Task], started: dict[int, float], suspects: list[Task], queue: list[Task]
) -> None:
    """After a crash: the file each broken task's worker was on is a suspect, to be run alone;
    the tasks' other files (done, their results lost with the pool, or not begun) run again
    with the rest. When no broken task had begun a file, the crash came before any start
    report, and only running each of their files alone can tell which one it was."""

    def begun(task: Task) -> bool:
        return any(index in started for index, _ in task)

    if not any(begun(task) for task in broken):
        suspects += broken
        return
    for task in broken:
        if not begun(task):
            queue.append(task)
            continue
        suspects.append((_current(task, started),))
        rest = _others(task, started)
        if rest:
            queue.append(rest)


def _current(task: Task, started: dict[int, float]) -> tuple[int, Path]:
    # A worker runs a task's files in order, so the last one it reported starting is the one
    # it is on (the first, before any report).
    on = [file for file in task if file[0] in started]
    return on[-1] if on else task[0]


def _others(task: Task, started: dict[int, float]) -> Task:
    current = _current(task, started)
    return tuple(file for file in task if file != current)


class _FileTimeout(BaseException):
    """Raised by the alarm in the middle of a file's work; a BaseException so that no
    `except Exception` on the way (a check's own error handling) can swallow it."""


def isolated(work: Work, path: Path, options: RunOptions, timeout: float | None) -> FileResult:
    """Run `work` on one file in this process; whatever goes wrong with it, as in a worker, is
    that file's error."""
    try:
        with _alarm(timeout):
            return work(path, options)
    except _FileTimeout:
        return failed(path, "timeout", f"checking this file took over {timeout:g} s; stopped")
    except Exception as exc:
        return failed(path, "task-failed", describe_failure(exc))


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    # SIGALRM is the only way to stop work running in this very process; it exists on POSIX
    # and reaches only the main thread, elsewhere the file runs without a limit.
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert seconds is not None

    def expire(_signum: int, _frame: object) -> None:
        raise _FileTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_started: Any = None


def _warm() -> None:
    """Load what every file's checks need: the checks, the service index, the readers, the
    escalation paths and the solver's modules (no solver is made)."""
    import policyreason.analysis.escalation.paths
    import policyreason.inputs.policy_json
    import policyreason.smt.session  # noqa: F401
    from policyreason.checks import all_checks
    from policyreason.data import reference

    all_checks()
    reference.service_prefixes()


def _worker_init(started: Any) -> None:
    """Runs once in each worker: keep the start-report channel, collect as a batch does and
    load what the checks need, so the first file's clock does not include it."""
    global _started
    _started = started
    # A worker's heap holds the tables and caches of every file it checked; the interpreter's
    # last collections walk it all as the worker exits (0.4 s after half the managed policies),
    # after every result is in. Frozen objects are spared those walks (see `cli.entry`).
    atexit.register(gc.freeze)
    gc.set_threshold(BATCH_THRESHOLD)
    _warm()


def _run_task(work: Work, task: Task, options: RunOptions) -> list[FileResult]:
    results = []
    for index, path in task:
        # CLOCK_MONOTONIC is one clock for every process of the machine.
        _started.put((index, time.monotonic()))
        results.append(isolated(work, path, options, None))
        settle()
    return results


# Poll for start reports this often while some task in flight has not reported yet.
_START_POLL_S = 0.2


def _wait_for(
    running: dict[Future[list[FileResult]], Task],
    started: dict[int, float],
    timeout: float | None,
) -> float | None:
    if timeout is None or not running:
        return None
    starts = [started.get(_current(task, started)[0]) for task in running.values()]
    known = [t for t in starts if t is not None]
    wait_s = min(known) + timeout - time.monotonic() if known else _START_POLL_S
    if len(known) < len(starts):
        wait_s = min(wait_s, _START_POLL_S)
    return max(0.0, wait_s)


def _overdue(
    running: dict[Future[list[FileResult]], Task],
    started: dict[int, float],
    timeout: float | None,
) -> list[Future[list[FileResult]]]:
    if timeout is None:
        return []
    now = time.monotonic()
    overdue = []
    for future, task in running.items():
        at = started.get(_current(task, started)[0])
        if at is not None and now - at >= timeout:
            overdue.append(future)
    return overdue


def _stop(pool: ProcessPoolExecutor, kill: bool) -> None:
    if kill:
        # No public way to stop a running task: end its process, then the pool.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=not kill, cancel_futures=True)
