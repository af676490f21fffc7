"""The stats panel's thread states line: sampled from the fetch process while a real run runs,
short enough for 80 columns, and one line of why where there is no /proc; the help's states."""

from __future__ import annotations

import os
import re

import pytest
from textual.widgets import Markdown

from fetchtui.core.input.config import RunConfig
from fetchtui.core.threadstates import watch
from fetchtui.core.threadstates.kinds import MEANING
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable
from fetchtui.tui.app import FetchApp
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.widgets.stats_panel import StatsPanel

from .test_app import wait_for


def states_line(panel: StatsPanel) -> str:
    return next((line for line in panel.figures.splitlines() if line.startswith("threads ")), "")


def shares(line: str) -> dict[str, int]:
    return {name: int(share) for name, share in re.findall(r"(\w+) (\d+)%", line)}


@pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX)
async def test_at_80_by_24_the_panel_shows_the_running_threads_states_adding_up_to_all_their_time(
        base: str) -> None:
    app = FetchApp(f"{base}/delay/100 x400", RunConfig(workers=4))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        panel = app.query_one(StatsPanel)
        await wait_for(pilot, lambda: "%" in states_line(panel), "the threads' states", limit=30)
        assert app.stats is not None and not app.stats.ended, "the run ended before its states showed"
        line = states_line(panel)
        assert re.fullmatch(r"threads  (\w+ \d+%)( \w+ \d+%)*", line), line  # the short form
        found = shares(line)
        assert set(found) <= {"cpu", "gil", "lock", "net", "idle", "other", "core"}, line
        assert 96 <= sum(found.values()) <= 104, line  # each rounded; a share under 0.5% left out
        assert found.get("net", 0) >= 50, line  # four threads waiting on a 100 ms server
        await pilot.pause()
        (row,) = [y for y in range(panel.size.height) if panel.render_line(y).text.startswith(" threads ")
                  or panel.render_line(y).text.startswith("threads ")]
        assert panel.render_line(row).text.rstrip().endswith("%"), "the line is cut at 80 columns"
        app.main.action_cancel()
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended)


async def test_without_proc_the_panel_says_once_that_thread_states_need_it(
        base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch, "unavailable", lambda pid: WHY_NOT_LINUX)
    app = FetchApp(f"{base}/delay/5 x20", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        figures = app.query_one(StatsPanel).figures
        assert figures.count(WHY_NOT_LINUX) == 1, figures
        assert "threads  " not in figures, figures  # no empty states line beside it


async def test_the_help_says_what_each_state_means_and_why_gil_grows_and_net_dominates() -> None:
    app = FetchApp("")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = app.screen.query_one(Markdown).source
        for state, meaning in MEANING.items():
            assert f"- `{state}`" in text and meaning in text, state
        assert "`core` at 80 columns" in text  # the panel's short name for runnable
        assert "*Why `gil` grows with threads on instant requests*" in text
        assert "*Why `net` dominates on slow ones*" in text


async def test_the_help_says_why_more_threads_stop_helping_in_the_last_runs_measured_states() -> None:
    from fetchtui.core.threadstates.figures import ThreadStates, ThreadTime
    from fetchtui.tui.screens.help_screen import HELP, WHY_END

    # 58% of the threads' time waiting for the GIL, 30% on the network, 9% on a core, 3% for a core
    measured = ThreadStates((ThreadTime(1, 2, (0.9, 0.3, 5.8, 0.0, 3.0, 0.0, 0.0)),), 100.0, True)
    app = FetchApp("")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(HelpScreen(states=measured))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = app.screen.query_one(Markdown).source
        after = text.split(WHY_END, 1)[1]
        said = ("\n*In your last run* the threads spent **58%** waiting for the GIL, **30%** waiting on the "
                "network, **9%** on a core, **3%** waiting for a core")
        assert after.startswith(said), after[:300]
        assert "the GIL was the limit" in after.split("\n\n", 1)[0]
        await app.pop_screen()
        await app.push_screen(HelpScreen())  # no run measured: the general text alone
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert "*In your last run*" not in app.screen.query_one(Markdown).source
        assert HELP in app.screen.query_one(Markdown).source
