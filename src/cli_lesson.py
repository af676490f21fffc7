"""`fetchtui lesson`: a lesson's steps read by the run command's own parser (so a step's flags
mean what they mean on the command line), listed, or run headless one after another."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fetchtui.cli import _Parser, build_step_parser
from fetchtui.cli_input import fail, read_list, request_spec, run_config, targets_or_exit
from fetchtui.core.lessons.builtin import BUILTIN, DEFAULT, builtin, builtin_text, lang_of
from fetchtui.core.lessons.format import LANGS, Lesson, LessonError, Step, parse_lesson
from fetchtui.core.lessons.progress import LessonPlan

if TYPE_CHECKING:
    from fetchtui.core.input.config import RunConfig
    from fetchtui.core.input.targets import Target

MAX_LESSON_BYTES = 1 << 20
#: Where a step's `{demo}` points while its settings are checked, before the server starts.
STAND_IN = "http://127.0.0.1:8765"


@dataclass(frozen=True, slots=True)
class _Demo:
    """The demo server as the run's config knows it: its base URL (requests to it go direct)."""

    url: str


def build_lesson_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fetchtui lesson",
        description="The seed's lesson, step by step, on real requests to the built-in demo "
                    "server: threads, the GIL, sessions, processes, asyncio, curl-multi, no GIL. "
                    "FILE is a lesson of your own (docs/lessons.md) or a built-in one's name.",
        epilog="exit status: 0 every step ran and every request was ok, 1 some failed, 2 bad input")
    parser.add_argument("file", nargs="?", metavar="FILE",
                        help=f"a lesson file (Markdown), or a built-in lesson (default {DEFAULT})")
    parser.add_argument("--lang", choices=LANGS,
                        help="the built-in lesson's language (default: from LC_ALL, LC_MESSAGES or "
                             "LANG: ko* is Korean, else English)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="name the built-in lessons")
    what.add_argument("--run", action="store_true",
                      help="run every step headless and print a table of what each measured")
    parser.add_argument("--json", metavar="PATH",
                        help="with --run: write the lesson's runs as JSON to PATH (- for stdout)")
    return parser


def cmd_lesson(argv: Sequence[str]) -> int:
    args = build_lesson_parser().parse_args(argv)
    if args.list:
        for name in BUILTIN:
            titles = "; ".join(f"{lang}: {builtin(name, lang).title}" for lang in LANGS)
            print(f"{name}  ({len(builtin(name, 'en').steps)} steps)  {titles}")
        return 0
    if args.json is not None and not args.run:
        fail("--json writes what --run measured: give --run too")
    lesson = load(args.file, lang_of(args.lang))
    try:
        for step in lesson.steps:  # every step's settings, before anything runs
            prepared(lesson, step, STAND_IN, sys.executable)
    except LessonError as exc:
        fail(str(exc))
    if not args.run:
        return open_lesson(lesson)
    if args.json is not None:
        from fetchtui.core.report.export import export_paths_problem

        problem = export_paths_problem(args.json, None)
        if problem is not None:
            fail(problem)
    from fetchtui.headless.lesson import run_lesson

    return run_lesson(lesson, lambda step, demo, python: prepared(lesson, step, demo, python),
                      json_path=args.json)


def lesson_plan(lesson: Lesson, demo: str, python: str | None) -> LessonPlan:
    """The lesson as the live monitor runs it: each step read by the CLI's own code, `{demo}`
    at `demo`, `{free-threaded}` as `python` (None: no such step can run here)."""
    return LessonPlan(lesson, lambda step: prepared(lesson, step, demo, python or sys.executable), python)


def open_lesson(lesson: Lesson) -> int:
    """The live monitor in lesson mode, against the demo server started for the lesson (in a
    process of its own, as `--run` has it); its runs are a class's, not the history file's."""
    os.environ.setdefault("TEXTUAL_FPS", "120")  # as cmd_tui: a frame reaches the terminal sooner
    from fetchtui.cli import _exit_code, _keys_from_the_terminal
    from fetchtui.core.history.records import History
    from fetchtui.core.lessons.demo_process import DemoProcess, DemoProcessError
    from fetchtui.core.lessons.pythons import free_threaded
    from fetchtui.tui.app import FetchApp

    _keys_from_the_terminal()
    python = free_threaded() if any(step.needs_free_threaded for step in lesson.steps) else None
    try:
        demo = DemoProcess()
    except (OSError, DemoProcessError) as exc:
        fail(str(exc))
    with demo:
        plan = lesson_plan(lesson, demo.url, python)
        first = plan.settings(lesson.steps[0])
        config = first[1] if not isinstance(first, str) else None
        app = FetchApp("", config, history=History(front_end="lesson"), lesson=plan)
        try:
            return _exit_code(app, app.run())
        finally:
            app.shutdown_sources()


def load(given: str | None, lang: str) -> Lesson:
    """The lesson FILE names (a path, or a built-in's name), in `lang` if it is built in."""
    try:
        if given is None or (given in BUILTIN and not os.path.exists(given)):
            return parse_lesson(builtin_text(given or DEFAULT, lang),
                                f"{given or DEFAULT}.{lang}.md (built in)", lang)
        with open(given, "rb") as handle:
            data = handle.read(MAX_LESSON_BYTES + 1)
    except OSError as exc:
        fail(f"cannot read {given}: {exc.strerror or exc}")
    except LessonError as exc:
        fail(str(exc))
    if len(data) > MAX_LESSON_BYTES:
        fail(f"{given}: a lesson is at most {MAX_LESSON_BYTES >> 20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{given} is not UTF-8 text (byte {exc.start})")
    try:
        return parse_lesson(text, given)
    except LessonError as exc:
        fail(str(exc))


_PREFIX = re.compile(r"^fetchtui(?: run)?: (?:error: )?")
_SEE_HELP = " (see fetchtui run --help)"


def prepared(lesson: Lesson, step: Step, demo: str, python: str | None) -> tuple[Sequence[Target], RunConfig]:
    """The step's list and config, read by the CLI's own code from its settings with `{demo}`
    at `demo` (and `{free-threaded}` as `python`); LessonError names the line of what is wrong."""
    words = step.words(demo, python)
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            args = build_step_parser().parse_args(words)
            source = read_list(args)
            spec = request_spec(args)
            server = _Demo(demo)
            targets = targets_or_exit(source, server if args.demo else None, spec)  # --demo: its list
            config = run_config(args, server)
    except SystemExit:
        message = _one_line(said.getvalue())
        raise LessonError(lesson.origin, step.line_of(message, words),
                          f"step {step.title!r}: {message}") from None
    return targets, config


def _one_line(said: str) -> str:
    """What the CLI printed as it refused, as one line: its prefixes and the --help pointer
    cut, a list's bad lines joined."""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    if len(lines) > 1 and "bad line(s)" in lines[0]:
        lines = [re.sub(r"^line \d+: ", "", line) for line in lines[1:]]
    text = "; ".join(_PREFIX.sub("", line).removesuffix(_SEE_HELP) for line in lines)
    return text or "its settings cannot be run"
