"""What a lesson's runs measured, a step each, with each step's speedup against the lesson's
first step on the same URLs (per request when their counts differ, as History.speedup_of)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fetchtui.core.history import Speedup, url_mix
from fetchtui.core.lessons.format import Step
from fetchtui.core.summary import RunSummary


@dataclass(frozen=True, slots=True)
class StepResult:
    """A step and its run's summary; or, for a step that could not run here, why not."""

    step: Step
    argv: tuple[str, ...]  # the words it ran with, `{demo}` filled in
    summary: RunSummary | None
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"title": self.step.title, "argv": list(self.argv),
                               "summary": self.summary.to_json() if self.summary is not None else None}
        if self.skipped is not None:
            doc["skipped"] = self.skipped
        return doc


def speedup(run: RunSummary, base: RunSummary) -> Speedup | None:
    """`run` against `base`: elapsed against elapsed on the same list, per request on the same
    URLs in other numbers; None on other URLs, or when either run was cut short."""
    mix = url_mix(run)
    if mix is None or mix != url_mix(base) or not (run.complete and base.complete):
        return None
    if min(run.elapsed_s, base.elapsed_s) <= 0 or min(run.submitted, base.submitted) <= 0:
        return None
    if run.submitted == base.submitted:
        return Speedup(base.elapsed_s / run.elapsed_s, per_request=False)
    return Speedup((base.elapsed_s / base.submitted) / (run.elapsed_s / run.submitted), per_request=True)


def baselines(results: Sequence[StepResult]) -> list[int | None]:
    """For each result, the index of the first result that ran the same URLs (itself, for
    the first on its URLs; None for a step that did not run)."""
    out: list[int | None] = []
    for index, result in enumerate(results):
        found = None
        if result.summary is not None:
            mix = url_mix(result.summary)
            found = next((i for i, other in enumerate(results[:index + 1]) if other.summary is not None
                          and url_mix(other.summary) == mix), index)
        out.append(found)
    return out
