"""A lesson as the live monitor walks it: the step shown, and what each step's last run measured."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fetchtui.core.lessons.format import Lesson, LessonError, Step
from fetchtui.core.lessons.pythons import HOW_TO_GET
from fetchtui.core.lessons.results import StepFigures, StepResult, step_figures

if TYPE_CHECKING:
    from fetchtui.core.input.config import RunConfig
    from fetchtui.core.input.targets import Target
    from fetchtui.core.report.summary import RunSummary

#: A step's list and config from its settings (the CLI's own reading, `{demo}` filled in).
Prepare = Callable[[Step], "tuple[Sequence[Target], RunConfig]"]


@dataclass(frozen=True, slots=True)
class LessonPlan:
    """What the command hands the live monitor: the lesson, how a step's settings are read,
    and the free-threaded Python a `{free-threaded}` step runs on (None: there is none)."""

    lesson: Lesson
    prepare: Prepare
    free_threaded: str | None = None

    def cannot_run(self, step: Step) -> str | None:
        """Why `step` cannot run here (None: it can)."""
        return HOW_TO_GET if step.needs_free_threaded and self.free_threaded is None else None

    def settings(self, step: Step) -> tuple[Sequence[Target], RunConfig] | str:
        """The step's list and config, or why it cannot run here."""
        why = self.cannot_run(step)
        if why is not None:
            return why
        try:
            return self.prepare(step)
        except LessonError as exc:  # checked before the monitor opened: only a changed demo URL
            return str(exc)


class LessonProgress:
    """The step shown, and each step's last run (not a Textual class): a step's figures are
    taken against the lesson's first step that ran the same URLs (results.step_figures)."""

    def __init__(self, plan: LessonPlan) -> None:
        self.plan = plan
        self.index = 0
        self._results = [StepResult(step, step.argv, None) for step in plan.lesson.steps]

    @property
    def lesson(self) -> Lesson:
        return self.plan.lesson

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def count(self) -> int:
        return len(self.lesson.steps)

    def go(self, delta: int) -> bool:
        """Move `delta` steps, within the lesson; False if that is past either end."""
        index = self.index + delta
        if not 0 <= index < self.count:
            return False
        self.index = index
        return True

    def ran(self, index: int, summary: RunSummary) -> None:
        """Step `index` ran (again): its figures are this run's."""
        result = self._results[index]
        self._results[index] = StepResult(result.step, result.argv, summary)

    def figures(self, index: int | None = None) -> StepFigures | None:
        """What step `index` (the one shown, by default) measured; None if it has not run."""
        return step_figures(self._results, self.index if index is None else index)
