"""At 80x24, a projector's terminal, every screen fits: nothing runs off its right edge."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from textual.command import CommandList
from textual.widgets import DataTable, Label, Markdown, TabbedContent, TextArea
from textual.widgets._footer import FooterKey
from textual_plotext import PlotextPlot

from fetchtui.core.history.records import History
from fetchtui.core.history.store import HistoryStore
from fetchtui.core.input.config import RunConfig
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.diff_screen import DiffScreen
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.thread_table import ThreadTable

from ..recordings import lesson
from .test_app import history_cell, wait_for


async def test_the_help_fits_an_80_column_screen_and_wraps_its_text() -> None:
    app = FetchApp("http://127.0.0.1:1/ x2\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()  # Textual's wait for the screen's first layout
        dialog = app.screen.query_one("#help-dialog")
        text = app.screen.query_one(Markdown)
        assert dialog.region.right <= 80 and text.region.right <= 80, (dialog.region, text.region)


async def test_at_80_by_24_the_charts_sit_side_by_side_with_room_to_draw(base: str) -> None:
    app = FetchApp(f"{base}/delay/5 x40", RunConfig(workers=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        await pilot.press("f8")
        charts = app.query_one(Charts)
        await wait_for(pilot, lambda: charts.series, "the charts drawn")
        plots = [app.query_one(f"#{name}", PlotextPlot) for name in ("throughput", "latency")]
        # stacked, each had 4 rows and the histogram drew no bar; side by side, 10 or more
        assert all(plot.region.height >= 10 and plot.region.right <= 80 for plot in plots), \
            [plot.region for plot in plots]


async def test_at_80_by_24_ten_threads_each_show_ident_what_runs_its_count_and_path(base: str) -> None:
    app = FetchApp(f"{base}/delay/3000?q=a-query-long-enough-to-be-cut-at-eighty-columns x10",
                   RunConfig(workers=10))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        table = app.query_one(ThreadTable)
        await wait_for(pilot, lambda: table.group_count == 10 and app.stats is not None
                       and app.stats.in_flight == 10, "ten requests in flight")
        await pilot.pause()  # Textual's wait for the frame's layout
        assert table.virtual_size.height == 10 <= table.size.height  # every thread on screen
        for index in range(10):
            (line,) = table.group_text(index)
            ident, name, running, took, ms, done, count, path = line.split()
            assert int(ident) > 0 and name.startswith("worker_") and running == "▶" and ms == "ms"
            assert int(took) >= 0 and done == "done" and int(count) == 0
            assert path.startswith("…") and path.endswith("eighty-columns") and len(line) <= 78
        app.main.action_cancel()


def footer_keys(app: FetchApp) -> list[str]:
    """The keys the footer shows whole on screen, in its order."""
    width = app.size.width - len(" ^p palette") - 1
    return [key.key for key in app.query(FooterKey) if key.region.width and key.region.right <= width]


async def test_at_80_columns_the_footer_shows_help_and_the_keys_of_the_moment(base: str) -> None:
    app = FetchApp(f"{base}/delay/300 x12", RunConfig(workers=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "ctrl+s" in footer_keys(app), "the footer")
        idle = footer_keys(app)
        assert "f1" in idle and "ctrl+r" in idle and "ctrl+c" not in idle and "ctrl+o" not in idle
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "p" in footer_keys(app), "the run's keys")
        running = footer_keys(app)
        assert {"f1", "ctrl+c", "plus", "minus", "p"} <= set(running), running
        assert not {"ctrl+s", "ctrl+r", "ctrl+b", "f5"} & set(running)  # one run at a time
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        await wait_for(pilot, lambda: "ctrl+o" in footer_keys(app), "export offered")
        assert "p" not in footer_keys(app) and "f1" in footer_keys(app)


async def test_at_80_by_24_every_figure_line_fits_and_the_limit_leads_with_its_conclusion(base: str) -> None:
    from fetchtui.tui.widgets.stats_panel import StatsPanel

    app = FetchApp(f"{base}/delay/200?q=narrow-panel x400", RunConfig(workers=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        panel = app.query_one(StatsPanel)
        await wait_for(pilot, lambda: "\nlimit   -" not in panel.figures and "limit" in panel.figures,
                       "a verdict")
        app.main.action_pause()
        await wait_for(pilot, lambda: "(paused " in panel.figures, "the pause on the clock")
        width = panel.size.width
        lines = panel.figures.splitlines()
        # each line fits the panel whole: no figure lost to a "…" at the edge
        assert [line for line in lines[:-1] if len(line) > width] == [], width
        (limit,) = [line for line in lines if line.startswith("limit")]
        import re

        # the verdict's conclusion (after its evidence's last colon) comes first, so a cut keeps it
        assert re.match(r"limit   \w+: [^·:]+ · ", limit), limit
        assert "req/s" in lines[1] and "elapsed" in lines[1] and "threads 4/4" in lines[1], lines[1]
        app.main.action_cancel()


def shown_whole(app: FetchApp, widget_id: str) -> bool:
    """Whether the widget is on screen and fits its width (nothing of it cut at the right)."""
    widget = app.query_one(f"#{widget_id}")
    return widget.display and widget.region.width > 0 and widget.region.right <= app.size.width


async def test_at_80_columns_the_setup_pane_and_the_live_view_take_the_screen_in_turn() -> None:
    app = FetchApp("http://127.0.0.1:1/ x2\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        setup, live = app.query_one("#setup"), app.query_one("#live")
        # launched with no run: the list to type, on the whole screen, the live view out of its way
        assert setup.display and not live.display and setup.outer_size.width == 80
        assert app.focused is app.query_one("#urls")  # typing goes into the list
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: live.outer_size.width == 80, "the live view on the whole screen")
        assert not setup.display
        # the tab bar whole: every tab's label, not "Threads  Timeline  Charts  UR"
        tabs = [str(tab.label) for tab in app.query("Tab") if tab.region.right <= 80 and tab.region.width]
        assert tabs == ["Threads", "Timeline", "Charts", "URLs", "History", "Sweep"], tabs
        hint = app.query_one(ThreadTable).group_text(0)[0]
        assert hint.endswith("ctrl+s starts.") and len(hint) <= 76, hint  # the idle hint whole
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: setup.outer_size.width == 80, "the setup pane back on the whole screen")
        assert not live.display


async def test_at_200_columns_the_setup_pane_sits_beside_the_live_view() -> None:
    app = FetchApp("http://127.0.0.1:1/ x2\n")
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        setup, live = app.query_one("#setup"), app.query_one("#live")
        assert setup.display and live.display and setup.region.right <= live.region.x
        assert live.region.width >= 140
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: live.outer_size.width == 200, "the live view on the whole screen")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: setup.display and live.outer_size.width < 160, "both again")


async def test_an_export_opened_at_80_by_24_shows_its_run_on_the_whole_screen() -> None:
    app = FetchApp.replaying(lesson(), "run.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        assert not app.query_one("#setup").display
        assert app.query_one("#live").outer_size.width == 80
        lines = [app.query_one(ThreadTable).group_text(i)[0] for i in range(10)]
        assert all(line.split()[-2:] == ["done", "4"] for line in lines), lines


def palette_titles(app: FetchApp) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


def palette_found(app: FetchApp, title: str) -> bool:
    """The open palette's search (it runs in a worker) has put `title` first."""
    found = app.screen.query(CommandList)
    return bool(found) and found.first().option_count > 0 and \
        title in str(found.first().get_option_at_index(0).prompt)


