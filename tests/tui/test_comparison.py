"""A comparison and a sweep end on a result a class can read: numbers, ratios, bars told apart
by glyph, axes with units, and the point said in words (recorded runs, replayed)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static, TabbedContent
from textual_plotext import PlotextPlot

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.child import FetchProcesses
from fetchtui.core.runs.replay import Recording, ReplaySources
from fetchtui.core.runs.source import RunSource
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.sweep_chart import CEILING, IDEAL, MEASURED, SweepChart

from ..recordings import LESSON, lesson, wave_run
from ..waiting import pilot_until
from .test_screens import client_sources, python_run, slowed


def plain(widget: Label | PlotextPlot) -> str:
    return widget.render().plain  # type: ignore[union-attr]


def table_shown(app: FetchApp) -> str:
    """The comparison's table as the screen shows it, at its width."""
    shown = app.query_one("#sweep-table", Static)
    console = Console(width=shown.content_region.width, no_color=True, record=True, file=io.StringIO())
    console.print(shown.content)
    return console.export_text()


async def series(pilot: Pilot[int], key: str, runs: int) -> FetchApp:
    app = pilot.app
    assert isinstance(app, FetchApp)
    await pilot.press(key)
    await pilot_until(pilot, lambda: len(app.history.runs) == runs and not app.running,
                      f"{runs} replayed runs", limit=40)
    await pilot.pause()
    return app


async def test_ctrl_b_ends_on_a_table_of_figures_with_bars_and_ratios_at_80_by_24() -> None:
    app = FetchApp(LESSON, RunConfig(workers=10), sources=client_sources())
    async with app.run_test(size=(80, 24)) as pilot:
        await series(pilot, "ctrl+b", len(THREAD_CLIENTS))
        assert app.query_one(TabbedContent).active == "tab-sweep"  # the result, not the last run
        chart = app.query_one(SweepChart)
        table = table_shown(app)
        rates = [r.summary.rps for r in app.history.runs]
        rows = table.splitlines()[1:]  # under the head, a row a run in the order they ran
        for client, rps, row in zip(THREAD_CLIENTS, rates, rows, strict=False):
            assert row.lstrip().startswith(client[:18])
            assert f"{rps:,.0f}" in row and f"{rps / rates[0]:.2f}x" in row
            assert "█" in row  # a bar in a glyph, not a colour: NO_COLOR loses nothing
        assert "p50 ms" in table and "p99 ms" in table
        fastest = max(range(len(rates)), key=rates.__getitem__)
        assert chart.said.startswith(f"fastest: {THREAD_CLIENTS[fastest]} (10)")
        assert f"{rates[fastest] / rates[0]:.2f}x the first" in chart.said


async def test_the_comparison_chart_s_axis_is_the_runs_own_not_the_gil_ceiling() -> None:
    app = FetchApp(LESSON, RunConfig(workers=10), sources=client_sources())
    async with app.run_test(size=(120, 40)) as pilot:
        await series(pilot, "ctrl+b", len(THREAD_CLIENTS))
        chart = app.query_one(SweepChart)
        plot = app.query_one("#sweep-rps", PlotextPlot)
        assert plot.display and chart.query_one("#sweep-plots").display
        rates = [r.summary.rps for r in app.history.runs]
        ceilings = [r.summary.gil_ceiling_rps or 0.0 for r in app.history.runs]
        assert max(rates) < chart.axis_right < min(ceilings)  # ~100 req/s against ~1,100
        drawn = plain(plot)
        assert drawn.lstrip().startswith("req/s by client, 10 workers")  # with the setup pane shown
        assert "req/s   █ measured  ┃ GIL ceiling" in drawn
        assert "»" in drawn  # each ceiling past the axis, said at its edge


async def test_the_gil_on_off_chart_says_which_interpreter_is_faster() -> None:
    runs = itertools.cycle([python_run(wave_run(10), "3.11", True),
                            python_run(slowed(wave_run(10), 0.7), "3.13t", False)])
    app = FetchApp(LESSON, RunConfig(workers=10), sources=ReplaySources(lambda c: Recording(next(runs))))
    async with app.run_test(size=(80, 24)) as pilot:
        for n in (1, 2):
            await series(pilot, "ctrl+s", n)
        chart = app.query_one(SweepChart)
        chart.show(app.history, app.history.runs)
        await pilot.press("f4")
        await pilot.pause()
        slow, fast = (r.summary.rps for r in app.history.runs)
        assert chart.said == (f"at 10 workers 3.13t GIL off is {fast / slow:.2f}x as fast as 3.11 GIL on "
                              f"({fast:,.0f} against {slow:,.0f} req/s)")
        table = table_shown(app)
        assert "CPU/req ms" in table and "CPU/req: the client's CPU time a request" in table


