"""The per-file unit of work of `check` and the ways to run it: in this process, in a local
process pool, or on a Dask cluster. Results stream back as they finish; the gate assembles
them in path order, so the report does not depend on how the work was spread.

A file whose task crashes its worker, raises (a RecursionError included), or runs past the
per-file time limit gets an error diagnostic of its own and the rest of the batch goes on, in
this process as in a pool or on a cluster.
"""

from __future__ import annotations

import importlib
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from policyreason.analysis.findings import Finding, Status
from policyreason.config import Suppression
from policyreason.errors import SchedulerError, too_deep
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.span import Span
from policyreason.report import FileEntry

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from policyreason.cache import ResultCache
    from policyreason.config import Config
    from policyreason.gate import RunOptions
    from policyreason.inputs import Document, LoadOptions, SourceFile
    from policyreason.ir.policy import PolicyKind

# The cost model behind the default number of processes (CPU seconds, measured on the managed-
# policy corpus, perf/corpus_lint.py): a worker's start (a new interpreter importing the checks
# and the reference index), and a file's check, a fixed part and a part per byte of input.
WORKER_START_S = 0.35
FILE_S = 0.003
BYTE_S = 10e-6
DEFAULT_FILE_TIMEOUT_S = 600.0
# Diagnostics that describe a failed run rather than the file: never cached.
RUN_FAILURE_CODES = frozenset({"internal-error", "worker-crash", "timeout", "task-failed"})

Progress = Callable[[int, int], None]


