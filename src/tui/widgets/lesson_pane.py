"""The lesson pane: in `fetchtui lesson`, the current step's text, code and measured figures,
in the setup pane's place; the step's settings are the run's."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Markdown, Static

from fetchtui.core.input.textsafe import safe_text, visible_controls
from fetchtui.core.lessons.progress import LessonPlan, LessonProgress
from fetchtui.core.lessons.results import StepFigures
from fetchtui.tui.widgets.setup_pane import Setup, SetupPane
from fetchtui.tui.widgets.thread_table import ThreadTable

if TYPE_CHECKING:
    from fetchtui.core.history.records import RunRecord
    from fetchtui.tui.screens.main import MainScreen

#: The pane's own words, in the lesson's language (its text is the lesson's).
WORDS = {
    "en": {"step": "step {n} of {total}", "settings": "settings", "ready": "ctrl+s runs this step",
           "running": "running…", "measured": "measured", "requests": "{n} requests", "limit": "limit",
           "base": "the first step on these URLs: the base", "vs": "{x} against step {n}",
           "no_speedup": "no speedup: a run cut short", "cannot": "this step cannot run here",
           "keys": "alt+→ next step · alt+← previous",
           "step_short": "step {n}", "base_short": "the base", "vs_short": "{x} vs step {n}",
           "idle": "No run yet: ctrl+s runs the lesson's step (ctrl+g shows its text)."},
    "ko": {"step": "{total}단계 중 {n}단계", "settings": "설정", "ready": "ctrl+s: 이 단계 실행",
           "running": "실행 중…", "measured": "측정 결과", "requests": "요청 {n}건", "limit": "병목",
           "base": "기준 (이 URL로 처음 실행한 단계)", "vs": "{n}단계 대비 {x}",
           "no_speedup": "속도 비교 없음: 중간에 끊긴 실행", "cannot": "이 단계는 여기서 실행할 수 없다",
           "keys": "alt+→ 다음 단계 · alt+← 이전 단계",
           "step_short": "{n}단계", "base_short": "기준", "vs_short": "{n}단계 대비 {x}",
           "idle": "아직 실행하지 않았다. ctrl+s를 누르면 현재 단계를 실행한다 (ctrl+g: 단계 설명)."},
}


def figures_line(number: int, f: StepFigures, words: dict[str, str]) -> str:
    """The same, short, for the live view's bottom edge (80 columns): the speedup first."""
    against = (words["base_short"] if f.is_base else words["vs_short"].format(x=f.speedup, n=f.base + 1)
               if f.speedup is not None and f.base is not None else "-")
    return (f"{words['step_short'].format(n=number)}: {against} · {f.rps:,.1f} req/s · "
            f"p50 {f.p50_ms:.1f} ms · {words['limit']} {f.limit or '-'}")


def figures_text(f: StepFigures, words: dict[str, str]) -> str:
    """A step's measured figures on one line, with its speedup against its base."""
    line = (f"{words['measured']}: {words['requests'].format(n=f.requests)} · {f.rps:,.1f} req/s · "
            f"p50 {f.p50_ms:.1f} ms · {words['limit']} {f.limit or '-'}")
    if f.is_base:
        return f"{line} · {words['base']}"
    if f.speedup is not None and f.base is not None:
        return f"{line} · {words['vs'].format(x=f.speedup, n=f.base + 1)}"
    return f"{line} · {words['no_speedup']}"


