"""`fetchtui lesson` in the live monitor: the lesson pane at 80x24, its keys, two of the
built-in lesson's steps run for real against the demo server, a teacher's own lesson."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Markdown, Static

from fetchtui.cli_lesson import lesson_plan, load
from fetchtui.core.history.records import History
from fetchtui.core.lessons.builtin import builtin
from fetchtui.core.lessons.format import Lesson
from fetchtui.core.lessons.pythons import HOW_TO_GET
from fetchtui.core.lessons.results import speedup
from fetchtui.tui.app import FetchApp
from fetchtui.tui.commands import run_commands
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.widgets.lesson_pane import LessonPane
from fetchtui.tui.widgets.setup_pane import SetupPane
from fetchtui.tui.widgets.thread_table import ThreadTable

from ..waiting import pilot_until

SMALL = (80, 24)


def lesson_app(lesson: Lesson, demo: str, free_threaded: str | None = None) -> FetchApp:
    """The app as `fetchtui lesson` opens it (cli_lesson.open_lesson), on `demo`."""
    plan = lesson_plan(lesson, demo, free_threaded)
    first = plan.settings(lesson.steps[0])
    assert not isinstance(first, str), first
    return FetchApp("", first[1], history=History(front_end="lesson"), lesson=plan)


def pane(app: FetchApp) -> LessonPane:
    return app.query_one(LessonPane)


def head(app: FetchApp) -> str:
    return str(app.query_one("#lesson-head", Static).render())


def measured(app: FetchApp) -> str:
    return str(app.query_one("#lesson-measured", Static).render())


def markdown_text(app: FetchApp) -> str:
    """The step's text as the Markdown widget holds it (its source, as rendered from)."""
    return app.query_one("#lesson-text", Markdown).source


async def ran(pilot: Pilot[int], runs: int) -> None:
    app = pilot.app
    assert isinstance(app, FetchApp)
    await pilot_until(pilot, lambda: len(app.history.runs) == runs and not app.running,
                      f"run {runs} recorded", limit=60)
    await pilot.pause()


async def test_the_built_in_lesson_steps_and_runs_two_steps_at_80_by_24(base: str) -> None:
    lesson = builtin("threads", "en")
    app = lesson_app(lesson, base)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.pause()
        lesson_pane, live = pane(app), app.query_one("#live")
        assert lesson_pane.display and not live.display  # narrow: the step's text has the screen
        assert not app.query_one(SetupPane).display
        assert head(app).startswith("step 1 of 9 · One thread, ten requests")
        assert "ctrl+s runs this step" in measured(app)
        assert "first program of the tutorial" in markdown_text(app)
        assert "```python\nimport os" in markdown_text(app)  # its code, shown as a fence

        await pilot.press("alt+right", "alt+right")
        assert head(app).startswith("step 3 of 9 · More threads on slow requests")
        assert "--stages 10:1s,50:1s" in head(app)
        await pilot.press("alt+left", "alt+left", "alt+left")  # no step before the first
        assert head(app).startswith("step 1 of 9 · ")
        assert app.query_one(SetupPane).worker_count == 1  # the step's -w 1, for + and -

        await pilot.press("ctrl+s")  # step 1: -w 1 '{demo}/delay/100 x10', over loopback
        await pilot_until(pilot, lambda: live.display, "the run's views to take the screen")
        await ran(pilot, 1)
        one = app.history.runs[0].summary
        assert one.ok == 10 and app.stats is not None and len(app.stats.threads) == 1
        shown = measured(app)
        assert shown.startswith(f"measured: 10 requests · {one.rps:,.1f} req/s · "
                                f"p50 {one.latency_ms.p50:.1f} ms · limit "), shown
        assert shown.endswith("the first step on these URLs: the base"), shown
        # narrow: the run's views keep the screen, the step's figures on their bottom edge
        assert live.display and str(live.border_subtitle).startswith("step 1: the base · ")

        app.query_one(ThreadTable).focus()  # from the live view: the key still works
        await pilot.pause()
        await pilot.press("alt+right")
        assert lesson_pane.display and head(app).startswith("step 2 of 9 · Ten threads")
        assert "ctrl+s runs this step" in measured(app)
        await pilot.press("ctrl+s")  # step 2: -w 10 '{demo}/delay/100 x200'
        await ran(pilot, 2)
        two = app.history.runs[1].summary
        assert two.ok == 200 and app.stats is not None and len(app.stats.threads) == 10
        against = speedup(two, one)
        assert against is not None and against.per_request and against.value > 2  # ten threads
        await pilot.press("ctrl+g")
        shown = measured(app)
        assert lesson_pane.display and shown == (
            f"measured: 200 requests · {two.rps:,.1f} req/s · p50 {two.latency_ms.p50:.1f} ms · "
            f"limit {two.limit.by if two.limit else '-'} · {against} against step 1"), shown
        await pilot.press("alt+left")  # step 1 keeps what it measured
        assert measured(app).startswith(f"measured: 10 requests · {one.rps:,.1f} req/s")


