"""The app's look: idle, a run in progress and a finished run (replayed, so deterministic)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from fetchtui.core.events import (
    Outcome,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.history import History, RunRecord
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import parse_targets
from fetchtui.tui.app import FetchApp
from fetchtui.tui.history_table import HistoryTable
from fetchtui.tui.stats_panel import StatsPanel
from fetchtui.tui.sweep_chart import SweepChart
from fetchtui.tui.thread_table import ThreadTable
from fetchtui.tui.timeline import Timeline

LIST = "# the seed's lesson\nhttp://127.0.0.1:8765/delay/100 x36\nhttp://127.0.0.1:8765/status/404 x4\n"
MS = 1_000_000
T0 = 5_000 * MS
SIZE = (150, 40)


def replay(finished_waves: int, *, end: bool) -> tuple[RunStats, int]:
    """Ten threads; each wave every thread runs one 100 ms request; the last of each is a 404."""
    targets = parse_targets(LIST)
    stats = RunStats(targets)
    events: list[Any] = [RunStarted(len(targets), 10, T0)]
    threads = [ThreadInfo(140_000_000_000 + i * 8_400_000, f"fetchtui-worker_{i}", 9000 + i, 4242)
               for i in range(10)]
    req = 0
    for wave in range(finished_waves + (0 if end else 1)):
        for i, thread in enumerate(threads):
            if req >= len(targets):
                break
            start = T0 + wave * 101 * MS + i * MS
            events.append(RequestStarted(req, start, thread))
            if wave < finished_waves:
                status = 404 if req >= 36 else 200
                outcome = Outcome.FAILED if status == 404 else Outcome.OK
                events.append(RequestFinished(req, start + (100 + i) * MS, thread, outcome, status, 3,
                                              "http" if status == 404 else None, None, 900_000))
            req += 1
    now = T0 + (finished_waves * 101 + 40) * MS
    if end:
        events.append(RunEnded(T0 + finished_waves * 101 * MS + 12 * MS, False))
    stats.apply(events)
    return stats, now


def show(stats: RunStats, now: int, state: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, FetchApp)
        app.stats = stats
        table = app.query_one(ThreadTable)
        table.show(stats)
        table.update_frame(now)
        app.query_one(StatsPanel).show(stats, state, now)
        app.query_one(ThreadTable).focus()
        await pilot.pause()

    return run_before


async def _settle(pilot: Pilot[int]) -> None:
    pilot.app.query_one(ThreadTable).focus()  # no blinking cursor in the picture
    await pilot.pause()


def test_idle_screen(snap_compare: Any) -> None:
    assert snap_compare(FetchApp(LIST, workers=10), terminal_size=SIZE, run_before=_settle)


def test_run_in_progress(snap_compare: Any) -> None:
    stats, now = replay(2, end=False)
    assert stats.in_flight == 10
    assert snap_compare(FetchApp(LIST, workers=10), terminal_size=SIZE,
                        run_before=show(stats, now, "running"))


def test_finished_run(snap_compare: Any) -> None:
    stats, now = replay(4, end=True)
    assert stats.ended and stats.ok == 36 and stats.failed == 4
    assert snap_compare(FetchApp(LIST, workers=10), terminal_size=SIZE,
                        run_before=show(stats, now, "finished"))


def sweep_history() -> tuple[History, list[RunRecord]]:
    """A replayed sweep of 40 x 100 ms requests: near-linear, bending at 16 workers."""
    history = History()
    runs = []
    for workers, elapsed in [(1, 4.08), (2, 2.05), (4, 1.03), (8, 0.52), (16, 0.31), (32, 0.22)]:
        summary = {"submitted": 40, "ok": 40, "failed": 0, "cancelled": 0, "elapsed_s": elapsed,
                   "rps": round(40 / elapsed, 1), "cpu_share": 0.01, "cpu_ms_per_request": 1.2,
                   "gil_ceiling_rps": 833.3,
                   "latency_ms": {"p50": 101.5, "p90": 103.0, "p99": 108.0, "max": 110.0}}
        runs.append(history.add(workers, "requests", "list", summary))
    return history, runs


def show_tab(tab: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, FetchApp)
        history, runs = sweep_history()
        app.history = history
        app.query_one(HistoryTable).show(history)
        app.query_one(SweepChart).show(history, runs)
        await pilot.press(tab)
        await pilot.pause()

    return run_before


def test_history_after_a_sweep(snap_compare: Any) -> None:
    assert snap_compare(FetchApp(LIST, workers=10), terminal_size=SIZE, run_before=show_tab("f3"))


def test_sweep_chart(snap_compare: Any) -> None:
    assert snap_compare(FetchApp(LIST, workers=10), terminal_size=SIZE, run_before=show_tab("f4"))


def test_timeline_with_a_selected_request(snap_compare: Any) -> None:
    stats, now = replay(4, end=True)

    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, FetchApp)
        app.stats = stats
        app.query_one(StatsPanel).show(stats, "finished", now)
        await pilot.press("f7")
        app.query_one(Timeline).show(stats)
        await pilot.press("down", "right", "right")
        await pilot.pause()

    assert snap_compare(FetchApp(LIST, workers=10), terminal_size=SIZE, run_before=run_before)
