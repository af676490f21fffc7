"""A fold that waits for the run's end (headless with nothing to show live, a sweep's runs):
the fetching runs alone, and the stats come out as a live fold's, over loopback against the
demo server."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import Target, parse_targets
from fetchtui.core.runs.events import Event, RequestRows
from fetchtui.core.runs.models import open_source
from fetchtui.core.runs.source import fold_to_end
from fetchtui.core.stats import RunStats
from tests.rows import End, read_rows

MODELS = [{"model": "threads", "client": "requests"}, {"model": "curl-multi", "client": "pycurl"},
          {"model": "processes", "client": "requests", "processes": 2}]


@pytest.mark.parametrize("shape", MODELS, ids=lambda shape: str(shape["model"]))
def test_a_held_fold_reads_nothing_until_the_fetching_ends_then_the_same_as_a_live_one(
        base: str, shape: dict[str, object]) -> None:
    targets = parse_targets(f"{base}/delay/20 x30\n{base}/status/404 x5\n{base}/bytes/100 x5")
    config = RunConfig(4, limits=FetchLimits(timeout=10), **shape)  # type: ignore[arg-type]
    source = open_source(targets, config)
    stats = RunStats(source.targets)
    drained: list[list[Event]] = []
    drain = source.drain
    source.drain = lambda *args, **kwargs: drained.append(drain(*args, **kwargs)) or drained[-1]  # type: ignore[method-assign]
    seen_while_fetching: list[int] = []
    stop = threading.Event()

    def watch() -> None:  # what the stats say while the requests run
        while not stop.is_set() and not source.ended:
            seen_while_fetching.append(stats.done)
            stop.wait(0.005)

    watcher = threading.Thread(target=watch)
    source.start()
    watcher.start()
    try:
        assert fold_to_end(source, stats, within=30, live=False)
    finally:
        stop.set()
        watcher.join(5)
        source.close()
    assert seen_while_fetching and set(seen_while_fetching) == {0}
    assert (stats.ok, stats.failed, stats.cancelled, stats.done) == (35, 5, 0, 40)
    live = RunStats(targets)
    for batch in drained:  # the same events, folded as they came
        live.apply(batch)
    assert live.ended and live.summary().to_json() == stats.summary().to_json()


@pytest.mark.parametrize("shape", [{}, {"client": "pycurl", "model": "curl-multi"}],
                         ids=["threads", "curl-multi"])
def test_a_cancel_ends_a_held_run_with_every_request_accounted(base: str, shape: dict[str, object]) -> None:
    targets = parse_targets(f"{base}/delay/200 x40")
    source = open_source(targets, RunConfig(4, limits=FetchLimits(timeout=10), **shape))  # type: ignore[arg-type]
    stats = RunStats(source.targets)
    asked = threading.Event()
    threading.Timer(0.3, asked.set).start()  # a Ctrl-C, a third of a second in
    source.start()
    try:
        assert fold_to_end(source, stats, within=30, cancel_if=asked.is_set, live=False)
    finally:
        source.close()
    assert stats.interrupted and stats.done == 40
    assert 0 < stats.ok < 40 and stats.ok + stats.cancelled == 40


HERE = [{"model": "threads", "client": "requests"}, {"model": "curl-multi", "client": "pycurl"},
        {"model": "asyncio", "client": "aiohttp"}]


def _folded(targets: Sequence[Target], config: RunConfig) -> tuple[RunStats, list[Event]]:
    source = open_source(targets, config)
    stats = RunStats(source.targets)
    seen: list[Event] = []
    source.start()
    try:
        assert fold_to_end(source, stats, within=30, on_batch=seen.extend)
    finally:
        source.close()
    return stats, seen


@pytest.mark.parametrize("shape", HERE, ids=lambda shape: str(shape["model"]))
def test_a_run_folded_as_rows_accounts_each_request_once(
        base: str, shape: dict[str, object]) -> None:
    targets = parse_targets(f"{base}/delay/5 x30\n{base}/status/404 x5\n{base}/bytes/100 x5")
    config = RunConfig(4, limits=FetchLimits(timeout=10), **shape)  # type: ignore[arg-type]
    as_rows, batches = _folded(targets, config)
    assert any(isinstance(event, RequestRows) for event in batches)  # the rows' path ran
    ends = [e for e in read_rows(batches) if isinstance(e, End)]
    assert sorted(e.req_id for e in ends) == list(range(40))  # a trace line each, once
    assert (as_rows.ok, as_rows.failed, as_rows.cancelled) == (35, 5, 0)
    assert as_rows.status_counts == {200: 35, 404: 5}

    views = [as_rows.view(i) for i in range(40)]
    assert [r.status for r in views] == [200] * 30 + [404] * 5 + [200] * 5
    assert all(r.thread is not None and r.start_ns is not None for r in views)
    assert [r.nbytes for r in views[35:]] == [100] * 5
    assert len(as_rows.threads) == 4
