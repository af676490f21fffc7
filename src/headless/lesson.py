"""`fetchtui lesson --run`: every step of a lesson run headless, as `fetchtui run` runs it,
against the demo server started for the lesson; a table of what each measured, and JSON."""

from __future__ import annotations

import io
import json
import shlex
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from fetchtui.core.history.records import History
from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.lessons.demo_process import DemoProcess, DemoProcessError
from fetchtui.core.lessons.pythons import HOW_TO_GET, free_threaded
from fetchtui.core.lessons.results import StepResult, step_figures
from fetchtui.headless.runner import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, STDOUT, run_headless

if TYPE_CHECKING:
    from fetchtui.core.input.config import RunConfig
    from fetchtui.core.input.targets import Target
    from fetchtui.core.lessons.format import Lesson, Step

#: A step's list and config from its settings, `{demo}` and `{free-threaded}` given.
Prepare = Callable[["Step", str, "str | None"], "tuple[Sequence[Target], RunConfig]"]


def run_lesson(lesson: Lesson, prepare: Prepare, *, json_path: str | None = None,
               out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the lesson's steps in order, each through `fetchtui run`'s own runner; print the
    table, write the JSON; 0 when every request of every step was ok, 1 if not, and a
    signal's code when one cut the lesson short (the steps before it are still shown)."""
    out = out or sys.stdout
    err = err or sys.stderr
    table_to = err if json_path == STDOUT else out
    python = free_threaded() if any(step.needs_free_threaded for step in lesson.steps) else None
    history = History(front_end="lesson")  # a rehearsal: in memory, not in the history file
    results: list[StepResult] = []
    try:
        demo = DemoProcess()
    except (OSError, DemoProcessError) as exc:
        err.write(f"fetchtui: error: {safe_text(str(exc))}\n")
        return 2
    with demo:
        try:
            code = _steps(lesson, prepare, demo.url, python, history, results, err)
        except KeyboardInterrupt:  # between two steps (a run's own Ctrl-C ends its run, kept)
            err.write("interrupted: the steps that ran are below\n")
            code = EXIT_INTERRUPTED
    table_to.write(lesson_table(lesson, results))
    table_to.flush()
    if json_path is not None:
        from fetchtui.core.report.export import ExportError, write_text

        doc = {"lesson": lesson.title, "lang": lesson.lang, "steps": [r.to_json() for r in results]}
        try:
            write_text(json_path, json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
        except ExportError as exc:
            err.write(f"error: {safe_text(str(exc))}\n")
            return code or EXIT_FAILED
        if json_path != STDOUT:
            table_to.write(safe_text(f"wrote {json_path}") + "\n")
    return code


def _steps(lesson: Lesson, prepare: Prepare, demo: str, python: str | None, history: History,
           results: list[StepResult], err: TextIO) -> int:
    """Run the steps in turn, each result added to `results` as it ends; the exit code."""
    code = EXIT_OK
    for number, step in enumerate(lesson.steps, 1):
        words = tuple(step.words(demo, python))
        if step.needs_free_threaded and python is None:
            err.write(f"step {number}: skipped: {HOW_TO_GET}\n")
            results.append(StepResult(step, words, None, HOW_TO_GET))
            continue
        err.write(safe_text(f"step {number}/{len(lesson.steps)}: {step.title}: "
                            f"fetchtui run {shlex.join(step.argv)}") + "\n")
        err.flush()
        targets, config = prepare(step, demo, python)
        ran = run_headless(targets, config, out=io.StringIO(), err=err, history=history)
        results.append(StepResult(step, words, history.runs[-1].summary))
        if ran > EXIT_FAILED:  # a signal: the lesson stops with the step it cut
            err.write(f"step {number}: cut short by a signal; the lesson stops here\n")
            return ran
        code = max(code, ran)
    return code


HEADERS = ("step", "title", "settings", "requests", "req/s", "speedup", "p50 ms", "limit")


def lesson_table(lesson: Lesson, results: Sequence[StepResult]) -> str:
    """A row a step: what it ran, how fast, its speedup against the first step on the same
    URLs (`base` is that step; per request, `/req`, when the counts differ) and its limit."""
    rows: list[list[str]] = []
    for index, result in enumerate(results):
        cells = [str(index + 1), safe_text(result.step.title, 60),
                 safe_text(shlex.join(result.step.argv), 60)]
        f = step_figures(results, index)
        if f is None:
            rows.append([*cells, "skipped", "-", "-", "-", "-"])
            continue
        if f.is_base:
            shown = "base"
        else:
            shown = f"{f.speedup} (vs {f.base + 1})" if f.speedup is not None and f.base is not None else "-"
        rows.append([*cells, f.requests, f"{f.rps:,.1f}", shown, f"{f.p50_ms:.1f}", f.limit or "-"])
    notes = [f"step {n}: skipped: {r.skipped}" for n, r in enumerate(results, 1) if r.skipped]
    title = safe_text(f"{lesson.title} ({lesson.lang}): speedup against the first step on the same "
                      "URLs, per request (/req) when the counts differ")
    return "\n".join([title, *_aligned(HEADERS, rows, left=("title", "settings", "limit")), *notes]) + "\n"


def _width(text: str) -> int:
    """Columns `text` takes on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _aligned(headers: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[str]) -> list[str]:
    widths = [max([_width(h), *(_width(row[i]) for row in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell + " " * (w - _width(cell)) if h in left else " " * (w - _width(cell)) + cell
                  for cell, w, h in zip(cells, widths, headers, strict=True)]
        return "  ".join(padded).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]
