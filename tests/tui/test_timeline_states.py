"""The timeline's thread states: sampled under each thread's lane in a real run, a glyph each
so NO_COLOR loses nothing, and a legend line naming them (or saying why there are none)."""

from __future__ import annotations

import os

import pytest

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.replay import T0_NS, ReplaySources
from fetchtui.core.threadstates.gil import has_gil
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.lanes import StateLanes
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable
from fetchtui.tui.app import FetchApp
from fetchtui.tui.live_states import NOT_FETCHED
from fetchtui.tui.widgets.state_look import GLYPH
from fetchtui.tui.widgets.timeline import Timeline

from ..recordings import LESSON, lesson
from .test_app import wait_for


def lines(timeline: Timeline) -> list[str]:
    return [timeline.render_line(y).text for y in range(timeline.size.height)]


def legend(app: FetchApp) -> str:
    return str(app.query_one("#timeline-legend").render())


@pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX)
async def test_eight_threads_of_instant_requests_show_their_states_under_their_lanes(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x4000", RunConfig(workers=8))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        # the sampler child starts, finds the GIL, then sends its ticks every half second
        await wait_for(pilot, lambda: timeline.states.why is None and len(timeline.states.spans) >= 8
                       and any(" └ " in line for line in lines(timeline)), "the lanes' states", limit=60)
        shown = lines(timeline)
        state_rows = [line for line in shown if line.startswith(" └ ")]
        assert len(state_rows) == 8, shown  # one under each worker's lane
        drawn = "".join(row[20:] for row in state_rows)
        running = {GLYPH["cpu"], GLYPH["runnable"]} | ({GLYPH["gil"]} if has_gil() else set())
        assert set(drawn) & running, shown  # instant requests: the threads run Python, or queue for it
        assert set(drawn) <= set(GLYPH.values()) | {" "}, shown
        # each column shows its most spent state (on a loaded machine that may be `runnable`),
        # but the threads ran Python on a core, and on a GIL build queued for it (a thread
        # sampled only half a second on a loaded machine may have been caught in neither)
        seen = {key: {state for _, _, state in spans} for key, spans in timeline.states.spans.items()}
        assert any(STATES.index("cpu") in states for states in seen.values()), seen
        if has_gil():
            assert any(STATES.index("gil") in states for states in seen.values()), seen
        text = legend(app)
        for state in ("cpu", "gil", "lock", "net", "idle", "other"):
            assert f"{GLYPH[state]} {state}" in text, text
        assert f"{GLYPH['runnable']} waiting for a core" in text, text
        app.main.action_cancel()
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended, limit=30)


def one_state_a_thread() -> StateLanes:
    """Thread i of the lesson's replay (pid 4242, native id 9000+i) in state i throughout."""
    return StateLanes({(4242, 9000 + i): [(T0_NS, T0_NS + 2_000_000_000, i)] for i in range(len(STATES))},
                      gil=True)


async def test_without_colour_each_state_has_a_glyph_of_its_own_and_the_legend_names_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    sources = ReplaySources(lesson())
    app = FetchApp(LESSON, RunConfig(workers=10), sources=sources)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1 and not app.running, limit=40)
        await pilot.press("f9")
        timeline = app.query_one(Timeline)
        await wait_for(pilot, lambda: NOT_FETCHED in legend(app), "a replay's legend says why")
        timeline.show_states(one_state_a_thread())
        timeline.update_view()
        await pilot.pause()
        rows = [timeline.render_line(y) for y in range(timeline.size.height)]
        state_rows = [row for row in rows if row.text.startswith(" └ ")]
        assert len(state_rows) == len(STATES)
        seen = []
        for state, row in zip(STATES, state_rows, strict=True):
            glyphs = set(row.text[20:]) - {" "}
            assert glyphs == {GLYPH[state]}, (state, row.text)
            seen.append(GLYPH[state])
        assert len(set(seen)) == len(STATES), seen  # every state told apart by its glyph alone
        text = legend(app)
        assert all(f"{glyph} " in text for glyph in seen), text


async def test_a_replay_has_no_states_and_its_legend_says_why() -> None:
    app = FetchApp(LESSON, RunConfig(workers=10), sources=ReplaySources(lesson()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.history.runs) == 1 and not app.running, limit=40)
        await pilot.press("f9")
        await wait_for(pilot, lambda: NOT_FETCHED in legend(app), "a replay's legend says why")
        timeline = app.query_one(Timeline)
        shown = lines(timeline)
        assert not any(line.startswith(" └ ") for line in shown), shown  # requests only
        assert sum(line.startswith("fetchtui-worker_") for line in shown) >= 3, shown


async def test_without_proc_the_legend_says_why_and_the_lanes_still_show_the_requests(
        base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fetchtui.core.threadstates import watch

    monkeypatch.setattr(watch, "unavailable", lambda pid: WHY_NOT_LINUX)
    app = FetchApp(f"{base}/delay/5 x20", RunConfig(workers=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.stats is not None and app.stats.ended and app.history.runs)
        await pilot.press("f9")
        await wait_for(pilot, lambda: WHY_NOT_LINUX in legend(app), "the legend says why")
        shown = lines(app.query_one(Timeline))
        assert not any(line.startswith(" └ ") for line in shown), shown
        requests = [line for line in shown if line.startswith("fetchtui-worker_")]
        assert len(requests) == 2 and all("█" in line or "▓" in line for line in requests), shown
