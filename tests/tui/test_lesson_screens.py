"""The lesson pane's pictures at a projector's 80x24 and at 200x50: a step before its run, and
a step with what its (replayed, so the same every time) run measured."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from fetchtui.cli_lesson import STAND_IN, lesson_plan
from fetchtui.core.history.records import History
from fetchtui.core.lessons.builtin import builtin
from fetchtui.core.runs.replay import ReplaySources
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.lesson_pane import LessonPane

from ..recordings import lesson
from ..waiting import pilot_until

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])


def lesson_app() -> FetchApp:
    """The built-in lesson in English; its runs replay the recorded lesson (no fetching)."""
    plan = lesson_plan(builtin("threads", "en"), STAND_IN, None)
    first = plan.settings(plan.lesson.steps[0])
    assert not isinstance(first, str)
    return FetchApp("", first[1], sources=ReplaySources(lesson()),
                    history=History(front_end="lesson"), lesson=plan)


async def drawn(pilot: Pilot[int]) -> None:
    """The step's Markdown rendered (it renders after the step is shown)."""
    await pilot_until(pilot, lambda: bool(pilot.app.query_one("#lesson-text").children),
                      "the step's text rendered")
    await pilot.pause()


@SIZES
def test_lesson_step(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        await drawn(pilot)
        await pilot.press("alt+right")
        await drawn(pilot)

    assert snap_compare(lesson_app(), terminal_size=size, run_before=steps)


@SIZES
def test_lesson_step_measured(snap_compare: Any, size: tuple[int, int]) -> None:
    async def steps(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, FetchApp)
        await drawn(pilot)
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: len(app.history.runs) == 1 and not app.running,
                          "the replayed run recorded", limit=40)
        if not app.query_one(LessonPane).display:  # 80x24: the run's views kept the screen
            await pilot.press("ctrl+g")
        await pilot.pause()

    assert snap_compare(lesson_app(), terminal_size=size, run_before=steps)