async def test_the_palette_offers_every_key_while_it_can_act_and_runs_it(base: str) -> None:
    app = FetchApp(f"{base}/delay/1000 x60", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        idle = palette_titles(app)
        views = {"Live table", "Timeline", "Charts", "URLs tab", "History", "Sweep chart"}
        assert views | {"Start run", "Sweep workers", "Help", "More workers"} <= idle, idle
        assert not {"Cancel run", "Pause or resume", "Export run"} & idle
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 2, "2 in flight")
        running = palette_titles(app)
        assert {"Cancel run", "Pause or resume"} <= running and not {"Start run", "Sweep workers"} & running
        # a command found by name in the palette does what its key does
        await pilot.press("ctrl+p")
        await pilot.press(*"pause")
        await wait_for(pilot, lambda: palette_found(app, "Pause or resume"), "the palette to find it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "paused" in str(app.query_one("#stats").figures), "paused")  # type: ignore[attr-defined]
        await pilot.press("ctrl+g")  # the setup pane on the screen: the tab takes it back
        await wait_for(pilot, lambda: not app.query_one("#live").display, "the setup pane alone")
        await pilot.press("ctrl+p")
        await pilot.press(*"urls tab")
        await wait_for(pilot, lambda: palette_found(app, "URLs tab"), "the palette to find it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: str(app.query_one("#tabs", TabbedContent).active) == "tab-urls",
                       "the URLs tab")
        assert app.query_one("#live").display and not app.query_one("#setup").display
        app.main.action_cancel()
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        assert "Export run" in palette_titles(app) and "Cancel run" not in palette_titles(app)


async def test_at_80_columns_f12_shows_the_urls_tab_with_each_url_whole_or_cut_from_the_left(
        base: str) -> None:
    long_path = "/delay/5?q=" + "a-query-long-enough-to-be-cut-at-eighty-columns-" * 2 + "end"
    app = FetchApp(f"{base}{long_path} x4\n{base}/status/404 x2", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        await pilot.press("f12")
        table = app.query_one("#url-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2, "the URLs' rows")

        def shown() -> list[str]:
            return [table.render_line(y).text for y in range(1, 3)]  # under the header

        # the table measures its new rows' cells when idle: until then a column is its label's width
        await wait_for(pilot, lambda: shown()[1].rstrip().endswith("/404"), "the url column's width")
        assert app.focused is table
        width = table.region.width
        lines = shown()
        assert all(len(line.rstrip()) <= width for line in lines)
        assert lines[0].rstrip().endswith("-end") and "…" in lines[0], lines  # cut from the left
        assert lines[1].rstrip().endswith("/status/404"), lines
        assert table.virtual_size.width <= width  # nothing off to the right to scroll to


async def test_the_history_tab_shows_a_run_another_terminal_records_while_it_is_open(
        base: str, tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    app = FetchApp(f"{base}/delay/0 x2", RunConfig(workers=1), history=History(HistoryStore(path)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        table = app.query_one(HistoryTable)
        await wait_for(pilot, lambda: app.focused is table, "the History tab")
        assert table.row_count == 0
        # `fetchtui run` in another terminal, on the same history file
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "fetchtui", "run", f"{base}/delay/0 x3", "-w", "1",
                             "--history", str(path)], capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        await wait_for(pilot, lambda: table.row_count == 1, "the other terminal's run in the tab")
        assert history_cell(table, 0, "requests") == "3"


async def test_the_history_compare_names_a_as_the_run_marked_first_and_says_when_lists_differ(
        base: str) -> None:
    app = FetchApp(f"{base}/delay/10 x24", RunConfig(workers=8))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the first run")
        app.query_one("#urls", TextArea).text = f"{base}/delay/150 x24"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 2 and not app.running, "the second run")
        first, second = (r.number for r in app.history.runs)
        await pilot.press("f3")
        table = app.query_one(HistoryTable)
        await wait_for(pilot, lambda: app.focused is table, "the History tab")
        table.move_cursor(row=1)  # the newer run marked first: it is A
        await pilot.press("m")
        table.move_cursor(row=0)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, DiffScreen), "the comparison")
        await pilot.pause()
        screen = app.screen
        title = str(screen.query_one("#diff-title", Label).render())
        assert f"A = run #{second}" in title and f"B = run #{first}" in title, title
        headers = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
        assert headers[1:3] == [f"A run #{second}", f"B run #{first}"], headers
        note = str(screen.query_one("#diff-note", Label).render())
        assert "different lists" in note and "/delay/150 x24" in note and "/delay/10 x24" in note, note
        verdicts = {f.figure: f.verdict for f in screen.figures}  # type: ignore[attr-defined]
        assert verdicts["p50"] == "faster", verdicts  # B, the 10 ms list, against A's 150 ms
        for label in screen.query(Label):
            assert label.region.right <= 80, label  # wrapped to the screen, not cut
