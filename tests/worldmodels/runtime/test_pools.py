"""Where work runs: worker counts, chunking, and Beam returning results in item order."""
from __future__ import annotations

import os
import socket

from worldmodels.runtime import pools


def square(x: int) -> int:
    return x * x


def test_resolve_workers_keeps_explicit_counts_and_stays_local_for_small_jobs():
    assert pools.resolve_workers(3) == 3
    assert pools.resolve_workers(0, env_steps=100) == 1
    assert pools.resolve_workers(0, env_steps=10**6) == (os.cpu_count() or 1)


def test_chunks_cover_every_index_once_in_order():
    parts = pools.chunks(10, 3)
    assert [list(p) for p in parts] == [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9]]
    assert pools.chunks(2, 4) == [range(0, 1), range(1, 2)]


def test_beam_pool_returns_results_in_item_order_and_cleans_up():
    pool = pools.BeamPool(["--direct_num_workers=1"])
    seen = []
    assert pool.map(square, range(7), on_result=seen.append) == [0, 1, 4, 9, 16, 25, 36]
    assert seen == [0, 1, 4, 9, 16, 25, 36]
    pool.close()
    assert not os.path.exists(pool.tmp_dir)
    assert pools.InProcess().map(square, [3]) == [9]


def test_every_pool_names_the_worker_of_each_item():
    pool = pools.InProcess()
    pool.map(square, [1, 2])
    assert pool.last_workers == [f"{socket.gethostname()}:{os.getpid()}"] * 2
    beam = pools.BeamPool(["--direct_num_workers=1"])
    beam.map(square, [1, 2])
    beam.close()
    assert len(beam.last_workers) == 2 and all(":" in w for w in beam.last_workers)
