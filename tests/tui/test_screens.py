"""Every screen of the teacher's path, at a projector's 80x24 and at 200x50, from recorded runs."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.replay import Recording, ReplaySources
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.diff_screen import DiffScreen
from fetchtui.tui.screens.export_screen import ExportScreen
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.screens.models_screen import ModelsScreen
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.sweep_chart import SweepChart
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline

from ..recordings import LESSON, lesson, wave_run, wave_states
from ..waiting import pilot_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
Keys = Callable[[Pilot[int]], Any]


def slowed(run: dict[str, Any], factor: float) -> dict[str, Any]:
    """The same recorded run with every request `factor` times as long (a slower client)."""
    run = copy.deepcopy(run)
    for request in run["requests"]:
        request["start_s"] = round(request["start_s"] * factor, 6)
        request["end_s"] = round(request["end_s"] * factor, 6)
        request["elapsed_ms"] = round(request["elapsed_ms"] * factor, 3)
    run["summary"]["elapsed_s"] = round(run["summary"]["elapsed_s"] * factor, 6)
    return run


def sweep_sources() -> ReplaySources:
    """ctrl+r runs the list at 1, 2, 4, 8, 16 and 32 workers: each replays its own recording."""
    recordings = {w: Recording(wave_run(w, ["http://127.0.0.1:8765/delay/100"] * 40, cpu_s=0.0012))
                  for w in (1, 2, 4, 8, 16, 32)}
    return ReplaySources(lambda config: recordings[config.workers])


def client_sources() -> ReplaySources:
    """ctrl+b runs the list on each client: each replays the lesson, some clients slower."""
    factors = {"requests": 1.0, "requests-get": 1.9, "httpx": 1.3, "pycurl": 0.8}

    def recording(config: RunConfig) -> Recording:
        run = slowed(wave_run(10), factors.get(config.client, 1.5))
        run["config"]["client"] = config.client
        return Recording(run)

    return ReplaySources(recording)


def two_runs() -> ReplaySources:
    """Two runs of the lesson, the second slower: a pair to diff."""
    runs = itertools.cycle([wave_run(10), slowed(wave_run(10), 1.6)])
    return ReplaySources(lambda config: Recording(next(runs)))


async def settled(pilot: Pilot[int]) -> None:
    """No blinking cursor in the picture: the focus on the thread table; where the setup pane
    has the screen to itself (a narrow terminal before a run), no focus at all."""
    await pilot.pause()  # the first layout: which pane is shown
    table = pilot.app.query_one(ThreadTable)
    if not table.region.area:
        # no focus, so no cursor: a TextArea's cursor blinks back on whenever its focus returns
        pilot.app.set_focus(None)
        await pilot_until(pilot, lambda: pilot.app.focused is None, "no focus")
        await pilot.pause()
        return
    table.focus()
    await pilot_until(pilot, lambda: pilot.app.focused is table, "the focus on the table")


async def ran(pilot: Pilot[int], key: str = "ctrl+s", runs: int = 1, settle: bool = True) -> FetchApp:
    """Start the replay (or a series of them) and wait for its runs in the history, then settle
    (a series is not: the focus on the thread table would show its tab, not the series' result)."""
    app = pilot.app
    assert isinstance(app, FetchApp)
    await pilot.press(key)
    await pilot_until(pilot, lambda: len(app.history.runs) == runs and not app.running,
                      f"{runs} replayed run(s) recorded", limit=40)
    if settle:
        await settled(pilot)
    return app


def snap(snap_compare: Any, size: tuple[int, int], sources: ReplaySources, steps: Keys) -> None:
    app = FetchApp(LESSON, RunConfig(workers=10), sources=sources)
    assert snap_compare(app, terminal_size=size, run_before=steps)


@SIZES
def test_setup(snap_compare: Any, size: tuple[int, int]) -> None:
    snap(snap_compare, size, ReplaySources(lesson()), settled)


@SIZES
def test_live_table(snap_compare: Any, size: tuple[int, int]) -> None:
    sources = ReplaySources(lesson(), hold_at_s=0.242)  # two waves done, the third in flight

    async def steps(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, FetchApp)
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.done == 20
                          and app.stats.in_flight == 10, "two waves done, the third in flight")
        await settled(pilot)
        await pilot.pause()

    snap(snap_compare, size, sources, steps)


def after_a_run(*keys: str, action: str | None = None) -> Keys:
    async def steps(pilot: Pilot[int]) -> None:
        await ran(pilot)
        await pilot.press(*keys)
        if action is not None:
            await pilot.app.screen.run_action(action)
        await pilot.pause()

    return steps


