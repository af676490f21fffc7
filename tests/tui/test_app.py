"""The live monitor driven by Pilot against the real demo server."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import (
    DataTable,
    Input,
    Markdown,
    Select,
    SelectionList,
    Static,
    TabbedContent,
    TextArea,
)

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.child import FetchProcesses
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.screens.models_screen import ModelsScreen
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.setup_pane import SetupPane
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.sweep_chart import SweepChart
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline, columns

from ..waiting import pilot_until

SIZE = (160, 48)


async def wait_for(pilot: Pilot[int], condition: object, what: str = "the run to end",
                   limit: float = 20.0) -> None:
    await pilot_until(pilot, condition, what, limit)  # type: ignore[arg-type]


def ended(app: FetchApp) -> bool:
    return app.stats is not None and app.stats.ended


def errors_shown(app: FetchApp) -> str:
    return str(app.query_one("#url-errors", Static).render())


def fetch_process(app: FetchApp) -> FetchProcesses:
    assert isinstance(app.sources, FetchProcesses)
    return app.sources


def history_cell(table: DataTable[Any], row: int, column: str) -> str:
    """A history cell as shown, found by its column's heading."""
    return str(table.get_cell_at(Coordinate(row, table.get_column_index(column))))


def figures(app: FetchApp) -> str:
    return app.query_one(StatsPanel).figures


def notified(app: FetchApp, text: str) -> bool:
    """Whether a toast on screen says `text` (as a user reads it)."""
    return any(text in str(toast.render()) for toast in app.screen.query("Toast"))


async def test_typed_list_with_four_workers_shows_four_thread_groups(base: str) -> None:
    app = FetchApp("")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.click("#urls")
        await pilot.press(*f"{base}/delay/30 x20", "enter", *f"{base}/status/404 x4")
        await pilot.press("f2", "backspace", "backspace", "4")
        assert app.query_one(SetupPane).worker_count == 4
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        table = app.query_one(ThreadTable)
        assert table.group_count == 4
        assert all("fetchtui-worker_" in table.group_text(i)[0] for i in range(4))
        shown = figures(app)
        assert "finished" in shown and "done 24/24" in shown
        assert re.search(r"\bok 20\b", shown) and re.search(r"\bfailed 4\b", shown)
        assert re.search(r"\b404:4\b", shown)


async def test_cancel_mid_run_accounts_every_request(base: str) -> None:
    app = FetchApp(f"{base}/hang x30", RunConfig(workers=5, limits=FetchLimits(timeout=30)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 5,
                       "5 requests in flight")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: ended(app))
        assert app.stats is not None
        assert (app.stats.ok, app.stats.failed, app.stats.cancelled) == (0, 0, 30)
        assert "cancelled" in figures(app) and "cancelled 30" in figures(app)


async def test_a_run_cancelled_before_its_view_is_laid_out_ends_with_every_request_cancelled(
        base: str) -> None:
    # the run starts once the screen has been laid out for it: a cancel in between sends nothing
    app = FetchApp(f"{base}/delay/0 x40", RunConfig(workers=4))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.main.action_start()
        assert app.running
        app.main.action_cancel()
        await wait_for(pilot, lambda: ended(app) and len(app.history.runs) == 1, "the run recorded")
        assert app.stats is not None
        assert (app.stats.ok, app.stats.failed, app.stats.cancelled) == (0, 0, 40)
        assert app.history.runs[0].summary.cancelled == 40


async def test_quitting_before_a_run_has_started_records_it_cancelled(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x12", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True):
        app.main.action_start()
        app.close_out()  # what ctrl+q, SIGTERM and SIGHUP do first
        assert app.stats is not None and app.stats.ended and app.stats.cancelled == 12
        assert [run.summary.cancelled for run in app.history.runs] == [12]


async def test_export_writes_the_summary_that_is_on_screen(base: str, tmp_path: Path) -> None:
    app = FetchApp(f"{base}/delay/5 x12\n{base}/status/503", RunConfig(workers=3))
    out = tmp_path / "run.json"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        await pilot.press("ctrl+o")
        field = app.screen.query_one("#export-path", Input)
        field.value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, out.exists, "the export file")
        summary = json.loads(out.read_text())["summary"]
        shown = figures(app)
        assert f"done {summary['submitted']}/{summary['submitted']}" in shown
        assert f"ok {summary['ok']}" in shown and f"failed {summary['failed']}" in shown
        lat = summary["latency_ms"]
        assert f"p50 {lat['p50']:.1f}" in shown and f"p99 {lat['p99']:.1f}" in shown
        assert app.stats is not None and summary == app.stats.summary().to_json()


