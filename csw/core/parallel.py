"""Independent work over many items (a big organisation's teams) on every core, results in order.

On Linux the items are shared with forked worker processes, which start with everything this
process has loaded and need nothing pickled on the way in; only results come back. Elsewhere
(fork is unsafe on macOS, absent on Windows) and for few items, the work runs in this process.
The results are the same either way: each item's work depends on nothing but the item.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items, starting worker processes costs more than it saves.
PARALLEL_FROM = 24

_work: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # what forked workers inherit


def map_in_order(
    work: Callable[[Item], Result], items: Sequence[Item], workers: int | None = None
) -> list[Result]:
    """[work(item) for item in items], by `workers` processes (None: one per core when worth it).

    An exception in a worker comes back and is raised here, as it would be in one process.
    """
    global _work
    count = worker_count(len(items)) if workers is None else workers
    if count < 2 or len(items) < 2:
        return [work(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _work = (work, items)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(count, mp_context=context) as pool:
            chunk = max(1, len(items) // (count * 8))
            return list(pool.map(_work_at, range(len(items)), chunksize=chunk))
    finally:
        _work = None


def worker_count(items: int) -> int:
    if items < PARALLEL_FROM or sys.platform != "linux":
        return 1
    return len(os.sched_getaffinity(0))


def _work_at(index: int) -> Any:
    assert _work is not None, "a worker forked from map_in_order"
    work, items = _work
    return work(items[index])