class LessonPane(Vertical):
    """A step of the lesson: where it is in the lesson, its settings, what its last run
    measured (or why it cannot run here), its text and its code, rendered as Markdown. The
    keys (alt+→, alt+←) move through the steps; ctrl+s runs the step's settings."""

    def __init__(self, plan: LessonPlan, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.progress = LessonProgress(plan)
        self.words = WORDS.get(plan.lesson.lang, WORDS["en"])
        self._ran_step: int | None = None  # the step the running run is of

    @property
    def main(self) -> MainScreen:
        from fetchtui.tui.screens.main import MainScreen

        assert isinstance(self.screen, MainScreen)
        return self.screen

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-head")
        yield Static(id="lesson-measured")
        with VerticalScroll(id="lesson-scroll"):
            yield Markdown(id="lesson-text")

    def on_mount(self) -> None:
        self.main.add_class("-lesson")  # the setup pane stays hidden: this pane is in its place
        self.border_title = safe_text(self.progress.lesson.title)
        self.main.query_one(ThreadTable).idle_lines = ((self.words["idle"], "dim"),)
        self.show_step()
        self.call_after_refresh(self.main.refresh_bindings)  # the footer: its step keys too

    # -- the screen's calls ------------------------------------------------------------
    def go(self, delta: int) -> None:
        """The next or the previous step: shown (on a narrow terminal it takes the screen),
        its settings the next run's."""
        if self.progress.go(delta):
            self.show_step()
        self.main.show_setup(True)

    def setup(self, workers: int) -> Setup | str:
        """The step's run with the pane's worker count (+ and - step it), or why it cannot run."""
        settings = self.progress.plan.settings(self.progress.step)
        if isinstance(settings, str):
            return settings
        targets, config = settings
        setup = Setup(targets, config)
        return setup if config.stages or workers == config.workers else setup.but(workers=workers)

    def started(self) -> None:
        """A run of the step shown starts: its figures, when it ends, are this step's."""
        self._ran_step = self.progress.index
        self._show_measured()

    def ran(self, record: RunRecord) -> None:
        """The run ended and was recorded: its figures beside the step's text, and under the
        live view (on a narrow terminal the run's views keep the screen)."""
        if self._ran_step is None:
            return
        self.progress.ran(self._ran_step, record.summary)
        figures = self.progress.figures(self._ran_step)
        if figures is not None:
            self.main.query_one("#live").border_subtitle = safe_text(
                figures_line(self._ran_step + 1, figures, self.words))
        self._ran_step = None
        self._show_measured()

    # -- drawing -----------------------------------------------------------------------
    def show_step(self) -> None:
        progress, words = self.progress, self.words
        step = progress.step
        head = Text(f"{words['step'].format(n=progress.index + 1, total=progress.count)} · "
                    f"{safe_text(step.title)}\n", style="bold")
        head.append(f"{words['settings']}: ", style="dim")
        head.append(safe_text(shlex.join(step.argv)))
        self.query_one("#lesson-head", Static).update(head)
        self._show_measured()
        self.query_one("#lesson-text", Markdown).update(step_markdown(step.text, step.code))
        self.query_one("#lesson-scroll").scroll_home(animate=False)
        pane = self.main.query_one(SetupPane)
        settings = progress.plan.settings(step)
        if not isinstance(settings, str):  # +/- step from the step's own worker count
            pane.worker_count = settings[1].workers

    def _show_measured(self) -> None:
        progress, words = self.progress, self.words
        why = progress.plan.cannot_run(progress.step)
        figures = progress.figures()
        box = self.query_one("#lesson-measured", Static)
        box.set_class(why is not None, "-cannot")
        box.set_class(figures is not None, "-measured")
        if why is not None:
            box.update(Text(f"{words['cannot']}: {why}"))
        elif figures is not None:
            box.update(Text(figures_text(figures, words)))
        elif self._ran_step == progress.index:
            box.update(Text(words["running"]))
        else:
            box.update(Text(f"{words['ready']} · {words['keys']}"))


def step_markdown(text: str, code: str, fence: Sequence[str] = ("```python", "```")) -> str:
    """The step's text, then its code as a fenced block (shown, not run)."""
    text, code = visible_controls(text), visible_controls(code)  # a file's text is data: no raw ESC
    if not code:
        return text
    return f"{text}\n\n{fence[0]}\n{code}\n{fence[1]}\n"