async def test_failed_export_says_why_and_keeps_the_run(base: str, tmp_path: Path) -> None:
    app = FetchApp(f"{base}/delay/0 x3", RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        await pilot.press("ctrl+o")
        app.screen.query_one("#export-path", Input).value = str(tmp_path / "no" / "dir.json")
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "cannot write"), "the export error")
        assert "done 3/3" in figures(app)


async def test_quit_while_requests_hang_exits_promptly(base: str) -> None:
    app = FetchApp(f"{base}/hang x20", RunConfig(workers=4, limits=FetchLimits(timeout=60)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 4,
                       "4 requests in flight")
        await pilot.press("ctrl+q")
    # the server holds /hang for two minutes and the timeout is 60 s: a quit that waited would
    # see the requests end as timeouts. Cut, they end cancelled, every one, and nothing waits.
    stats = app.final_stats()
    assert stats is not None and stats.ended
    assert (stats.cancelled, stats.failed, stats.ok) == (20, 0, 0)
    assert app.source is not None and app.source.ended
    assert fetch_process(app).pid is None  # the fetch process is gone with the app


async def test_a_dead_fetch_process_ends_the_run_with_a_message_and_the_next_run_works(base: str) -> None:
    app = FetchApp(f"{base}/hang x12", RunConfig(workers=3, limits=FetchLimits(timeout=60)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 3,
                       "3 requests in flight")
        pid = fetch_process(app).pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await wait_for(pilot, lambda: ended(app))
        assert "cancelled 12" in figures(app)
        await wait_for(pilot, lambda: notified(app, "fetch process exited"), "why the run was cut")
        app.query_one("#urls", TextArea).text = f"{base}/delay/0 x5"
        await wait_for(pilot, lambda: "5 requests" in errors_shown(app), "the edited list to be checked")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        assert "ok 5" in figures(app)


async def test_bad_lines_are_shown_inline_and_nothing_starts() -> None:
    app = FetchApp("http://127.0.0.1:9/ok\nexample.com\nftp://x.example/\n")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: "line 2: missing scheme" in errors_shown(app), "the bad lines")
        assert "line 3: unsupported scheme 'ftp'" in errors_shown(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "fix the bad lines"), "the refusal")
        assert app.stats is None


async def test_plus_minus_change_workers_and_the_same_list_runs_again(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x6", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        await pilot.press("ctrl+t", "plus", "plus", "minus", "plus")
        assert app.query_one(SetupPane).worker_count == 4
        assert app.query_one("#workers", Input).value == "4"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        assert app.stats is not None and app.stats.workers == 4 and app.stats.ok == 6


async def test_markup_in_urls_is_shown_literally(base: str) -> None:
    app = FetchApp(f"{base}/status/404?x=[bold_red]boom[/] x2", RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        lines = app.query_one(ThreadTable).group_text(0)
        assert any("?x=[bold_red]boom[/]" in line for line in lines), lines


async def test_palette_lists_the_run_commands() -> None:
    app = FetchApp("")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Start run", "More workers", "Edit URL list"):
            assert title in titles
        # nothing runs and nothing has run: nothing to cancel, pause or export
        assert not {"Cancel run", "Pause or resume", "Export run"} & set(titles), titles
        await pilot.press("ctrl+l")
        assert isinstance(app.focused, TextArea)


async def test_password_never_reaches_the_screen_or_the_export(base: str, tmp_path: Path) -> None:
    url = base.replace("http://", "http://alice:s3cret@") + "/status/404"
    app = FetchApp(f"{url} x2", RunConfig(workers=1))
    out = tmp_path / "run.csv"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        await pilot.press("ctrl+t")
        table = app.query_one(ThreadTable)
        shown = [line for i in range(table.group_count) for line in table.group_text(i)]
        shown.append(figures(app))
        assert any("alice:***@" in line for line in shown)
        # everything fetchtui shows is masked, the URL editor included
        assert not [line for line in shown if "s3cret" in line]
        assert "s3cret" not in app.query_one("#urls", TextArea).text
        await pilot.press("ctrl+o")
        app.screen.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, out.exists, "the export file")
    assert "s3cret" not in out.read_text()


async def test_hostile_settings_are_refused_with_a_message() -> None:
    app = FetchApp("http://127.0.0.1:9/ x2", RunConfig(workers=3))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for field, value, message in [
            ("#workers", "0", "workers must be from 1 to 1024, got 0"),
            ("#workers", "5000", "workers must be from 1 to 1024, got 5000"),
            ("#workers", "", "workers must be a whole number, got ''"),
            ("#timeout", "0", "timeout must be more than 0 seconds, got 0"),
            ("#timeout", "1.2.3", "timeout must be a number of seconds or like 500ms, 10s, 2m, got '1.2.3'"),
        ]:
            app.query_one("#workers", Input).value = "3"
            app.query_one("#timeout", Input).value = "10"
            app.query_one(field, Input).value = value
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: notified(app, message), message)  # noqa: B023
            assert app.stats is None
            app.clear_notifications()


