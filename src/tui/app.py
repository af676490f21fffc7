"""The Textual app: what is app-wide only (styles, palette, the run's close-out, exit code, signals, GC)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widget import AwaitMount

from fetchtui import collector
from fetchtui.core.history.records import History
from fetchtui.core.input.config import DEFAULT_SERIES, RunConfig
from fetchtui.core.input.targets import DEFAULT_SPEC, RequestSpec
from fetchtui.core.lessons.progress import LessonPlan
from fetchtui.core.report.checks import Check
from fetchtui.core.runs.replay import Recording, ReplaySources, list_text
from fetchtui.core.runs.source import RunSource, Sources
from fetchtui.core.stats import RunStats
from fetchtui.tui.commands import run_commands
from fetchtui.tui.live_run import LiveRun
from fetchtui.tui.screens.main import MainScreen

#: What ends the live monitor as ctrl+q does (a closed terminal or ssh session sends SIGHUP).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
#: After SIGTERM or SIGHUP, the most the terminal's restoring may take before the process
#: exits regardless (a closed terminal once left fetchtui blocked in Textual's shutdown).
EXIT_GRACE_S = 3.0


class FetchApp(App[int]):
    """fetchtui's live monitor. The app holds what is app-wide: the styles, the palette's
    commands, the run (LiveRun: closed out and recorded whatever ends the app), the exit code,
    the signals that end it and the collector's policy. The main screen composes and binds keys."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "fetchtui"
    main: MainScreen  # the default screen, made when the app starts (get_default_screen)

    def __init__(self, text: str = "", config: RunConfig | None = None, *, start: bool = False,
                 sources: Sources | None = None, history: History | None = None,
                 request: RequestSpec = DEFAULT_SPEC, processes: int = 2,
                 checks: Sequence[Check] = (), series: Sequence[int] = DEFAULT_SERIES,
                 lesson: LessonPlan | None = None, trace_events: str | None = None) -> None:
        super().__init__()
        if sources is None:
            from fetchtui.core.runs.child import FetchProcesses

            sources = FetchProcesses()  # the pool lives in a child: frames never take its GIL
        self.sources = sources
        self.history = history if history is not None else History()
        self.live_run = LiveRun(sources, self.history, checks, trace_events)
        self.replay_of: str | None = None  # the export this app plays back, if it does
        self._text = text
        self._config = config or RunConfig()  # the setup pane starts from it
        self._processes = processes  # the processes field's count when the config runs one
        self._request = request  # the command line's -X/-H/-d: every line's unless it says
        self._start_now = start
        self._series = tuple(series)  # the sweep field's worker counts
        self._lesson = lesson  # `fetchtui lesson`: its pane in the setup pane's place

    @classmethod
    def replaying(cls, recording: Recording, origin: str, *, speed: float | None = None,
                  history: History | None = None) -> FetchApp:
        """The app showing an exported run: its list, its settings, played back as it ran."""
        app = cls(list_text(recording.targets), recording.config, start=True,
                  sources=ReplaySources(recording, speed), history=history)
        app.replay_of = origin
        return app

    # -- the run, as the app's callers and tests read it ---------------------------------
    @property
    def stats(self) -> RunStats | None:
        return self.live_run.stats

    @property
    def config(self) -> RunConfig | None:
        return self.live_run.config

    @property
    def source(self) -> RunSource | None:
        return self.live_run.source

    @property
    def running(self) -> bool:
        return self.live_run.running

    # -- screens and commands ------------------------------------------------------------
    def get_default_screen(self) -> MainScreen:
        self.main = MainScreen(self.live_run, self._text, self._config, self._request,
                               self._processes, start=self._start_now, replay_of=self.replay_of,
                               series=self._series, lesson=self._lesson)
        return self.main

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from run_commands(self.main)

    # -- the process: start-up, collections, signals, the way out ------------------------
    async def on_mount(self) -> None:
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for signum in STOP_SIGNALS:  # the loop runs them: never inside a half-drawn frame
                loop.add_signal_handler(signum, self._stop_signal, signum)
        self.call_after_refresh(collector.release)  # the command's start-up ends with the first paint
        # The app is ready (run_test hands over its pilot) once its main screen is composed
        # and mounted, as it was when the app composed the panes itself.
        await AwaitMount(self.main, [self.main])

    def settle_heap(self) -> None:
        """Before a run's first event. A full collection walks every object Textual holds:
        40-60 ms, a frame's worth of lag when it struck mid-run. Do it now, and freeze what
        survives, so the run's own collections only walk what the run creates."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    async def action_quit(self) -> None:
        self.close_out()
        self.exit(0)

    def on_unmount(self) -> None:
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for signum in STOP_SIGNALS:
                loop.remove_signal_handler(signum)
        self.shutdown_sources()

    def final_stats(self) -> RunStats | None:
        """The last run as it ended, its close-out folded (the summary printed after quitting)."""
        return self.live_run.final_stats()

    def close_out(self) -> None:
        """Before the app goes (ctrl+q, SIGTERM, SIGHUP, a lost terminal): cut the run off,
        fold its close-out and record it; never waits on the network."""
        self.live_run.close_out()

    def shutdown_sources(self) -> None:
        """Cut every run off (a fetch process is killed, its sockets close with it); never waits."""
        self.live_run.shutdown()

    def _stop_signal(self, signum: int) -> None:
        """SIGTERM or SIGHUP: end as ctrl+q does, and exit 128+N once the terminal is restored.
        The run is recorded first; if restoring the terminal then hangs (Textual's writer
        thread can block for good on a terminal that is gone), the process exits anyway."""
        self.close_out()
        guard = threading.Timer(EXIT_GRACE_S, os._exit, (128 + signum,))
        guard.daemon = True  # a normal exit does not wait for it
        guard.start()
        self.exit(128 + signum)