class FoundFinding(BaseModel):
    """A finding with the document it is in, the Sid of its statement (suppressions can name
    it) and its baseline fingerprint."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    document: str
    fingerprint: str
    sid: str | None = None


class FileResult(BaseModel):
    """Everything the gate needs from one file: its report entry, its error diagnostics and
    its findings (before suppressions, the baseline and the gate decision), and the
    suppressions written in the file itself."""

    model_config = ConfigDict(frozen=True)

    entry: FileEntry
    errors: tuple[Diagnostic, ...] = ()
    found: tuple[FoundFinding, ...] = ()
    suppressions: tuple[Suppression, ...] = ()

    @property
    def cacheable(self) -> bool:
        """False when a retry might answer differently: an unknown finding, a crash, a timeout."""
        return not any(f.finding.status is Status.UNKNOWN for f in self.found) and not any(
            d.code in RUN_FAILURE_CODES for d in self.errors
        )


@dataclass(frozen=True)
class Execution:
    """How to run the per-file work: `jobs` worker processes (None: decide from the batch
    size), or the Dask scheduler at `scheduler`; results cached under `cache_dir` (None: no
    cache); `file_timeout` seconds per file in a pool or cluster."""

    jobs: int | None = 1
    scheduler: str | None = None
    cache_dir: Path | None = None
    file_timeout: float | None = DEFAULT_FILE_TIMEOUT_S


Work = Callable[[Path, "RunOptions"], FileResult]


def check_file(path: Path, options: RunOptions) -> FileResult:
    """Read one file and run the checks on each policy in it (picklable, for workers)."""
    from policyreason.inline_suppressions import template_suppressions
    from policyreason.inputs import InputType, load_file

    source = load_file(path, load_options(path, options))
    if source.input_type is not InputType.CLOUDFORMATION:
        return file_result(source, options.config)
    suppressions, errors = template_suppressions(path, source.path)
    result = file_result(source, options.config)
    return result.model_copy(
        update={"suppressions": tuple(suppressions), "errors": (*result.errors, *errors)}
    )


def load_options(path: Path, options: RunOptions) -> LoadOptions:
    """How to read `path`: the configured policy type of the first `policy-type` entry whose
    globs match it (relative to the configuration file), unless `--kind` set one for all."""
    from policyreason.ir.policy import PolicyKind

    if options.load.kind is not None:
        return options.load
    relative = relative_path(str(path), options.config_dir)
    for rule in options.config.policy_types:
        if rule.matches(relative):
            return replace(options.load, kind=PolicyKind(rule.type))
    return options.load


def relative_path(file: str, base: Path | None) -> str:
    """`file` relative to `base` (the configuration's folder) with `/`, as globs see it."""
    if base is None:
        return Path(file).as_posix()
    try:
        return Path(file).absolute().relative_to(base.resolve()).as_posix()
    except ValueError:
        return Path(file).as_posix()


def file_result(source: SourceFile, cfg: Config) -> FileResult:
    """The checks' results for an already-read file."""
    from policyreason.baseline import fingerprint
    from policyreason.gate import _check, _check_principal

    diags = _unique(_named(source))
    errors = [d for d in diags if d.level is Level.ERROR]
    entry = FileEntry(
        path=source.path,
        input_type=source.input_type.value if source.input_type else None,
        documents=tuple((d.name, d.kind.value) for d in source.documents),
        notes=source.notes,
        warnings=tuple(d for d in diags if d.level is Level.WARNING),
    )
    found: list[FoundFinding] = []
    # In an authorization export, escalation is a question about each principal's whole
    # policy set (below), not about each of its policies alone.
    per_document = (
        cfg.model_copy(update={"disable": (*cfg.disable, "PR604")}) if source.principals else cfg
    )
    for document in source.documents:
        findings, failure = _check(document, per_document)
        if failure is not None:
            errors.append(failure)
        found += [
            FoundFinding(
                finding=f,
                document=document.name,
                fingerprint=fingerprint(f, document.name, document.parsed.root),
                sid=_sid(document, f),
            )
            for f in findings
        ]
    for principal in source.principals:
        findings, failure = _check_principal(principal, cfg)
        if failure is not None:
            errors.append(failure)
        found += [
            FoundFinding(
                finding=f,
                document=principal.name,
                fingerprint=fingerprint(f, principal.name, None),
            )
            for f in findings
        ]
    return FileResult(entry=entry, errors=tuple(errors), found=tuple(found))


def default_jobs(files: Sequence[Path]) -> int:
    """One process per usable CPU when the batch's estimated work pays for starting them, else
    one. With n workers a batch of `work` CPU seconds takes about WORKER_START_S + work / n
    (they start side by side) instead of `work` in this already running process; that is
    shorter once work * (1 - 1/n) exceeds WORKER_START_S. The work is estimated from the files'
    sizes, so one large template can be worth a pool and many tiny files not."""
    cpus = _usable_cpus()
    if cpus < 2:
        return 1
    work = sum(FILE_S + BYTE_S * _size(path) for path in files)
    return cpus if work * (1 - 1 / cpus) > WORKER_START_S else 1


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


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
    from policyreason.cache import open_cache

    cache = open_cache(execution.cache_dir) if execution.cache_dir is not None else None
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
        yield from _on_cluster(todo, options, execution, work)
        return
    jobs = execution.jobs if execution.jobs is not None else default_jobs([p for _, p in todo])
    if jobs <= 1 or len(todo) <= 1:
        for index, path in todo:
            yield index, _isolated(work, path, options, execution.file_timeout)
        return
    yield from _in_pool(todo, options, min(jobs, len(todo)), execution.file_timeout, work)


def _in_pool(
    todo: list[tuple[int, Path]],
    options: RunOptions,
    jobs: int,
    timeout: float | None,
    work: Work,
) -> Iterator[tuple[int, FileResult]]:
    # At most `width` tasks are in flight, so a crash leaves at most `width` suspects; they are
    # then run one at a time, which tells the file that crashed its worker from its neighbours.
    # A task's clock starts when its worker reports starting it (not at submission), so worker
    # start-up and queueing never count against a file. (Imported here: a serial run, the common
    # one-file case, never needs them.)
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    queue = list(reversed(todo))
    suspects: list[tuple[int, Path]] = []
    context = multiprocessing.get_context("spawn")
    while queue or suspects:
        solo = not queue
        if solo:
            queue, suspects = suspects, []
        width = 1 if solo else min(jobs, len(queue))
        started_queue = context.SimpleQueue()
        pool = ProcessPoolExecutor(
            max_workers=width,
            mp_context=context,
            initializer=_worker_init,
            initargs=(started_queue,),
        )
        running: dict[Future[FileResult], tuple[int, Path]] = {}
        started: dict[int, float] = {}
        crashed = stuck = False
        try:
            while (queue or running) and not (crashed or stuck):
                while queue and len(running) < width:
                    index, path = queue.pop()
                    try:
                        future = pool.submit(_started_then, work, index, path, options)
                    except BrokenProcessPool:
                        queue.append((index, path))
                        crashed = True
                        break
                    running[future] = (index, path)
                finished, _ = wait(
                    running,
                    timeout=_wait_for(running, started, timeout),
                    return_when=FIRST_COMPLETED,
                )
                while not started_queue.empty():
                    index, at = started_queue.get()
                    started[index] = at
                for future in finished:
                    index, path = running.pop(future)
                    error = future.exception()
                    if error is None:
                        yield index, future.result()
                    elif isinstance(error, BrokenProcessPool):
                        crashed = True
                        if solo:
                            yield (
                                index,
                                _failed(
                                    path, "worker-crash", "the process checking this file crashed"
                                ),
                            )
                        else:
                            suspects.append((index, path))
                    else:
                        yield index, _failed(path, "task-failed", _describe(error))
                for future in _overdue(running, started, timeout):
                    index, path = running.pop(future)
                    stuck = True
                    yield (
                        index,
                        _failed(
                            path, "timeout", f"checking this file took over {timeout:g} s; stopped"
                        ),
                    )
            # Tasks still in flight when a pool is torn down run again: alone after a crash
            # (one of them may be the cause), with the others after a time-out.
            for index, path in running.values():
                (suspects if crashed and not solo else queue).append((index, path))
        finally:
            _stop(pool, kill=crashed or stuck or bool(running))
            started_queue.close()


class _FileTimeout(BaseException):
    """Raised by the alarm in the middle of a file's work; a BaseException so that no
    `except Exception` on the way (a check's own error handling) can swallow it."""


def _isolated(work: Work, path: Path, options: RunOptions, timeout: float | None) -> FileResult:
    # In this process, as in a worker: whatever goes wrong with one file is that file's error.
    try:
        with _alarm(timeout):
            return work(path, options)
    except _FileTimeout:
        return _failed(path, "timeout", f"checking this file took over {timeout:g} s; stopped")
    except Exception as exc:
        return _failed(path, "task-failed", _describe(exc))


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


def _worker_init(started: Any) -> None:
    """Runs once in each worker: keep the start-report channel and load the checks and the
    service reference, so the first file's clock does not include them."""
    global _started
    _started = started
    from policyreason.checks import all_checks
    from policyreason.data import reference

    all_checks()
    reference.service_prefixes()


def _started_then(work: Work, index: int, path: Path, options: RunOptions) -> FileResult:
    # CLOCK_MONOTONIC is one clock for every process of the machine.
    _started.put((index, time.monotonic()))
    return work(path, options)


# Poll for start reports this often while some task in flight has not reported yet.
_START_POLL_S = 0.2


def _wait_for(
    running: dict[Future[FileResult], tuple[int, Path]],
    started: dict[int, float],
    timeout: float | None,
) -> float | None:
    if timeout is None or not running:
        return None
    starts = [started.get(index) for index, _path in running.values()]
    known = [t for t in starts if t is not None]
    wait_s = min(known) + timeout - time.monotonic() if known else _START_POLL_S
    if len(known) < len(starts):
        wait_s = min(wait_s, _START_POLL_S)
    return max(0.0, wait_s)


def _overdue(
    running: dict[Future[FileResult], tuple[int, Path]],
    started: dict[int, float],
    timeout: float | None,
) -> list[Future[FileResult]]:
    if timeout is None:
        return []
    now = time.monotonic()
    return [
        future
        for future, (index, _path) in running.items()
        if index in started and now - started[index] >= timeout
    ]


def _stop(pool: ProcessPoolExecutor, kill: bool) -> None:
    if kill:
        # No public way to stop a running task: end its process, then the pool.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=not kill, cancel_futures=True)


def _on_cluster(
    todo: list[tuple[int, Path]], options: RunOptions, execution: Execution, work: Work
) -> Iterator[tuple[int, FileResult]]:
    try:
        # Imported by name: an optional extra, and untyped.
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise SchedulerError(
            "--scheduler needs the Dask extra: pip install 'policyreason[dask]'"
        ) from None
    try:
        client = distributed.Client(execution.scheduler, timeout=30, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {execution.scheduler}: {exc}"
        ) from None
    futures: dict[Any, tuple[int, Path]] = {}
    try:
        futures = {
            client.submit(work, path, options, pure=False, retries=0): (index, path)
            for index, path in todo
        }
        limit = _cluster_timeout(execution, len(todo))
        for future in distributed.as_completed(futures, timeout=limit, loop=client.loop):
            index, path = futures[future]
            if future.status == "finished":
                yield index, future.result()
            else:
                yield index, _failed(path, "task-failed", _describe(future.exception()))
    except TimeoutError:
        for future, (index, path) in futures.items():
            if not future.done():
                future.cancel()
                yield (
                    index,
                    _failed(
                        path, "timeout", "the cluster did not check this file in time; stopped"
                    ),
                )
    finally:
        client.close()


def _cluster_timeout(execution: Execution, tasks: int) -> float | None:
    # Tasks queue on the cluster, so the limit is on the batch: every file given its limit,
    # one after another, on the slowest case of a single worker thread.
    return None if execution.file_timeout is None else execution.file_timeout * max(1, tasks)


def _failed(path: Path, code: str, message: str) -> FileResult:
    from policyreason.inputs import display_path

    shown = display_path(path)
    span = Span(file=shown, line=1, column=1, end_line=1, end_column=1)
    diagnostic = Diagnostic(code=code, level=Level.ERROR, message=message, span=span)
    return FileResult(
        entry=FileEntry(path=shown, input_type=None, documents=()), errors=(diagnostic,)
    )


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "the task failed"
    if too_deep(exc):
        return "the document nests too deeply to be checked (RecursionError)"
    return f"checking this file failed: {type(exc).__name__}: {exc}"


def _sid(document: Document, finding: Finding) -> str | None:
    """The Sid of the statement the finding sits in, if it has one."""
    policy = document.parsed.checkable
    span = finding.span
    for stmt in policy.statements if policy is not None else ():
        outer = stmt.span
        inside = (outer.line, outer.column) <= (span.line, span.column) and (
            span.end_line,
            span.end_column,
        ) <= (outer.end_line, outer.end_column)
        if inside:
            return stmt.sid
    return None


def _named(source: SourceFile) -> list[Diagnostic]:
    """The file's diagnostics, each with the lint rule (and Access Analyzer code) it is an
    instance of, judged by the kind of policy it was found in."""
    from policyreason.checks import rule_for_diagnostic

    def name(d: Diagnostic, kind: PolicyKind | None) -> Diagnostic:
        rule = rule_for_diagnostic(d.code, kind)
        if rule is None:
            return d
        return d.model_copy(update={"rule_id": rule.id, "aa_code": rule.aa_code})

    out = [name(d, None) for d in source.diagnostics]
    for document in source.documents:
        out += [name(d, document.kind) for d in document.all_diagnostics]
    return sorted(out, key=lambda d: (d.span.line, d.span.column))


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    out: dict[tuple[str, str, str], Diagnostic] = {}
    for d in diags:
        out.setdefault((d.code, str(d.span), d.message), d)
    return list(out.values())
