"""Scoring many cells in partitions on dask: local threads by default, a `dask.distributed`
scheduler when an address is given, so that a national grid of millions of cells spreads over
the cores or a cluster. LightGBM releases the GIL while it predicts, so threads run in parallel,
and a partition's features may be loaded inside its own task, so that only a few partitions are
in memory at once."""

from __future__ import annotations

from collections.abc import Callable

import dask
import numpy as np
from numpy.typing import NDArray

PARTITION_ROWS = 250_000

Scores = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def _scored(score: Scores, load: Callable[[int], NDArray[np.float64]], part: int
            ) -> NDArray[np.float64]:
    return score(load(part))


def score_loaded(score: Scores, load: Callable[[int], NDArray[np.float64]], parts: int,
                 scheduler: str | None = None) -> NDArray[np.float64]:
    """score(load(k)) for every partition k, computed on dask, concatenated in order."""
    tasks = [dask.delayed(_scored)(score, load, k) for k in range(parts)]
    if scheduler is None:
        done = dask.compute(*tasks, scheduler="threads")
    else:
        from distributed import Client

        with Client(scheduler) as client:
            done = client.gather(client.compute(tasks))
    return np.concatenate(done) if done else np.empty(0)


class _Rows:
    """Partition k of an in-memory matrix (a class, not a closure, so that it pickles)."""

    def __init__(self, x: NDArray[np.float64], rows: int):
        self.x, self.rows = x, rows

    def __call__(self, k: int) -> NDArray[np.float64]:
        return self.x[k * self.rows:(k + 1) * self.rows]


def score_partitions(score: Scores, x: NDArray[np.float64], scheduler: str | None = None,
                     partition_rows: int = PARTITION_ROWS) -> NDArray[np.float64]:
    """score(x) computed partition by partition on dask and put back in row order."""
    if len(x) <= partition_rows and scheduler is None:
        return score(x)
    parts = -(-len(x) // partition_rows)
    return score_loaded(score, _Rows(x, partition_rows), parts, scheduler)
