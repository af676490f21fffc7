"""The live monitor's run and series without Textual: LiveRun's one lifecycle, Series' plans."""

from __future__ import annotations

import time

import pytest

from fetchtui.core.history.records import History
from fetchtui.core.input.config import ConfigError, RunConfig
from fetchtui.core.runs.replay import ReplaySources
from fetchtui.tui import series
from fetchtui.tui.live_run import REPLAYED, LiveRun
from fetchtui.tui.widgets.setup_pane import Setup

from ..recordings import lesson

SETUP = Setup([], RunConfig(workers=10))  # a replay runs its recording, whatever the list


def ended(run: LiveRun, limit: float = 30.0) -> bool:
    """Poll the run (drain and fold, as a frame does) until it has ended, or the deadline."""
    give_up = time.monotonic() + limit
    while run.stats is not None and not run.stats.ended and time.monotonic() < give_up:
        run.poll()
    return run.stats is not None and run.stats.ended


def test_a_run_starts_once_folds_to_its_end_and_is_recorded_once() -> None:
    history = History()
    run = LiveRun(ReplaySources(lesson()), history, ())
    assert run.poll() is None and not run.running  # nothing opened yet
    source = run.open(SETUP)
    assert run.running and run.config is not None and run.config.workers == 10
    assert run.start(source) and not run.start(source)  # a second start starts nothing
    assert ended(run), "the replay's end"
    assert run.end_shown() and not run.end_shown()  # the frame that shows the end: once
    record = run.record()
    assert record is not None and record.summary.ok == 36 and record.summary.failed == 4
    assert run.record() is None
    run.close_out()  # the app quits afterwards: nothing is recorded twice
    assert [r.number for r in history.runs] == [record.number]
    assert not run.running and not run.cancel() and not run.pause() and run.resize(4) is False


def test_a_run_cancelled_before_it_starts_ends_unstarted_and_a_quit_records_it() -> None:
    history = History()
    run = LiveRun(ReplaySources(lesson()), history, ())
    source = run.open(SETUP)
    assert run.cancel()  # its view was still being laid out
    assert run.start(source)  # it ends there, every request cancelled, none sent
    run.close_out()  # the app quits before the frame that shows the end
    assert history.runs and history.runs[-1].summary.cancelled == 40
    assert not run.end_shown() and run.record() is None  # the quit's close-out recorded it


def test_a_replayed_run_says_why_its_pool_is_not_resized() -> None:
    run = LiveRun(ReplaySources(lesson(), hold_at_s=0.05), History(), ())
    run.start(run.open(SETUP))
    assert run.running and run.resize(4) == REPLAYED
    run.shutdown()


def test_the_plans_of_a_series() -> None:
    swept = series.sweep([1, 2, 4])(SETUP)
    assert [s.config.workers for s in swept] == [1, 2, 4]
    assert series.one(SETUP) == [SETUP]
    modelled = series.models([("threads", "requests", None), ("asyncio", "aiohttp", None)], 3)(SETUP)
    assert [(s.config.model, s.config.client) for s in modelled] == [
        ("threads", "requests"), ("asyncio", "aiohttp")]
    assert {s.config.client for s in series.clients(SETUP)} >= {"requests", "httpx"}
    with pytest.raises(ConfigError, match="stages"):
        series.sweep([1, 2])(SETUP.but(stages=((2, 5.0),)))
