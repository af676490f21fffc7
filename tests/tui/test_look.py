"""Outcomes told apart by glyph as well as colour, colours from the theme, and the mouse."""

from __future__ import annotations

from rich.color import Color as RichColor
from textual.color import Color
from textual.widgets import TabbedContent

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.replay import Recording, ReplaySources
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.outcomes import BAR
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import LABEL, Timeline

from ..recordings import LESSON, lesson, wave_run
from ..waiting import pilot_until

SIZE = (150, 40)


def colour(widget: ThreadTable | Timeline, part: str) -> RichColor | None:
    return widget.get_component_rich_style(part, partial=True).color


def near(color: RichColor | None, theme_color: str | None) -> bool:
    """The same colour, give or take Textual's rounding of one step per channel."""
    if color is None or color.triplet is None or theme_color is None:
        return False
    want = Color.parse(theme_color)
    return all(abs(a - b) <= 1 for a, b in zip(color.triplet, (want.r, want.g, want.b), strict=True))


def replay_app(recording: Recording | None = None) -> FetchApp:
    return FetchApp(LESSON, RunConfig(workers=10), sources=ReplaySources(recording or lesson()))


async def test_ok_and_failed_requests_differ_by_glyph_in_table_and_timeline() -> None:
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the replay")
        table = app.query_one(ThreadTable)
        lines = [line for i in range(table.group_count) for line in table.group_text(i)]
        assert any("✓ 200" in line for line in lines)
        assert any("✗ 404" in line for line in lines)
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        await pilot_until(pilot, lambda: timeline.lane_count == 10, "the timeline")
        last_lane = timeline._line(10, 100).plain  # worker_9: its last request was a 404
        assert BAR["failed"][0] in last_lane and BAR["ok"][0] in last_lane


async def test_switching_theme_restyles_the_table_and_the_timeline() -> None:
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the replay")
        table, timeline = app.query_one(ThreadTable), app.query_one(Timeline)

        def matches_the_theme() -> bool:
            variables = app.theme_variables
            return near(colour(table, "thread-table--ok"), variables["text-success"]) and near(
                colour(timeline, "timeline--failed"), variables["error"])

        assert app.theme == "textual-dark" and matches_the_theme()
        dark = (colour(table, "thread-table--ok"), colour(timeline, "timeline--failed"))
        app.theme = "nord"
        await pilot_until(pilot, lambda: (colour(table, "thread-table--ok"),
                                          colour(timeline, "timeline--failed")) != dark, "a restyle")
        await pilot_until(pilot, matches_the_theme, "nord's colours")


async def test_clicking_a_thread_group_selects_it_and_its_timeline_lane() -> None:
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the replay")
        table = app.query_one(ThreadTable)
        await pilot.click(ThreadTable, offset=(5, 3 * 3))  # the fourth group's first line
        fourth = list(app.stats.threads)[3]  # type: ignore[union-attr]
        assert table.selected == fourth
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        await pilot_until(pilot, lambda: timeline.lane_count == 10, "the timeline")
        assert timeline.lane_index == 3 and timeline.selected() is not None


async def test_clicking_a_timeline_bar_selects_that_request() -> None:
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the replay")
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        await pilot_until(pilot, lambda: timeline.lane_count == 10, "the timeline")
        await pilot.click(Timeline, offset=(LABEL + 2, 1 + 2))  # lane 2, the run's first moments
        assert timeline.lane_index == 2
        assert timeline.selected() == timeline.lane_bars(2)[0][0]


async def test_a_history_row_runs_again_on_enter_or_double_click_not_on_one_click() -> None:
    recordings = {w: Recording(wave_run(w)) for w in (10, 4)}
    app = FetchApp(LESSON, RunConfig(workers=10), sources=ReplaySources(lambda c: recordings[c.workers]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the first run")
        await pilot.press("f3")
        assert app.query_one(TabbedContent).active == "tab-history"
        history = app.query_one(HistoryTable)
        await pilot.click(HistoryTable, offset=(2, 1))  # the highlighted row, once
        await pilot.click(HistoryTable, offset=(2, 1))  # and once more, later: not a double click
        await pilot.pause()  # no delay: until the clicks' messages are handled, then nothing has started
        assert len(app.history.runs) == 1 and not app.running
        await pilot.click(HistoryTable, offset=(2, 1), times=2)  # a double click
        await pilot_until(pilot, lambda: len(app.history.runs) == 2, "the re-run from a double click")
        history.focus()
        await pilot.press("enter")
        await pilot_until(pilot, lambda: len(app.history.runs) == 3, "the re-run from enter")
