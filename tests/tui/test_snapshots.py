"""The app's look: each picture is a replayed run, played through the app's own drain timer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.replay import Recording, ReplaySources
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.thread_table import ThreadTable

from ..recordings import LESSON, lesson, wave_run
from ..waiting import pilot_until

SIZE = (150, 40)
RunBefore = Callable[[Pilot[int]], Awaitable[None]]


def replaying(sources: ReplaySources, *keys: str, until: Callable[[FetchApp], bool],
              start: str = "ctrl+s") -> RunBefore:
    """Start the replay (ctrl+s, or ctrl+r for a sweep), wait until the app shows what `until`
    asks, then press `keys`."""
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, FetchApp) and app.sources is sources
        await pilot.press(start)
        await pilot_until(pilot, lambda: until(app), "the replay to reach the picture")
        table = app.query_one(ThreadTable)
        table.focus()  # no blinking cursor in the picture
        await pilot_until(pilot, lambda: app.focused is table, "the focus on the table (before the keys)")
        await pilot.press(*keys)
        await pilot.pause()  # no delay: until the keys' messages are handled (Textual's wait, not a timer)

    return run_before


def app(sources: ReplaySources | None = None) -> FetchApp:
    return FetchApp(LESSON, RunConfig(workers=10), sources=sources or ReplaySources(lesson()))


def test_idle_screen(snap_compare: Any) -> None:
    async def settle(pilot: Pilot[int]) -> None:
        table = pilot.app.query_one(ThreadTable)
        table.focus()
        await pilot_until(pilot, lambda: pilot.app.focused is table, "the focus on the table")

    assert snap_compare(app(), terminal_size=SIZE, run_before=settle)


def test_run_in_progress(snap_compare: Any) -> None:
    sources = ReplaySources(lesson(), hold_at_s=0.242)  # two waves done, the third in flight
    shown = replaying(sources, until=lambda a: a.stats is not None and a.stats.in_flight == 10
                      and a.stats.done == 20 and "running" in a.query_one("#stats").figures)  # type: ignore[attr-defined]
    assert snap_compare(app(sources), terminal_size=SIZE, run_before=shown)


def test_run_in_progress_at_80_by_24(snap_compare: Any) -> None:
    """A laptop or projector terminal: the setup pane gives way, whole idents and ms show."""
    sources = ReplaySources(lesson(), hold_at_s=0.242)
    shown = replaying(sources, until=lambda a: a.stats is not None and a.stats.in_flight == 10
                      and a.stats.done == 20 and "running" in a.query_one("#stats").figures)  # type: ignore[attr-defined]
    assert snap_compare(app(sources), terminal_size=(80, 24), run_before=shown)


def test_finished_run(snap_compare: Any) -> None:
    sources = ReplaySources(lesson())
    shown = replaying(sources, until=lambda a: len(a.history.runs) == 1)
    assert snap_compare(app(sources), terminal_size=SIZE, run_before=shown)


def test_timeline_with_a_selected_request(snap_compare: Any) -> None:
    sources = ReplaySources(lesson())
    shown = replaying(sources, "f9", "down", "right", "right", until=lambda a: len(a.history.runs) == 1)
    assert snap_compare(app(sources), terminal_size=SIZE, run_before=shown)


def sweep_sources() -> ReplaySources:
    """F5 runs the list at 1, 2, 4, 8, 16 and 32 workers: each run replays its own recording."""
    recordings = {w: Recording(wave_run(w, ["http://127.0.0.1:8765/delay/100"] * 40, cpu_s=0.0012))
                  for w in (1, 2, 4, 8, 16, 32)}
    return ReplaySources(lambda config: recordings[config.workers])


def test_history_after_a_sweep(snap_compare: Any) -> None:
    sources = sweep_sources()
    shown = replaying(sources, "f3", start="ctrl+r", until=lambda a: len(a.history.runs) == 6)
    assert snap_compare(app(sources), terminal_size=SIZE, run_before=shown)


def test_sweep_chart(snap_compare: Any) -> None:
    sources = sweep_sources()
    shown = replaying(sources, "f4", start="ctrl+r", until=lambda a: len(a.history.runs) == 6)
    assert snap_compare(app(sources), terminal_size=SIZE, run_before=shown)


def test_finished_run_without_colour(snap_compare: Any, monkeypatch: Any) -> None:
    """NO_COLOR: ok, failed and the timeline's bars still differ, by glyph."""
    monkeypatch.setenv("NO_COLOR", "1")
    sources = ReplaySources(lesson())
    shown = replaying(sources, "f9", "down", until=lambda a: len(a.history.runs) == 1)
    assert snap_compare(app(sources), terminal_size=SIZE, run_before=shown)
