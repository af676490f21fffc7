"""A run made in the live monitor carries its threads' states as a headless run's does (one
lifecycle, RunSession, samples both): in its summary, its export's threads, its history row and
the Trace Event Format file --trace-events or the export dialog writes; on every model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fetchtui.core import registry
from fetchtui.core.history.records import History
from fetchtui.core.history.store import HistoryStore
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.stats_panel import StatsPanel

from ..core.test_thread_states import well_formed_trace
from .test_app import fetch_process, wait_for
from .test_thread_states_line import shares, states_line

pytestmark = pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX)


def loaded(path: Path) -> dict[str, Any] | None:
    """The JSON document at `path` once it is whole (a thread writes it), else None."""
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return doc


async def export(pilot: Pilot[int], app: FetchApp, path: Path) -> dict[str, Any]:
    """The ended run exported through the dialog (ctrl+o) to `path`, read back."""
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: bool(app.screen.query("#export-path")), "the export dialog")
    app.screen.query_one("#export-path", Input).value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: loaded(path) is not None, f"the export {path.name}")
    doc = loaded(path)
    assert doc is not None
    return doc


def states_of(doc: dict[str, Any]) -> tuple[dict[str, float], dict[tuple[int, int], dict[str, float]]]:
    """An export's summed states and its fetching threads' own, checked to add up."""
    summary = doc["summary"]
    seconds = summary["thread_states"]
    assert seconds is not None, summary["thread_states_why"]
    assert list(seconds) == list(STATES) and summary["thread_states_why"] is None
    rows = [t for t in doc["threads"] if t["requests"]]
    assert rows and all(t["states"] is not None for t in rows), rows
    by_thread = {(t["pid"], t["native_id"]): t["states"] for t in rows}
    for state in STATES:  # the summary is its threads' own, summed
        assert sum(s[state] for s in by_thread.values()) == pytest.approx(seconds[state], abs=1e-4)
    return seconds, by_thread


def waits_on_the_server(seconds: dict[str, float]) -> bool:
    """Most of the threads' time waiting on a slow server (runnable aside: how long a woken
    thread waits for a core is the shared machine's load)."""
    return seconds["net"] > (sum(seconds.values()) - seconds["runnable"]) / 2


async def test_a_monitor_run_keeps_its_threads_states_in_its_summary_export_history_and_trace(
        base: str, tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite3"
    app = FetchApp(f"{base}/delay/100 x40", RunConfig(workers=4), history=History(HistoryStore(store)),
                   trace_events=str(tmp_path / "t.json"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the run in the history", limit=60)
        (record,) = app.history.runs
        fetcher = fetch_process(app).pid
        trace_path = tmp_path / f"t-{record.number}.json"  # --trace-events: run N's own file
        await wait_for(pilot, lambda: loaded(trace_path) is not None, "the run's trace", limit=30)
        doc = await export(pilot, app, tmp_path / "run.json")
        dialog_trace = await export(pilot, app, tmp_path / "run.trace.json")  # the dialog's trace
        line = states_line(app.query_one(StatsPanel))  # the run's own states, once ended
    seconds, by_thread = states_of(doc)
    assert len(by_thread) == 4 and {pid for pid, _ in by_thread} == {fetcher} != {os.getpid()}
    assert 2.0 < sum(seconds.values()) < 10, seconds  # 4 threads for about a second, sampled from its start
    assert waits_on_the_server(seconds), seconds
    total = sum(seconds.values())
    assert shares(line).get("net", 0) == round(100 * seconds["net"] / total), (line, seconds)
    kept = HistoryStore(store, writing=False)
    summary = kept.runs()[-1].record.summary
    kept.close()
    assert summary.thread_states is not None and summary.thread_states.net == seconds["net"]
    assert summary == record.summary  # the history row keeps what the monitor recorded
    for trace in (loaded(trace_path), dialog_trace):
        assert trace is not None
        requests, slices, _ = well_formed_trace(trace["traceEvents"])
        assert len(requests) == 40 and {(e["pid"], e["tid"]) for e in requests} == set(by_thread)
        assert slices and {e["pid"] for e in slices} == {fetcher}, "no state slice: the sampler saw none"
        assert sum(e["dur"] for e in slices if e["name"] == "net") > sum(e["dur"] for e in slices) / 2


def _one_client_each() -> list[tuple[str, str]]:
    """Each model of the registry once, with the first client the registry pairs it with (the
    headless tests run every model; a client's part in the states is the same thread's)."""
    first: dict[str, str] = {}
    for model, client in registry.pairs():
        first.setdefault(model, client)
    return list(first.items())


@pytest.mark.parametrize(("model", "client"), _one_client_each())
async def test_a_monitor_run_on_every_model_has_the_states_of_each_fetching_thread(
        base: str, tmp_path: Path, model: str, client: str) -> None:
    # (workers a process, processes): a model that spreads over processes is sampled in each
    workers, processes = {"threads": (4, 1), "processes": (2, 2), "asyncio": (8, 1),
                          "curl-multi": (4, 2)}[model]
    config = RunConfig(workers, client, FetchLimits(timeout=30), model=model, processes=processes)
    # 2 s of 200 ms requests: long enough for a sampler that starts as the run opens
    requests = config.concurrency * 10
    app = FetchApp(f"{base}/delay/200 x{requests}", config,
                   history=History(HistoryStore(tmp_path / "h.sqlite3")))
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the run in the history", limit=90)
        doc = await export(pilot, app, tmp_path / "run.json")
        fetcher = fetch_process(app).pid
    assert doc["summary"]["ok"] == requests
    seconds, by_thread = states_of(doc)
    assert waits_on_the_server(seconds), seconds
    pids = {pid for pid, _ in by_thread}
    assert len(pids) == processes and os.getpid() not in pids
    if processes == 1:
        assert pids == {fetcher}  # the monitor's fetch process runs its threads itself
    if model in ("asyncio", "curl-multi"):  # an event loop: one thread a process, its tasks' rows its states
        assert len(by_thread) == processes