async def test_a_step_that_needs_a_free_threaded_python_says_so_and_runs_nothing(base: str) -> None:
    app = lesson_app(builtin("threads", "en"), base, free_threaded=None)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await pilot.pause()
        for _ in range(8):
            await pilot.press("alt+right")
        assert head(app).startswith("step 9 of 9 · No GIL")
        assert measured(app) == f"this step cannot run here: {HOW_TO_GET}"
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: any(HOW_TO_GET[:40] in str(t.render())
                                             for t in app.screen.query("Toast")), "the toast")
        assert app.live_run.session is None  # nothing ran


async def test_the_korean_lesson_speaks_korean_and_the_keys_are_offered_only_in_a_lesson(
        base: str) -> None:
    app = lesson_app(builtin("threads", "ko"), base)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        assert pane(app).display and app.query_one("#live").display  # wide: side by side
        assert head(app).startswith("9단계 중 1단계 · 스레드 하나로 10번 호출")
        assert re.search(r"[\uac00-\ud7a3]", markdown_text(app))
        titles = [c.title for c in run_commands(app.main)]
        assert "Next lesson step" in titles and "Previous lesson step" in titles
        assert "Edit URL list" not in titles  # the URL editor is not on screen in a lesson
        footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
        assert "Next step" in footer and "Prev step" in footer
        await pilot.press("f1")
        await pilot_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert "alt+→ next step" in app.screen.query_one(Markdown).source
    plain = FetchApp("")
    async with plain.run_test(size=(200, 50)):
        titles = [c.title for c in run_commands(plain.main)]
        assert "Next lesson step" not in titles and "Edit URL list" in titles


TEACHER = """\
# A teacher's lesson

## One thread

Five requests, one after another.

```python
for url in urls:
    session.get(url)
```

```fetchtui
-w 1 '{demo}/delay/20 x5'
```

## Five threads

The same URL, five at once.

```fetchtui
-w 5 '{demo}/delay/20 x25'
```
"""


async def test_a_teachers_two_step_lesson_opens_in_the_pane_and_runs(base: str, tmp_path: Path) -> None:
    path = tmp_path / "mine.md"
    path.write_text(TEACHER, "utf-8")
    app = lesson_app(load(str(path), "en"), base)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert pane(app).border_title == "A teacher's lesson"
        assert head(app).startswith("step 1 of 2 · One thread")
        assert "for url in urls:" in markdown_text(app)
        await pilot.press("alt+right")
        assert head(app).startswith("step 2 of 2 · Five threads")
        assert "```python" not in markdown_text(app)  # a step with no code shows none
        await pilot.press("ctrl+s")
        await ran(pilot, 1)
        await pilot.press("ctrl+g")
        assert measured(app).startswith("measured: 25 requests · ")
        assert measured(app).endswith("the first step on these URLs: the base")


def test_a_lesson_whose_step_does_not_parse_is_refused_before_the_monitor_opens(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text(TEACHER.replace("-w 5 ", "-w abc "), "utf-8")
    result = subprocess.run([sys.executable, "-m", "fetchtui", "lesson", str(path)],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"fetchtui: error: {path}, line 21: step 'Five threads': argument -w/--workers: "
        "workers must be a whole number, got 'abc'"]