async def test_control_and_bidi_characters_in_urls_are_shown_escaped(base: str) -> None:
    app = FetchApp(f"{base}/status/404/\u202eevil\x9b2J", RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        line = app.query_one(ThreadTable).group_text(0)[1]
        assert "\\u202eevil\\x9b2J" in line and "\u202e" not in line and "\x9b" not in line


async def test_empty_or_comment_only_list_does_not_start() -> None:
    for text in ("", "# only a comment\n\n"):
        app = FetchApp(text)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: notified(app, "the URL list is empty"), "the refusal")  # noqa: B023
            assert app.stats is None


async def test_sweep_key_runs_each_worker_count_into_the_history(base: str) -> None:
    app = FetchApp(f"{base}/delay/50 x8", RunConfig(workers=3))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#series", Input).value = "1,4"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.history.runs) == 2, "two runs in the history")
        one, four = app.history.runs
        assert (one.workers, four.workers) == (1, 4)
        speedup = app.history.speedup(four)
        assert speedup is not None and speedup > 2  # ~0.4 s against ~0.1 s
        await pilot.press("f3")
        table = app.query_one(HistoryTable)
        assert table.row_count == 2
        assert history_cell(table, 1, "speedup") == f"{speedup:.2f}x"
        await pilot.press("f4")
        assert app.query_one(TabbedContent).active == "tab-sweep"


async def test_compare_runs_the_list_on_every_client(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x6", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: len(app.history.runs) == len(THREAD_CLIENTS), "a run per client")
        assert [r.client for r in app.history.runs] == list(THREAD_CLIENTS)
        assert all(r.summary.ok == 6 for r in app.history.runs)
        # a bare requests.get opens a connection per request; a shared pool, one per worker
        opened = {r.client: r.summary.connections.opened for r in app.history.runs}
        assert opened["requests-get"] == 6 and opened["requests"] <= 2


async def test_cancel_stops_the_rest_of_a_sweep(base: str) -> None:
    app = FetchApp(f"{base}/hang x4", RunConfig(workers=1, limits=FetchLimits(timeout=30)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#series", Input).value = "1,2,4"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 1,
                       "1 requests in flight")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the cancelled run in the history")
        # a sweep starts its next run as the last one is recorded: none did
        assert not app.running and app.history.runs[0].summary.cancelled == 4


async def test_help_explains_the_views_and_closes() -> None:
    app = FetchApp("")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert "GIL ceiling" in text and "Speedup" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_timeline_lanes_and_bars_match_the_exported_timeline(base: str, tmp_path: Path) -> None:
    app = FetchApp(f"{base}/delay/20 x24\n{base}/status/500 x3", RunConfig(workers=3))
    out = tmp_path / "run.json"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        await wait_for(pilot, lambda: app.focused is timeline, "the timeline to take focus")
        await pilot.press("ctrl+o")
        app.screen.query_one("#export-path", Input).value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, out.exists, "the export file")
        doc = json.loads(out.read_text())
        assert timeline.lane_count == len(doc["threads"]) == 3
        for lane, thread in enumerate(doc["threads"]):
            exported = sorted((r["start_s"], r["id"], r["outcome"]) for r in doc["requests"]
                              if r["thread_ident"] == thread["ident"])
            drawn = sorted((round(start, 9), req_id, outcome)
                           for req_id, start, _end, outcome in timeline.lane_bars(lane))
            assert drawn == exported
            placed = columns(timeline.lane_bars(lane), 0.01, 200)
            assert all(first < last for first, last, _ in placed)
        # no empty detail box takes the lanes' rows until a bar is selected
        assert not app.query_one("#timeline-detail", Static).display
        # the keyboard selects a bar and the detail line names that request
        await pilot.press("right", "right")
        assert app.query_one("#timeline-detail", Static).display
        selected = timeline.selected()
        assert selected is not None
        detail = str(app.query_one("#timeline-detail", Static).render())
        assert detail.startswith(f"#{selected} {base}/")


async def test_charts_show_throughput_and_latency_of_the_run(base: str) -> None:
    app = FetchApp(f"{base}/delay/10 x30", RunConfig(workers=5))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        await pilot.press("f8")
        charts = app.query_one(Charts)
        await wait_for(pilot, lambda: len(charts.series) == 60, "the throughput chart")
        data = charts.series
        assert app.stats is not None
        assert sum(data) * app.stats.elapsed_s() / 60 == pytest.approx(30)


async def test_enter_on_a_history_row_runs_it_again(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x5", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the run in the history")
        await pilot.press("f2", "backspace", "5")  # change workers: the re-run keeps the old 2
        await pilot.press("f3")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.history.runs) == 2, "two runs in the history")
        first, again = app.history.runs
        assert (again.workers, again.client, again.list_key) == (2, "requests", first.list_key)


