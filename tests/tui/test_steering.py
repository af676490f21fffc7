"""Experiments inside a run, as a user does them with Pilot: + and - resize the running pool,
p pauses, the duration field takes stages; the table, the charts and the history follow."""

from __future__ import annotations

from fetchtui.core.input.config import RunConfig
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.thread_table import ThreadTable

from ..waiting import pilot_until

SIZE = (120, 40)


def busy(app: FetchApp) -> int:
    assert app.stats is not None
    return sum(1 for w in app.stats.threads.values() if w.current is not None)


def figures(app: FetchApp) -> str:
    return app.query_one(StatsPanel).figures


async def test_plus_in_the_live_pane_grows_the_running_pool(base: str) -> None:
    app = FetchApp(f"{base}/delay/150 x400", RunConfig(workers=2), start=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and busy(app) == 2, "two busy workers")
        app.query_one(ThreadTable).focus()
        await pilot.press("plus", "plus")
        await pilot_until(pilot, lambda: busy(app) == 4, "four workers busy after + +")
        await pilot_until(pilot, lambda: "threads 4/4" in figures(app), "the stats line to say 4/4")
        assert app.query_one(ThreadTable).group_count == 4
        await pilot.press("f8")
        charts = app.query_one(Charts)
        await pilot_until(pilot, lambda: [w for _, w in charts.marks] == [3, 4], "the chart's marks")
        await pilot.press("ctrl+c")
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the cancel")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the run in the history")
        assert app.history.runs[-1].summary.resizes[-1][1] == 4  # the history keeps the change
        stats = app.stats
        assert stats.ok + stats.failed + stats.cancelled == stats.total == 400


async def test_minus_retires_workers_and_their_groups_leave_the_table(base: str) -> None:
    app = FetchApp(f"{base}/delay/100 x60", RunConfig(workers=4), start=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and busy(app) == 4, "four busy workers")
        app.query_one(ThreadTable).focus()
        await pilot.press("minus", "minus")
        table = app.query_one(ThreadTable)
        await pilot_until(pilot, lambda: table.group_count == 2, "two groups left in the table")
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the list to end")
        assert app.stats.ok == 60 and "threads 2/2" in figures(app)


async def test_p_pauses_the_run_and_p_again_lets_it_go_on(base: str) -> None:
    app = FetchApp(f"{base}/delay/50 x300", RunConfig(workers=3), start=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ok >= 3, "a few requests")
        app.query_one(ThreadTable).focus()
        await pilot.press("p")
        assert app.stats is not None
        await pilot_until(pilot, lambda: figures(app).startswith("paused") and app.stats.in_flight == 0,
                          "the screen to say paused, nothing in flight")
        done = app.stats.done
        await pilot_until(pilot, lambda: app.stats.paused_s() > 0.3, "a third of a second paused")
        assert app.stats.done == done, "a request ran while paused"
        await pilot.press("p")
        await pilot_until(pilot, lambda: app.stats.done > done + 3, "the run to go on")
        assert figures(app).startswith("running")
        await pilot.press("ctrl+c")
        await pilot_until(pilot, lambda: app.stats.ended, "the cancel")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the run in the history")
        assert app.history.runs[-1].summary.paused_s >= 0.3


async def test_p_in_the_url_editor_types_a_p(base: str) -> None:
    app = FetchApp(f"{base}/delay/50 x300", RunConfig(workers=3), start=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ok >= 1, "a request")
        await pilot.press("ctrl+l", "end", "p")
        assert app.query_one("#urls").text.endswith("p")  # type: ignore[attr-defined]
        assert app.stats is not None and not app.stats.paused
        await pilot.press("ctrl+c")


async def test_stages_typed_in_the_duration_field_run_as_stages(base: str) -> None:
    app = FetchApp(f"{base}/delay/100", RunConfig(workers=1))
    async with app.run_test(size=SIZE) as pilot:
        duration = app.query_one("#duration")
        duration.value = "1:0.6s,3:0.6s"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the staged run to end", limit=20)
        stages = app.history.runs[0].summary.stages
        assert [s.workers for s in stages] == [1, 3]
        assert stages[1].rps > 2 * stages[0].rps
        assert app.history.runs[0].summary.limit is not None


async def test_a_pool_taller_than_the_view_scrolls_to_its_newest_worker_and_back(base: str) -> None:
    app = FetchApp(f"{base}/delay/150 x2000", RunConfig(workers=9), start=True)
    async with app.run_test(size=(160, 40)) as pilot:  # wide enough for three lines a group
        await pilot_until(pilot, lambda: app.stats is not None and busy(app) == 9, "nine busy workers")
        table = app.query_one(ThreadTable)
        table.focus()
        await pilot.press("plus")
        await pilot_until(pilot, lambda: table.group_count == 10, "the new worker's group")
        height = table.scrollable_content_region.height
        assert 10 * 3 > height  # the pool is taller than the view
        await pilot_until(pilot, lambda: table.max_scroll_y == 10 * 3 - height,
                          "room to scroll to the new group")
        assert table.show_vertical_scrollbar and table.vertical_scrollbar.window_virtual_size == 10 * 3
        table.scroll_end(animate=False)
        await pilot_until(pilot, lambda: table.scroll_offset.y == 10 * 3 - height,
                          "the view at the last group")
        newest = table.group_text(table.group_count - 1)[0].split()[0]  # the last group's ident
        last_lines = "".join(seg.text for y in range(height - 3, height) for seg in table.render_line(y))
        assert newest.isdigit() and newest in last_lines
        await pilot.press("minus", "minus", "minus")
        await pilot_until(pilot, lambda: table.group_count == 7, "seven groups after three -")
        # the view ends at the last group: no scrolled-off blank screen
        await pilot_until(pilot, lambda: table.max_scroll_y == max(0, 7 * 3 - height), "the shorter table")
        assert table.scroll_offset.y == table.max_scroll_y
        await pilot.press("ctrl+c")
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the cancel")
