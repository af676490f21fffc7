"""Verdicts in the live monitor, with Pilot: checks live, the per-URL view, two history rows
compared."""

from __future__ import annotations

from fetchtui.core.input.config import RunConfig
from fetchtui.core.report.checks import parse_checks
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.diff_screen import DiffScreen
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.url_table import UrlView

from ..waiting import pilot_until

SIZE = (140, 40)


def figures(app: FetchApp) -> str:
    return app.query_one(StatsPanel).figures


async def test_a_count_check_turns_red_while_the_run_runs_a_percentile_at_the_end(base: str) -> None:
    checks = parse_checks(["failed==0", "p99<50ms", "max<10s"])
    app = FetchApp(f"{base}/status/503\n{base}/delay/100 x40", RunConfig(workers=2), start=True,
                   checks=checks)
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.failed == 1
                          and "✗ failed==0 1" in figures(app), "failed==0 to fail during the run")
        assert app.stats is not None and not app.stats.ended
        assert "· p99<50ms" in figures(app)  # a percentile waits for the end
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the end")
        await pilot_until(pilot, lambda: "✗ p99<50ms" in figures(app) and "✓ max<10s" in figures(app),
                          "the percentile judged at the end")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the run in the history")
        assert [c.passed for c in app.history.runs[-1].summary.checks] == [False, False, True]


async def test_the_urls_tab_has_a_row_per_distinct_url_updated_live(base: str) -> None:
    app = FetchApp(f"{base}/status/404 x4\n{base}/delay/50 x200\n{base}/status/404", RunConfig(workers=2),
                   start=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#tabs Tab#--content-tab-tab-urls")
        view = app.query_one(UrlView)
        await pilot_until(pilot, lambda: len(view.rows) == 2, "two rows: the same URL twice is one")
        await pilot_until(pilot, lambda: int(view.rows[1][2]) >= 4, "the second row's ok count to grow")
        assert app.stats is not None and not app.stats.ended  # live: 200 x 50 ms on 2 workers
        first_ok = int(view.rows[1][2])
        await pilot_until(pilot, lambda: int(view.rows[1][2]) > first_ok, "it to grow again")
        await pilot.press("ctrl+c")
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the cancel")
        await pilot_until(pilot, lambda: int(view.rows[1][4]) > 0, "the final rows, with the cancelled")
        # the last line's 404 came after the cancel: it is the row's, cancelled
        assert view.rows[0][1:5] == ["5", "0", "4", "1"] and view.rows[0][9] == "http:4"
        requests, ok, failed, cancelled = map(int, view.rows[1][1:5])
        assert requests == 200 and ok + failed + cancelled == 200 and failed == 0


async def test_marking_two_history_rows_compares_them(base: str) -> None:
    app = FetchApp(f"{base}/delay/30 x60", RunConfig(workers=6))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the first run")
        # four times as slow: a first run is cold (its fetch process new), and half as slow was
        # within its noise on a loaded machine
        app.query_one("#urls").text = f"{base}/delay/120 x60"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 2, "the second run")
        await pilot.press("f3")
        table = app.query_one(HistoryTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("m")
        table.move_cursor(row=1)
        await pilot.press("m")
        await pilot_until(pilot, lambda: isinstance(app.screen, DiffScreen), "the comparison")
        assert isinstance(app.screen, DiffScreen)
        verdicts = {f.figure: f.verdict for f in app.screen.figures}
        assert verdicts["p50"] == "slower" and verdicts["rps"] == "slower"
        await pilot.press("escape")
