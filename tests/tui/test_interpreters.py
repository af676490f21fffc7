"""The interpreter in the live monitor: the python field, the stats line, F5's cells on each
Python (a free-threaded Python's tests need FETCHTUI_FREE_THREADED_PYTHON)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import OptionList, Select, SelectionList

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.interpreter import current, same
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.models_screen import ModelsScreen
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.sweep_chart import SweepChart

from ..waiting import pilot_until as wait_for

SIZE = (150, 46)


def options(app: FetchApp) -> list[str]:
    """What the python field's drop-down lists, in order."""
    listed = app.query_one("#python", Select).query_one(OptionList)
    return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]


def notified(app: FetchApp, text: str) -> bool:
    return any(text in str(toast.render()) for toast in app.screen.query("Toast"))


@pytest.fixture
def other_python(free_threaded_python: str) -> str:
    """The free-threaded Python, when it is not the one the tests run on."""
    if same(free_threaded_python):
        pytest.skip("the tests run on the free-threaded Python itself")
    return free_threaded_python


async def run_on_both_pythons(pilot: Pilot[int], app: FetchApp, other: str, limit: float) -> None:
    """F5, threads/requests on the setup pane's Python (checked already: `other`) and on this
    one, run until both have ended."""
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen), "the models dialog")
    pairs = app.screen.query_one("#models-list", SelectionList)
    pairs.deselect_all()
    pairs.select("threads/requests")
    pythons = app.screen.query_one("#models-pythons", SelectionList)
    assert pythons.selected == [other]  # the setup pane's own, checked
    pythons.select("")  # and this one
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(app.history.runs) == 2 and not app.running, "a run on each",
                   limit=limit)


async def test_a_run_on_a_free_threaded_python_says_gil_off_and_counts_the_cores(
        base: str, other_python: str) -> None:
    free_threaded_python = other_python
    app = FetchApp(f"{base}/delay/2 x80", RunConfig(workers=4, python=free_threaded_python))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: any(o.endswith(f"t {free_threaded_python}") for o in options(app)),
                       "the python field to name it free-threaded (3.13t)")
        assert options(app)[0] == f"{current().short} (this one)"
        assert app.query_one("#python", Select).value == free_threaded_python
        # the fetch process warmed at mount is the one on that Python: none on this one
        assert app.sources.pid is None  # type: ignore[attr-defined]
        assert app.sources.process(free_threaded_python).pid is not None  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended, "the run to end")
        stats = app.stats
        assert stats is not None and stats.ok == 80
        assert stats.python is not None and stats.python.executable == free_threaded_python
        assert "GIL off" in app.query_one(StatsPanel).figures
        assert stats.parallel() == stats.python.cores  # the ceiling counts every core


async def test_f5_runs_a_pair_on_each_checked_python_side_by_side(base: str, other_python: str) -> None:
    free_threaded_python = other_python
    app = FetchApp(f"{base}/delay/0 x60\n", RunConfig(workers=2, python=free_threaded_python))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_on_both_pythons(pilot, app, free_threaded_python, limit=40)
        ran_on = [r.summary.python for r in app.history.runs]
        assert [p.executable if p else None for p in ran_on] == [sys.executable, free_threaded_python]
        await pilot.press("f4")
        chart = app.query_one(SweepChart)
        assert ran_on[0] is not None and ran_on[1] is not None
        await wait_for(pilot, lambda: chart.compared == [f"requests {ran_on[0].short} (2)",
                                                         f"requests {ran_on[1].short} (2)"],
                       "the two side by side")
        ceilings = [r.summary.gil_ceiling_rps for r in app.history.runs]
        assert all(c is not None for c in ceilings)


async def test_f5_across_pythons_shows_the_gil_share_vanish_on_the_free_threaded_one(
        base: str, other_python: str) -> None:
    """Instant requests on 8 threads, on this Python and on the free-threaded one: the table's
    gil column reads the sampled share, and none without a GIL."""
    app = FetchApp(f"{base}/delay/0 x3000\n", RunConfig(workers=8, python=other_python))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_on_both_pythons(pilot, app, other_python, limit=90)
        states = [r.summary.thread_states for r in app.history.runs]
        assert states[0] is not None and states[1] is not None, [r.summary.thread_states_why
                                                                 for r in app.history.runs]
        assert states[0].gil > 0 and states[1].gil == 0  # GIL on, then off
        await pilot.press("f4")
        chart = app.query_one(SweepChart)
        await wait_for(pilot, lambda: len(chart.compared) == 2, "the two side by side")
        shown = chart.query_one("#sweep-table")
        table = "\n".join(strip.text for strip in shown.render_lines(Region(0, 0, *shown.size)))
        head = next(line for line in table.splitlines() if "req/s" in line and "gil" in line)
        assert head.split()[-2:] == ["gil", "lock"], head
        gil_cells = [line.split()[-2] for line in table.splitlines() if line.lstrip().startswith("requests")]
        assert gil_cells[1] == "0%" and gil_cells[0] == f"{states[0].shares['gil']:.0%}", table


async def test_a_python_that_cannot_run_fetchtui_is_said_and_nothing_runs(
        base: str, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    python = str(bare / "bin" / "python")
    app = FetchApp(f"{base}/delay/0 x3", RunConfig(workers=1, python=python))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: f"{python}: no fetchtui" in options(app), "the field to say why not")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "fetchtui does not import there"), "the reason, said")
        assert app.stats is None and not app.running and not app.history.runs
