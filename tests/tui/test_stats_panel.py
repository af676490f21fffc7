"""The stats panel draws a line again only when what it says changed, and says what the stats say."""

from __future__ import annotations

import time
from collections import Counter

from textual.app import App, ComposeResult
from textual.geometry import Region

from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import (
    Outcome,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.stats import RunStats
from fetchtui.tui.widgets.stats_panel import StatsPanel, run_state
from tests.rows import as_rows

THREAD = ThreadInfo(ident=7, name="worker-0", native_id=70, pid=1)


class CountingPanel(StatsPanel):
    """A stats panel that counts the lines it was asked to draw again."""

    def __init__(self) -> None:
        super().__init__(id="stats")
        self.asked: Counter[int] = Counter()

    def refresh(self, *regions: Region, **kwargs: bool) -> CountingPanel:  # type: ignore[override]
        for region in regions:
            for y in range(region.y, region.bottom):
                self.asked[y] += 1
        super().refresh(*regions, **kwargs)
        return self


class PanelApp(App[None]):
    """A counting panel over a one-worker run of `requests`."""

    CSS = "CountingPanel { height: 7; }"

    def __init__(self, requests: int) -> None:
        super().__init__()
        self.t0 = time.perf_counter_ns()
        self.stats = RunStats(parse_targets(f"http://127.0.0.1:9/ x{requests}"))
        self.stats.apply([RunStarted(total=requests, workers=1, t_ns=self.t0)])

    def compose(self) -> ComposeResult:
        yield CountingPanel()

    def show(self, now_ns: int) -> CountingPanel:
        panel = self.query_one(CountingPanel)
        panel.show(self.stats, run_state(self.stats), now_ns)
        return panel


async def test_an_unchanged_frame_draws_no_line_and_a_request_draws_only_what_it_changed() -> None:
    app = PanelApp(10)
    async with app.run_test(size=(150, 10)):
        t = app.t0 + 1_000_000_000
        app.stats.apply(as_rows([RequestStarted(0, app.t0 + 1, THREAD),
                                 RequestFinished(0, app.t0 + 2_000_000, THREAD, Outcome.OK, status=200)]))
        panel = app.show(t)
        panel.asked.clear()

        app.show(t)  # the same instant, nothing new: every line says what it said
        assert not panel.asked

        app.stats.apply(as_rows([RequestStarted(1, t, THREAD),
                                 RequestFinished(1, t + 1_000_000, THREAD, Outcome.OK, status=200)]))
        app.show(t + 2_000_000)
        assert panel.asked[0] == 1  # the bar: 2 of 10 done now
        assert panel.asked[1] == 1  # "done 2/10"
        assert panel.asked[5] == 1  # "status  200:2"
        assert panel.asked[4] == 0  # "connections opened 0": none reported, unchanged
        assert "done 2/10 (20%)  ok 2" in panel.figures
        assert "status  200:2" in panel.figures


async def test_the_panel_draws_what_its_figures_say_with_a_long_line_cut_at_the_edge() -> None:
    app = PanelApp(3)
    async with app.run_test(size=(50, 10)):
        for req in range(3):
            ended = app.t0 + (req + 1) * 1_000_000
            app.stats.apply(as_rows([RequestStarted(req, app.t0 + req * 1_000_000, THREAD),
                                     RequestFinished(req, ended, THREAD, Outcome.OK, status=200)]))
        app.stats.apply([RunEnded(t_ns=app.t0 + 4_000_000, cancelled=False)])
        panel = app.show(app.t0 + 5_000_000)
        drawn = ["".join(segment.text for segment in panel.render_line(y)) for y in range(7)]
        figures = panel.figures.splitlines()
        width = panel.size.width
        assert drawn[0].count("━") == width  # a finished run's bar is whole
        for line, said in zip(drawn[1:], figures, strict=False):
            assert len(line) == width
            if len(said) <= width:
                assert line.rstrip() == said
            else:  # cut where the panel ends, and says so
                assert line.endswith("…") and said.startswith(line[:-1])
        assert drawn[1].startswith("finished  done 3/3  ok 3")  # no room for the share: the bar shows it
        assert any(len(said) > width for said in figures)  # the 50-column case this checks


async def test_at_80_columns_a_long_runs_first_line_gives_up_its_share_before_its_in_flight() -> None:
    app = PanelApp(100_000)
    async with app.run_test(size=(78, 10)):  # the live pane's panel on an 80-column terminal
        for req in range(14_836):
            app.stats.apply(as_rows([RequestStarted(req, app.t0 + req * 1_000, THREAD),
                                     RequestFinished(req, app.t0 + req * 1_000 + 500, THREAD, Outcome.OK,
                                                     status=200)]))
        app.stats.apply(as_rows([RequestStarted(14_836, app.t0 + 20_000_000, THREAD)]))
        panel = app.show(app.t0 + 30_000_000)
        first = "".join(segment.text for segment in panel.render_line(1)).rstrip()
        assert first.endswith("in flight 1"), first
        assert "done 14836/100000  ok 14836" in first  # the bar above still shows the share
    app = PanelApp(100_000)
    async with app.run_test(size=(150, 10)):  # where it fits, the share is said
        app.stats.apply(as_rows([RequestStarted(0, app.t0 + 1, THREAD)]))
        panel = app.show(app.t0 + 30_000_000)
        assert "done 0/100000 (0%)  ok 0" in panel.figures
