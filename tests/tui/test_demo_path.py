"""What a class reads on the way through the lesson says what is true of the model that runs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from textual.widgets import Label, TabbedContent

from fetchtui.core.input.config import RunConfig
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.models_screen import ModelsScreen
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.tick_list import TickList

from ..core.test_cli_run import CMD, run
from .test_app import wait_for


@pytest.mark.parametrize(("model", "client", "noun"), [("threads", "requests", "threads"),
                                                       ("asyncio", "aiohttp", "tasks"),
                                                       ("curl-multi", "pycurl", "transfers")])
async def test_the_stats_line_and_the_title_name_the_workers_as_the_model_runs_them(
        base: str, model: str, client: str, noun: str) -> None:
    app = FetchApp(f"{base}/delay/200 x6", RunConfig(workers=3, client=client, model=model))  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        panel = app.query_one(StatsPanel)
        await wait_for(pilot, lambda: f"{noun} 3/3" in panel.figures, f"'{noun} 3/3' on the stats line")
        assert str(app.query_one("#live").border_title) == f"live: requests in flight, by {noun[:-1]}"
        app.main.action_cancel()


@pytest.mark.parametrize(("typed", "meant"), [("hsitory", "history"), ("swep", "sweep"), ("dif", "diff"),
                                              ("demo-sever", "demo-server")])
def test_a_mistyped_command_says_which_it_meant_and_opens_nothing(typed: str, meant: str) -> None:
    done = subprocess.run([*CMD, typed], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"fetchtui: unknown command {typed!r}; did you mean {meant!r}?"


def test_help_names_every_command() -> None:
    from fetchtui.cli import build_parser

    text = " ".join(build_parser().format_help().split())
    for command in ("run", "sweep", "history", "open", "diff", "demo-server"):
        assert f"fetchtui {command}" in text, command


async def test_f5_tells_a_ticked_pair_by_its_glyph_not_its_colour_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = FetchApp("http://127.0.0.1:9/ x2", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen), "the models dialog")
        pairs = app.screen.query_one("#models-list", TickList)
        pairs.deselect_all()
        pairs.select("asyncio/aiohttp")
        await pilot.pause()  # Textual's wait for the list's redraw
        rows = ["".join(seg.text for seg in pairs.render_line(y)) for y in range(pairs.option_count)]
        boxes = {row.split()[-2] + "/" + row.split()[-1]: row[1] for row in rows if row.strip()}
        assert boxes["asyncio/aiohttp"] == "✓", rows
        assert {box for pair, box in boxes.items() if pair != "asyncio/aiohttp"} == {" "}, rows


def test_an_unquoted_repeat_count_repeats_the_url_before_it(base: str, tmp_path: Path) -> None:
    """`fetchtui run URL x30 -w 4`, as the README writes it, with no quotes."""
    out = tmp_path / "run.json"
    done = run(f"{base}/get", "x30", f"{base}/bytes/5", "x2", "-w", "4", "--no-history", "--json", str(out))
    assert done.returncode == 0, done.stderr
    urls = [request["url"] for request in json.loads(out.read_text())["requests"]]
    assert urls == [f"{base}/get"] * 30 + [f"{base}/bytes/5"] * 2


def test_a_repeat_count_with_no_url_says_so_and_suggests_no_url() -> None:
    done = run("x30", "--no-history")
    assert done.returncode == 2 and "a repeat count (x30) follows the URL it repeats" in done.stderr
    assert "http://x30" not in done.stderr


async def test_the_url_tab_caption_shows_url_n_as_text(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x3\n{base}/bytes/4", RunConfig(workers=2))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        app.query_one(TabbedContent).active = "tab-urls"
        caption = app.query_one("#url-caption", Label)
        await wait_for(pilot, lambda: "URLs, in list order" in str(caption.render()), "the caption")
        assert "url[N] in a --check names row N" in str(caption.render())


def test_the_demo_list_is_the_same_list_each_launch(tmp_path: Path) -> None:
    """Its server's port is the same each launch, so a second run's speedup has a first."""
    history = tmp_path / "h.sqlite3"
    for workers in ("1", "4"):
        done = run("--demo", "-w", workers, "--history", str(history), timeout=120)
        assert done.returncode in (0, 1), done.stderr  # the demo list holds 404s and 503s: exit 1
    with sqlite3.connect(history) as db:
        keys = [key for (key,) in db.execute("SELECT list_key FROM runs ORDER BY rowid")]
    assert len(keys) == 2 and keys[0] == keys[1]


async def test_a_cancelled_run_reads_what_ran_not_a_full_bar(base: str) -> None:
    app = FetchApp(f"{base}/delay/2000 x8", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.in_flight == 2, "2 in flight")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended, "the cancel")
        await wait_for(pilot, lambda: "cancelled 8" in app.query_one(StatsPanel).figures, "the end shown")
        figures = app.query_one(StatsPanel).figures
        assert "done 0/8 (0%)" in figures, figures