@SIZES
def test_timeline(snap_compare: Any, size: tuple[int, int]) -> None:
    snap(snap_compare, size, ReplaySources(lesson()), after_a_run("f9", "down", "right"))


@SIZES
def test_timeline_with_thread_states(snap_compare: Any, size: tuple[int, int]) -> None:
    """The lanes with their states under them: spans fed by hand (wave_states), not sampled."""
    async def steps(pilot: Pilot[int]) -> None:
        await after_a_run("f9")(pilot)
        timeline = pilot.app.query_one(Timeline)
        timeline.show_states(wave_states(10))
        timeline.update_view()
        await pilot.pause()

    snap(snap_compare, size, ReplaySources(lesson()), steps)


@SIZES
def test_charts(snap_compare: Any, size: tuple[int, int]) -> None:
    snap(snap_compare, size, ReplaySources(lesson()), after_a_run("f8"))


@SIZES
def test_urls(snap_compare: Any, size: tuple[int, int]) -> None:
    snap(snap_compare, size, ReplaySources(lesson()),
         after_a_run(action="show_tab('tab-urls', 'url-table')"))


@SIZES
def test_help(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        await after_a_run("f1")(pilot)
        await pilot_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "the help")

    snap(snap_compare, size, ReplaySources(lesson()), steps)


@SIZES
def test_export_dialog(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        await after_a_run("ctrl+o")(pilot)
        await pilot_until(pilot, lambda: isinstance(pilot.app.screen, ExportScreen), "the export dialog")
        # the path's cursor blinks every 0.5 s: held shown, or the picture depends on the instant
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    snap(snap_compare, size, ReplaySources(lesson()), steps)


@SIZES
def test_models_dialog(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        await settled(pilot)
        await pilot.press("f5")
        await pilot_until(pilot, lambda: isinstance(pilot.app.screen, ModelsScreen), "the models dialog")
        await pilot.pause()

    snap(snap_compare, size, ReplaySources(lesson()), steps)


@SIZES
def test_history(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        await ran(pilot, "ctrl+r", runs=6)
        await pilot.press("f3")
        await pilot.pause()

    snap(snap_compare, size, sweep_sources(), steps)


@SIZES
def test_sweep_chart(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        await ran(pilot, "ctrl+r", runs=6, settle=False)  # a series ends on its chart: no key
        await pilot.pause()

    snap(snap_compare, size, sweep_sources(), steps)


@SIZES
def test_compare_result(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        app = await ran(pilot, "ctrl+b", runs=len(client_sources_clients()), settle=False)
        assert app.query_one(SweepChart).compared  # it ended on the comparison, not a run's table
        await pilot.pause()

    snap(snap_compare, size, client_sources(), steps)


def client_sources_clients() -> list[str]:
    from fetchtui.core.registry import THREAD_CLIENTS

    return list(THREAD_CLIENTS)


@SIZES
def test_diff(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        app = await ran(pilot)
        await ran(pilot, runs=2)
        await pilot.press("f3")
        table = app.query_one(HistoryTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("m")
        table.move_cursor(row=1)
        await pilot.press("m")
        await pilot_until(pilot, lambda: isinstance(app.screen, DiffScreen), "the comparison")
        await pilot.pause()

    snap(snap_compare, size, two_runs(), steps)


@pytest.mark.parametrize("size", [(80, 24)], ids=["80x24"])
def test_compare_result_without_colour(snap_compare: Any, size: tuple[int, int], monkeypatch: Any) -> None:
    """NO_COLOR: the bars are glyphs, the ratios numbers: nothing is lost with the colour."""
    monkeypatch.setenv("NO_COLOR", "1")
    test_compare_result(snap_compare, size)


def python_run(run: dict[str, Any], short: str, gil: bool) -> dict[str, Any]:
    """A recorded run as a given interpreter reported itself."""
    run["summary"]["python"] = {"executable": f"/usr/bin/python{short}", "version": short.rstrip("t") + ".0",
                                "implementation": "cpython", "free_threaded": short.endswith("t"),
                                "gil": gil, "cores": 2}
    return run


@SIZES
def test_gil_on_off(snap_compare: Any, size: tuple[int, int]) -> None:
    """The same list on 3.11 (GIL on) and on 3.13t (GIL off), side by side."""
    runs = itertools.cycle([python_run(wave_run(10), "3.11", True),
                            python_run(slowed(wave_run(10), 0.7), "3.13t", False)])

    async def steps(pilot: Pilot[int]) -> None:
        app = await ran(pilot)
        await ran(pilot, runs=2)
        app.query_one(SweepChart).show(app.history, app.history.runs)
        await pilot.press("f4")
        await pilot.pause()

    snap(snap_compare, size, ReplaySources(lambda config: Recording(next(runs))), steps)
