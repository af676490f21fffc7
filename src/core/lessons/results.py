"""What a lesson's runs measured, a step each, with each step's speedup against the lesson's
first step on the same URLs (per request when their counts differ, as History.speedup_of)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fetchtui.core.history.records import Speedup, url_mix
from fetchtui.core.lessons.format import Step
from fetchtui.core.report.summary import RunSummary


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


@dataclass(frozen=True, slots=True)
class StepFigures:
    """What a step's run measured, as a lesson shows it beside the step's text: its count
    (`150 of 200` when cut short), req/s, p50, the limit's verdict, and its speedup against
    `base`, the first step that ran the same URLs (`base` is the step itself when it is that)."""

    index: int
    requests: str
    rps: float
    p50_ms: float
    limit: str | None
    base: int | None
    speedup: Speedup | None

    @property
    def is_base(self) -> bool:
        return self.base == self.index


def step_figures(results: Sequence[StepResult], index: int) -> StepFigures | None:
    """The figures of `results[index]` (None: that step has not run), its speedup taken
    against the first result on the same URLs, per request when the counts differ."""
    s = results[index].summary
    if s is None:
        return None
    base = baselines(results[:index + 1])[index]
    first = results[base].summary if base is not None else None
    against = speedup(s, first) if first is not None and base != index else None
    ran = str(s.submitted) if s.complete else f"{s.ok + s.failed} of {s.submitted}"
    return StepFigures(index, ran, s.rps, s.latency_ms.p50, s.limit.by if s.limit is not None else None,
                       base, against)


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
