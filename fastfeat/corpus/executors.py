"""Executors: run the tasks of a job on local threads or on dask.distributed."""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Iterator

from .progress import Progress
from .tasks import Result, Task, one_line, run_task


def local(tasks: Iterable[Task], jobs: int, progress: Progress) -> Iterator[Result]:
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="fastfeat")
    try:
        # plan one task per worker before any starts, so that all start together
        # (a worker started alone slows the planning of the next task)
        first = list(itertools.islice(tasks, jobs))
        futures = [pool.submit(run_task, t, progress.update, stop) for t in itertools.chain(first, tasks)]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        stop.set()  # on an interrupt: running tasks drop their part, queued ones do not start
        pool.shutdown(wait=True, cancel_futures=True)


def dask_client(dask: Any) -> tuple[Any, Callable[[], None]]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("dask needs dask.distributed: pip install 'fastfeat[dask]'") from None
    if isinstance(dask, Client):
        return dask, lambda: None
    if not isinstance(dask, str):
        raise TypeError(f"dask must be 'local', 'local:N', a scheduler address or a distributed.Client, got {type(dask).__name__}")
    if dask == "local" or dask.startswith("local:"):
        n = dask.partition(":")[2]
        if n and (not n.isdigit() or int(n) < 1):
            raise ValueError(f"dask={dask!r}: N in 'local:N' must be an integer >= 1")
        cluster = LocalCluster(n_workers=int(n) if n else os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()
        return client, close
    try:
        client = Client(dask, timeout="20s")
    except OSError as exc:
        raise ValueError(f"dask={dask!r}: cannot connect to the scheduler ({exc})") from None
    return client, client.close


def distributed(tasks: Iterable[Task], client: Any, progress: Progress) -> Iterator[Result]:
    from dask.distributed import as_completed as dask_completed

    futures = {client.submit(run_task, t, pure=False): t for t in tasks}
    try:
        for fut in dask_completed(list(futures)):
            try:
                res = fut.result()
            except Exception as exc:  # the worker died or the task could not run: its files failed
                res = Result(errors=[(u.path, f"worker error: {one_line(exc)}") for u in futures[fut].items],
                              files=len(futures[fut].items))
            progress.update(res.files, res.seconds)
            yield res
    finally:
        client.cancel(list(futures))
