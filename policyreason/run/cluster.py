"""Per-file work on a Dask cluster (`check --scheduler ADDRESS`, the optional `dask` extra)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyreason.errors import SchedulerError
from policyreason.run.tasks import FileResult, Work, describe_failure, failed

if TYPE_CHECKING:
    from policyreason.run.options import RunOptions
    from policyreason.run.schedule import Execution


def on_cluster(
    todo: list[tuple[int, Path]], options: RunOptions, execution: Execution, work: Work
) -> Iterator[tuple[int, FileResult]]:
    """Run `work` on each file as a task of the Dask scheduler at `execution.scheduler`, as
    each finishes; raises SchedulerError when the extra is missing or the scheduler is down."""
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
                yield index, failed(path, "task-failed", describe_failure(future.exception()))
    except TimeoutError:
        for future, (index, path) in futures.items():
            if not future.done():
                future.cancel()
                yield (
                    index,
                    failed(path, "timeout", "the cluster did not check this file in time; stopped"),
                )
    finally:
        client.close()


def _cluster_timeout(execution: Execution, tasks: int) -> float | None:
    # Tasks queue on the cluster, so the limit is on the batch: every file given its limit,
    # one after another, on the slowest case of a single worker thread.
    return None if execution.file_timeout is None else execution.file_timeout * max(1, tasks)