def sweep_short_of_ideal() -> ReplaySources:
    """A sweep whose wider runs fall short of the ideal (each request slower with more workers)."""
    urls = ["http://127.0.0.1:8765/delay/100"] * 40
    recordings = {w: Recording(slowed(wave_run(w, urls, cpu_s=0.0012), 1 + w / 8))
                  for w in (1, 2, 4, 8, 16, 32)}
    return ReplaySources(lambda config: recordings[config.workers])


async def test_the_sweep_chart_s_lines_differ_by_glyph_with_a_legend_off_the_data() -> None:
    app = FetchApp(LESSON, RunConfig(workers=10), sources=sweep_short_of_ideal())
    async with app.run_test(size=(80, 24)) as pilot:
        await series(pilot, "ctrl+r", 6)
        chart = app.query_one(SweepChart)
        assert app.query_one(TabbedContent).active == "tab-sweep"
        legend = f"{MEASURED} measured  {IDEAL} ideal (from 1 worker)  {CEILING} GIL ceiling"
        assert chart.said.startswith(legend)
        best = max(app.history.runs, key=lambda r: app.history.speedup(r) or 0.0)
        speedup = app.history.speedup(best)
        assert f"best: {best.workers} workers, {speedup:.1f}x the 1-worker run" in chart.said
        rps = plain(app.query_one("#sweep-rps", PlotextPlot))
        elapsed = plain(app.query_one("#sweep-elapsed", PlotextPlot))
        assert MEASURED in rps and IDEAL in rps and CEILING * 10 in rps
        assert "measured" not in rps + elapsed  # no legend box on the lines
        assert "workers (log scale)" in rps and "req/s" in rps and "elapsed (s)" in elapsed


async def test_f8_s_caption_fits_80_columns_and_its_axes_say_their_units() -> None:
    app = FetchApp(LESSON, RunConfig(workers=10), sources=ReplaySources(lesson()))
    async with app.run_test(size=(80, 24)) as pilot:
        await series(pilot, "ctrl+s", 1)
        await pilot.press("f8")
        await pilot.pause()
        charts = app.query_one(Charts)
        caption = charts.query_one(Label)
        said = plain(caption)
        assert said.startswith("throughput over the run: up to ") and said.endswith(" req/s")
        assert len(said) <= caption.region.width
        throughput = plain(app.query_one("#throughput", PlotextPlot))
        latency = plain(app.query_one("#latency", PlotextPlot))
        assert "time into the run (s)" in throughput and "req/s" in throughput
        assert "latency (ms)" in latency and "requests" in latency


class Opened:
    """The app's own fetch processes, noting the config of each run they open, in order."""

    def __init__(self) -> None:
        self.inner = FetchProcesses()
        self.configs: list[RunConfig] = []

    def open(self, targets: Sequence[Target], config: RunConfig) -> RunSource:
        self.configs.append(config)
        return self.inner.open(targets, config)

    def warm(self, python: str | None = None) -> None:
        self.inner.warm(python)

    def close(self) -> None:
        self.inner.close()


async def test_a_sweep_warms_up_unrecorded_before_its_first_measured_run(base: str) -> None:
    sources = Opened()
    app = FetchApp(f"{base}/delay/0 x30", RunConfig(workers=1), sources=sources)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.query_one("#series", Input).value = "1,1,4"
        await pilot.press("ctrl+r")
        await pilot_until(pilot, lambda: len(app.history.runs) == 3 and not app.running, "the sweep",
                          limit=60)
        # first a run at the widest count (4), not recorded; then the three measured points
        assert [c.workers for c in sources.configs] == [4, 1, 1, 4]
        assert [r.workers for r in app.history.runs] == [1, 1, 4]
        assert all(r.summary.ok == 30 for r in app.history.runs)
        assert app.screen.series.warm_ups == 1  # type: ignore[attr-defined]
