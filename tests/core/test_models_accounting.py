"""Accounting under a cancel at a random moment, under the processes, asyncio and curl-multi models.

Against the real demo server: a list of short and hanging requests, cancelled once a drawn
number of requests has finished. Every request must end exactly once, whatever the moment.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.models import open_source
from fetchtui.core.stats import RunStats
from tests.rows import End, read_rows

from ..waiting import fold_until


def cancel_after(base: str, config: RunConfig, quick: int, hanging: int, finished: int) -> None:
    text = f"{base}/delay/5 x{quick}"
    if hanging:
        text += f"\n{base}/hang?test=models-accounting x{hanging}"
    targets = parse_targets(text)
    source = open_source(targets, config)
    stats = RunStats(targets)
    seen: list[int] = []
    source.start()
    try:
        give_up = time.monotonic() + 30
        while not stats.ended and stats.ok < finished:
            assert time.monotonic() < give_up, f"waited 30 s for {finished} requests to finish"
            batch = source.drain(0.05)
            seen += [e.req_id for e in read_rows(batch) if isinstance(e, End)]
            stats.apply(batch)
        source.cancel()
        fold_until(source, stats, lambda: stats.ended, "the run to be closed out")
    finally:
        source.close()
    seen += [e.req_id for e in read_rows(source.drain(0.05)) if isinstance(e, End)]
    assert len(seen) == len(set(seen)), "a request ended twice"
    assert stats.ok + stats.failed + stats.cancelled == stats.total == quick + hanging
    assert stats.failed == 0 and stats.ok >= min(finished, quick)


@settings(max_examples=12, deadline=None)
@given(quick=st.integers(1, 40), hanging=st.integers(0, 12), finished=st.integers(0, 40),
       tasks=st.integers(1, 16))
def test_asyncio_accounts_every_request_wherever_the_cancel_comes(
        base: str, quick: int, hanging: int, finished: int, tasks: int) -> None:
    config = RunConfig(tasks, "aiohttp", FetchLimits(timeout=30), model="asyncio")
    cancel_after(base, config, quick, hanging, min(finished, quick))


@settings(max_examples=5, deadline=None)
@given(quick=st.integers(1, 40), hanging=st.integers(0, 8), finished=st.integers(0, 40),
       threads=st.integers(1, 4))
def test_processes_account_every_request_wherever_the_cancel_comes(
        base: str, quick: int, hanging: int, finished: int, threads: int) -> None:
    config = RunConfig(threads, "requests", FetchLimits(timeout=30), model="processes", processes=2)
    cancel_after(base, config, quick, hanging, min(finished, quick))


@settings(max_examples=12, deadline=None)
@given(quick=st.integers(1, 40), hanging=st.integers(0, 12), finished=st.integers(0, 40),
       transfers=st.integers(1, 16), processes=st.sampled_from([1, 2]))
def test_curl_multi_accounts_every_request_wherever_the_cancel_comes(
        base: str, quick: int, hanging: int, finished: int, transfers: int, processes: int) -> None:
    config = RunConfig(transfers, "pycurl", FetchLimits(timeout=30), model="curl-multi", processes=processes)
    cancel_after(base, config, quick, hanging, min(finished, quick))