async def test_start_parses_an_edit_made_just_before_it_and_reuses_a_checked_list(
        base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fetchtui.tui.widgets import setup_pane

    parsed: list[str] = []
    real_parse = setup_pane.parse_targets

    def counting_parse(text: str, **options):  # type: ignore[no-untyped-def]
        parsed.append(text)
        return real_parse(text, **options)

    monkeypatch.setattr(setup_pane, "parse_targets", counting_parse)
    app = FetchApp(f"{base}/delay/0 x3", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: "3 requests" in errors_shown(app), "the first check")
        urls = app.query_one("#urls", TextArea)
        urls.text = f"{base}/delay/0 x3\nnot a url"
        await pilot.press("ctrl+s")  # before the debounced check has run
        await wait_for(pilot, lambda: notified(app, "fix the bad lines"), "the refusal")
        assert app.stats is None
        urls.text = f"{base}/delay/0 x4"
        await wait_for(pilot, lambda: "4 requests" in errors_shown(app), "the debounced check")
        before = len(parsed)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        assert "done 4/4" in figures(app)
        assert len(parsed) == before  # the start used the list the check had parsed


async def test_an_edited_long_list_is_checked_off_the_ui_and_its_bad_line_named(base: str) -> None:
    app = FetchApp(f"{base}/delay/0")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        urls = app.query_one("#urls", TextArea)
        urls.text = "\n".join(f"{base}/p{i}" for i in range(50_000)) + "\nftp://x.example/"
        await wait_for(pilot, lambda: "line 50001: unsupported scheme 'ftp'" in errors_shown(app),
                       "the bad line of the long list")
        urls.text = "\n".join(f"{base}/p{i}" for i in range(50_000))
        await wait_for(pilot, lambda: "50,000 requests" in errors_shown(app), "the long list checked")
        assert app.query_one(SetupPane).check_list() is not None


async def test_keys_the_url_editor_defines_stay_the_editors() -> None:
    app = FetchApp("http://127.0.0.1:9/a x2\nhttp://127.0.0.1:9/b", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        urls = app.query_one("#urls", TextArea)
        await pilot.press("ctrl+l", "ctrl+e")  # TextArea: end of line, not an export dialog
        assert urls.cursor_location == (0, len("http://127.0.0.1:9/a x2"))
        await pilot.press("f6")  # TextArea: select the line, not a client comparison
        assert urls.selected_text == "http://127.0.0.1:9/a x2"
        await pilot.press("f7")  # TextArea: select all, not the timeline
        assert urls.selected_text == urls.text
        assert app.query_one(TabbedContent).active == "tab-threads"
        await pilot.press("ctrl+x")  # TextArea: cut
        assert urls.text == "" and app.clipboard.startswith("http://127.0.0.1:9/a x2")
        await pilot.press("f5", "plus", "minus")  # nothing of the app's; +/- are typed
        assert urls.text == "+-" and app.stats is None and app.history.runs == []
        assert isinstance(app.screen, type(app.screen)) and app.focused is urls


async def test_the_run_keys_work_with_the_url_editor_focused(base: str, tmp_path: Path) -> None:
    app = FetchApp(f"{base}/hang?test=keys x6", RunConfig(workers=2, limits=FetchLimits(timeout=30)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+l", "ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 2, "2 in flight")
        await pilot.press("ctrl+c")  # nothing selected: cancel, as oha and hey do
        await wait_for(pilot, lambda: ended(app))
        assert app.stats is not None and app.stats.cancelled == 6
        await pilot.press("f9")
        assert app.query_one(TabbedContent).active == "tab-timeline"
        await pilot.press("ctrl+l", "ctrl+o")
        await wait_for(pilot, lambda: len(app.screen.query("#export-path")) == 1, "the export dialog")


async def test_ctrl_c_copies_a_selection_instead_of_cancelling(base: str) -> None:
    app = FetchApp(f"{base}/hang?test=copy x4", RunConfig(workers=2, limits=FetchLimits(timeout=30)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 2, "2 in flight")
        await pilot.press("ctrl+l", "f7", "ctrl+c")
        assert app.clipboard == app.query_one("#urls", TextArea).text
        assert app.running and app.stats is not None and app.stats.cancelled == 0
        await pilot.press("right", "ctrl+c")  # the selection is gone: now it cancels
        await wait_for(pilot, lambda: ended(app))
        assert app.stats is not None and app.stats.cancelled == 4


async def test_ctrl_c_with_nothing_running_keeps_textuals_behaviour() -> None:
    app = FetchApp("http://127.0.0.1:9/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+t", "ctrl+c")
        await wait_for(pilot, lambda: notified(app, "to quit"), "Textual's hint on how to quit")
        assert app.is_running


async def test_plus_and_minus_step_workers_from_the_workers_field_and_the_live_pane() -> None:
    app = FetchApp("http://127.0.0.1:9/", RunConfig(workers=10))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = app.query_one(SetupPane)
        await pilot.press("f2", "plus")
        assert pane.worker_count == 20 and app.query_one("#workers", Input).value == "20"
        await pilot.press("minus", "minus")
        assert pane.worker_count == 9
        await pilot.press("ctrl+t", "plus")
        assert pane.worker_count == 10
        app.query_one("#client").focus()
        await pilot.press("plus")  # the client list is neither: nothing changes
        assert pane.worker_count == 10


async def test_the_history_tab_shows_earlier_launches_and_their_speedup(base: str, tmp_path: Path) -> None:
    from fetchtui.core.history.records import History, list_key
    from fetchtui.core.history.store import HistoryStore
    from fetchtui.core.input.targets import parse_targets
    from fetchtui.core.report.summary import RunSummary

    text = f"{base}/delay/30 x8"
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add("run", 1, "requests", list_key(parse_targets(text)), RunSummary(8, 8, 0, 0, 2.0, 4.0))
    app = FetchApp(text, RunConfig(workers=4), history=History(HistoryStore(tmp_path / "h.sqlite3")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        table = app.query_one(HistoryTable)
        assert table.row_count == 1  # the earlier launch's run
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: table.row_count == 2, "this launch's run in the history")
        _earlier, now = app.history.runs
        assert now.number == 2 and history_cell(table, 1, "speedup") == f"{2.0 / now.elapsed_s:.2f}x"
        assert history_cell(table, 1, "list") == f"{text.split('://')[1]}"  # the list, not a hash
        await pilot.press("f3", "up", "enter")  # an earlier launch's list is not kept
        await wait_for(pilot, lambda: notified(app, "ran in another launch or window"), "the explanation")
    assert [r.record.number for r in store.runs()] == [1, 2]


async def test_connections_and_phases_are_shown_where_a_request_is(base: str) -> None:
    named = base.replace("127.0.0.1", "localhost")
    app = FetchApp(f"{named}/delay/20 x12", RunConfig(workers=3))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        shown = figures(app)
        assert "connections opened 3, reused 75%" in shown
        assert "dns " in shown and "wait " in shown and "(p50/p99)" in shown
        table = app.query_one(ThreadTable)
        lines = [line for i in range(table.group_count) for line in table.group_text(i)]
        assert any("conn " in line and " reused " in line for line in lines)
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        await wait_for(pilot, lambda: timeline.lane_count == 3, "the timeline")
        await pilot.press("home")  # the lane's first request: it opened the connection
        detail = str(app.query_one("#timeline-detail", Static).render())
        assert "dns " in detail and "connect " in detail and "new" in detail, detail
        await pilot.press("f1")
        lesson = app.screen.query_one(Markdown).source
        assert "3 requests opened a connection" in lesson and "9 that reused one" in lesson


async def test_a_lines_method_shows_and_its_credentials_stay_masked(base: str) -> None:
    app = FetchApp(f"{base}/status/201 -X POST -H 'Authorization: Bearer s3cret' -d hi x2",
                   RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        table = app.query_one(ThreadTable)
        assert any(f"POST {base}/status/201" in line for line in table.group_text(0))
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.query_one(Timeline).lane_count == 1, "the timeline")
        await pilot.press("home")
        detail = str(app.query_one("#timeline-detail", Static).render())
        assert "POST · Authorization: ***" in detail and "s3cret" not in detail


async def test_rate_and_duration_from_the_setup_pane_run_open_loop_with_time_left(base: str) -> None:
    app = FetchApp(f"{base}/delay/0\n", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#rate", Input).value = "20"
        app.query_one("#duration", Input).value = "1.5s"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "s left" in figures(app) and "rate 20/s" in figures(app),
                       "time left and the rate on screen")
        await wait_for(pilot, lambda: ended(app))
        assert app.stats is not None and app.stats.total == 30 and app.stats.ok == 30
        assert "from schedule p50" in figures(app)
        assert app.config is not None and (app.config.rate, app.config.duration) == (20, 1.5)


async def test_a_bad_rate_says_so_and_starts_nothing(base: str) -> None:
    app = FetchApp(f"{base}/delay/0\n")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#rate", Input).value = "0"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "rate must be more than 0"), "the rate's message")
        assert app.stats is None


async def test_the_processes_model_groups_the_table_by_pid(base: str) -> None:
    # four hanging requests on 2 x 2: each process's two threads hold one, however loaded
    app = FetchApp(f"{base}/hang?test=tui-processes x4\n",
                   RunConfig(workers=2, limits=FetchLimits(timeout=30)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#model", Select).value = "processes"
        await wait_for(pilot, lambda: not app.query_one("#processes", Input).disabled,
                       "the processes field enabled by the model")
        app.query_one("#processes", Input).value = "2"
        await pilot.press("ctrl+s")
        table = app.query_one(ThreadTable)
        await wait_for(pilot, lambda: table.group_count == 4, "four workers in two processes")
        heads = [table.group_text(i)[0] for i in range(4)]
        pids = [int(head.split()[1]) for head in heads]
        assert all(head.startswith("pid ") for head in heads)
        assert len(set(pids)) == 2 and pids == sorted(pids)  # grouped by process
        assert os.getpid() not in pids
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: ended(app))
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the run in the history")
        assert app.stats is not None and app.stats.cancelled == 4
        assert app.history.runs[-1].client == "requests, 2 processes"
        assert app.history.runs[-1].workers == 4


@pytest.mark.parametrize(("model", "client", "worker", "label"), [
    ("asyncio", "aiohttp", "task", "aiohttp, asyncio"),
    ("curl-multi", "pycurl", "transfer", "pycurl, curl-multi"),
])
async def test_an_event_loop_model_groups_the_table_by_slot_on_its_one_thread(
        base: str, model: str, client: str, worker: str, label: str) -> None:
    app = FetchApp(f"{base}/delay/200 x12\n", RunConfig(workers=3))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.query_one("#model", Select).value = model
        await wait_for(pilot, lambda: app.query_one("#client", Select).value == client,
                       "the model's own client in the client select")
        processes = app.query_one("#processes", Input)
        assert processes.disabled is (model == "asyncio")  # curl-multi takes -P
        processes.value = "1"
        await pilot.press("ctrl+s")
        table = app.query_one(ThreadTable)
        await wait_for(pilot, lambda: table.group_count == 3, "three slots")
        heads = [table.group_text(i)[0].split() for i in range(3)]
        assert len({head[0] for head in heads}) == 1  # every slot shows the loop thread's ident
        assert sorted(head[1] for head in heads) == [f"{worker}-{n}" for n in range(3)]
        await wait_for(pilot, lambda: ended(app))
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the run in the history")
        assert app.stats is not None and app.stats.ok == 12
        assert app.history.runs[-1].client == label


async def test_f5_runs_the_list_under_each_checked_model_and_charts_them(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x60\n", RunConfig(workers=2))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen), "the models dialog")
        chosen = app.screen.query_one(SelectionList)
        chosen.deselect_all()
        chosen.select("threads/requests")
        chosen.select("processes/pycurl")
        chosen.select("asyncio/aiohttp")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.history.runs) == 3 and not app.running,
                       "three runs, one per model", limit=40)
        assert [r.client for r in app.history.runs] == [
            "requests", "pycurl, 2 processes", "aiohttp, asyncio"]
        assert [r.workers for r in app.history.runs] == [2, 4, 2]
        assert all(r.summary.ok == 60 and r.summary.cpu_ms_per_request > 0 for r in app.history.runs)
        await pilot.press("f4")
        chart = app.query_one(SweepChart)
        await wait_for(pilot, lambda: chart.compared == [
            "requests (2)", "pycurl, 2 processes (4)", "aiohttp, asyncio (2)"], "the comparison chart")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        lesson = app.screen.query_one(Markdown).source
        pycurl = app.history.runs[1].summary
        assert "| pycurl, 2 processes | 4 |" in lesson and f"{pycurl.rps:,.0f}" in lesson
        assert "The fastest here:" in lesson


async def test_escape_in_the_models_dialog_runs_nothing(base: str) -> None:
    app = FetchApp(f"{base}/delay/0\n")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen), "the models dialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModelsScreen), "the dialog closed")
        assert app.stats is None and not app.history.runs


async def test_an_unusable_history_is_said_on_screen_and_its_runs_are_not_numbered(
        base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from fetchtui.cli_input import history_for

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    history = history_for(argparse.Namespace(no_history=False, history=str(blocker / "h.sqlite3")), "tui")
    assert capsys.readouterr().err == ""  # stderr is under the screen: nothing goes there
    app = FetchApp(f"{base}/delay/0 x2", RunConfig(workers=1), history=history)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: notified(app, "is not a folder"), "the history's problem")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1, "the run to end")
        table = app.query_one(HistoryTable)
        assert str(table.get_row_at(0)[0]) == "-"  # not recorded: no number to find it by later


async def test_a_busy_history_is_given_up_on_at_once_and_said(base: str, tmp_path: Path) -> None:
    import sqlite3

    from fetchtui.core.history.records import History
    from fetchtui.core.history.store import HistoryStore

    path = tmp_path / "h.sqlite3"
    history = History(HistoryStore(path), "tui")
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another fetchtui is writing, and goes on writing
    try:
        app = FetchApp(f"{base}/delay/0 x2", RunConfig(workers=1), history=history)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: notified(app, "stayed busy"), "the history's problem")
            assert [r.recorded for r in app.history.runs] == [False]
            assert history.patience < 1  # the screen waits a moment at most, not the CLI's 5 s
    finally:
        locker.close()


async def test_at_80_by_24_the_setup_pane_gives_way_to_the_run_until_asked_for(base: str) -> None:
    app = FetchApp(f"{base}/delay/300 x8", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupPane)
        app.query_one("#urls", TextArea).focus()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 2, "2 in flight")
        assert not setup.display
        assert app.focused is app.query_one(ThreadTable)  # no key goes to a hidden field
        await wait_for(pilot, lambda: app.query_one("#live").outer_size.width == 80,  # the screen: tmux test
                       "the live pane to take the whole width")
        await pilot.press("ctrl+g")
        assert setup.display  # the key brings it back mid-run
        await pilot.press("ctrl+g")
        assert not setup.display
        await wait_for(pilot, lambda: ended(app) and len(app.history.runs) == 1, "the run recorded")
        # the results keep the screen after the run (a class reads them), until ctrl+g
        assert not setup.display and app.query_one("#live").outer_size.width == 80
        await pilot.press("ctrl+g")
        assert setup.display


async def test_on_a_wide_terminal_the_setup_pane_stays_during_a_run(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x4", RunConfig(workers=2))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app))
        assert app.query_one(SetupPane).display
