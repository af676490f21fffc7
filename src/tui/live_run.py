"""The live monitor's run: one source at a time, drained and folded by a frame timer, then recorded."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Sequence

from textual.app import App
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import TabbedContent

from fetchtui.core import registry
from fetchtui.core.checks import Check
from fetchtui.core.config import RunConfig
from fetchtui.core.events import Event
from fetchtui.core.history import History, RunRecord, list_key
from fetchtui.core.interpreter import InterpreterError
from fetchtui.core.runs.source import RunSource, Sources
from fetchtui.core.stats import RunStats
from fetchtui.core.textsafe import safe_text
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.setup_pane import Setup, SetupPane
from fetchtui.tui.widgets.stats_panel import StatsPanel, run_state
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline
from fetchtui.tui.widgets.url_table import UrlView

#: Frames per second of the drain timer. The workers run in a child process (FetchProcess),
#: so a frame costs them no GIL time. A frame costs ~13 ms of this process's CPU; 25 Hz keeps
#: the lag's p99 near 90 ms where 10/15/20 Hz gave 135/104/95 ms (bench/tui.py --hz, README).
FRAME_HZ = 25
#: Narrower than this, the setup pane gives way to the live view while a run runs: at 80
#: columns it left the live pane 30, and every ident and request was cut.
ROOMY_COLUMNS = 120
#: What ends the live monitor as ctrl+q does (a closed terminal or ssh session sends SIGHUP).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
SLOW_EVERY = 5  # timeline and charts: every 5th frame, 5 times a second
#: After SIGTERM or SIGHUP, the most the terminal's restoring may take before the process
#: exits regardless (a closed terminal once left fetchtui blocked in Textual's shutdown).
EXIT_GRACE_S = 3.0


class LiveRunApp(App[int]):
    """The app-wide run: a source opened from a setup and started once its view is laid out,
    its events folded a frame at a time, its end recorded; the signals that end it."""

    def __init__(self, config: RunConfig | None, sources: Sources | None, history: History | None,
                 checks: Sequence[Check]) -> None:
        super().__init__()
        self.checks = tuple(checks)  # --check: shown live, judged at the end of every run
        self.first_config = config or RunConfig()  # the setup pane starts from it
        if sources is None:
            from fetchtui.core.runs.child import FetchProcesses

            sources = FetchProcesses()  # the pool lives in a child: frames never take its GIL
        self.sources = sources
        self.source: RunSource | None = None
        self.replay_of: str | None = None  # the export this app plays back, if it does
        self.stats: RunStats | None = None
        self.config: RunConfig | None = None
        self._timer: Timer | None = None
        self.drawing = False  # the drain timer runs: only while a run is live
        self.history = history if history is not None else History()
        self._recorded = True
        self._ending = False
        self._frames = 0
        self._setup: Setup | None = None  # what the current run was started with
        self._hold = False  # the pause key's last ask for the running run
        self._unstarted: RunSource | None = None  # opened, its view being laid out, not started

    @property
    def running(self) -> bool:
        return self.stats is not None and not self.stats.ended

    def start_run(self, setup: Setup) -> None:
        try:
            self.source = self.sources.open(setup.targets, setup.config)
        except InterpreterError as exc:  # a Python of the setup pane that cannot run fetchtui
            self.end_series()
            self.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        self.config = self.source.config
        self.stats = RunStats(self.source.targets, self.checks)
        self._setup = setup
        self._recorded = False
        self._ending = False  # its end is shown, its recording to come (after that frame's paint)
        self._hold = False
        self.refresh_bindings()  # the footer offers pause while a run runs
        self.query_one(ThreadTable).show(self.stats, self.config.concurrency)
        self.query_one(Timeline).show(self.stats)
        panel = self.query_one(StatsPanel)
        panel.styles.height = 8 if self.checks else 7  # a line of checks
        panel.workers_are = registry.MODELS[self.config.model].workers_are
        if self.replay_of is None:  # asyncio's tasks share one thread: the title says what a group is
            self.query_one("#live").border_title = f"live: requests in flight, by {panel.workers_are[:-1]}"
        # A full collection walks every object Textual holds: 40-60 ms, a frame's worth of lag
        # when it struck mid-run. Do it now, before the first event, and freeze what survives
        # so the run's own collections only walk what the run creates.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        if self.size.width < ROOMY_COLUMNS:
            self.show_setup(False)
        elif self.focused is not None and self.focused.id == "urls":
            # the run is what to watch now, and +, - and p are its keys: in the editor they type
            self.query_one(ThreadTable).focus()
        # The view's changes above lay the screen out again (the footer, the table's room, the
        # panel's height: three layouts, 70-90 ms at 200x50). The run starts once they are
        # painted, so its first frames and its fetch process do not share the CPU with them.
        self._unstarted = self.source
        # the footer recomposes after the first refresh and mounts its keys; the second one lays them out
        source = self.source
        self.call_after_refresh(lambda: self.call_after_refresh(self._go, source))

    def _go(self, source: RunSource) -> None:
        """Start a run whose view is laid out; one cancelled (or quit) meanwhile ends unstarted."""
        if self._unstarted is not source:
            return
        self._unstarted = None
        if self._timer is not None:
            self._timer.resume()  # before the first frame: a run that ends in it pauses it for good
            self.drawing = True
        if source.cancelled:  # every request cancelled, none sent
            source.ledger.close_out()
        else:
            source.start()
        self._frame()

    def action_interrupt(self) -> None:
        """ctrl+c while a run is going: cancel it, as oha, hey and k6 do."""
        self.action_cancel()

    def action_cancel(self) -> None:
        self.end_series()  # a cancel ends the whole sweep, not just this run
        if self.source is not None and self.running:
            self.source.cancel()
            self._frame()

    def show_setup(self, shown: bool) -> None:
        """Show or hide the setup pane; a hidden pane's focus moves to the live table, so no
        key goes to a field nobody can see."""
        pane = self.query_one(SetupPane)
        if pane.display == shown:
            return
        if not shown and self.focused is not None and pane in self.focused.ancestors_with_self:
            self.query_one(ThreadTable).focus()
        pane.display = shown

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
        if self.source is None or self.stats is None:
            return None
        self.shutdown_sources()
        give_up = time.monotonic() + 2.0  # a killed fetch process's close-out comes at once
        while not self.stats.ended and time.monotonic() < give_up:
            self.fold(self.source.drain(0.05))
        return self.stats

    def _warm(self) -> None:
        """A fetch process on the run's Python imports while the user edits (the first run
        starts at once); one that cannot run fetchtui is said when a run is started on it."""
        with contextlib.suppress(InterpreterError):
            self.sources.warm(self.first_config.python)

    def shutdown_sources(self) -> None:
        """Cut every run off (a fetch process is killed, its sockets close with it); never waits."""
        if self._unstarted is not None:  # it never reached its fetch process: it ends here
            self._unstarted.ledger.close_out()
            self._unstarted = None
        if self.source is not None:
            self.source.close()
        self.sources.close()

    def _frame(self) -> None:
        if self.source is None or self.stats is None:
            return
        self.fold(self.source.drain())
        now = self.source.now_ns()
        stats = self.stats
        try:
            table, panel = self.query_one(ThreadTable), self.query_one(StatsPanel)
        except NoMatches:  # the app is closing: its widgets are gone before its timer
            return
        table.update_frame(now)
        panel.show(stats, run_state(stats), now)
        self._frames += 1
        if self._frames % SLOW_EVERY == 0 or stats.ended:
            self._slow_views(now)
        if stats.ended and not self._recorded and not self._ending:
            # the frame that shows the end is painted first; recording the run (the history's
            # file, the footer, the setup pane's return: ~60 ms) comes after, not in its lag
            self._ending = True
            if self._timer is not None:
                self._timer.pause()
                self.drawing = False
            self.call_after_refresh(self._run_ended)

    def _slow_views(self, now_ns: int | None = None) -> None:
        """Timeline and charts redraw the whole run: a few times a second, and only if shown."""
        if now_ns is None and self.source is not None:
            now_ns = self.source.now_ns()
        active = self.query_one(TabbedContent).active
        if active == "tab-timeline":
            self.query_one(Timeline).update_view(now_ns)
        elif active == "tab-charts":
            self.query_one(Charts).show(self.stats, now_ns)
        elif active == "tab-urls":
            self.query_one(UrlView).show(self.stats)

    def _record(self) -> RunRecord:
        """The ended run into the history (a replay is shown, not recorded again)."""
        assert self.source is not None and self.stats is not None and self.config is not None
        self._recorded = True
        return self.history.add(self.config, list_key(self.stats.targets), self.stats.summary(),
                                on_disk=not self.source.replayed)

    def close_out(self) -> None:
        """Before the app goes (ctrl+q, SIGTERM, SIGHUP, a lost terminal): cut the run off,
        fold its close-out and record it, as a run that ended would be; never waits on the network."""
        stats = self.final_stats()
        if stats is not None and stats.ended and not self._recorded:
            self._record()

    def _stop_signal(self, signum: int) -> None:
        """SIGTERM or SIGHUP: end as ctrl+q does, and exit 128+N once the terminal is restored.
        The run is recorded first; if restoring the terminal then hangs (Textual's writer
        thread can block for good on a terminal that is gone), the process exits anyway."""
        self.close_out()
        guard = threading.Timer(EXIT_GRACE_S, os._exit, (128 + signum,))
        guard.daemon = True  # a normal exit does not wait for it
        guard.start()
        self.exit(128 + signum)

    def fold(self, batch: list[Event]) -> None:
        """Fold one frame's events into the stats model (a hook for the lag benchmark)."""
        if self.stats is not None:
            self.stats.apply(batch)

    def _run_ended(self) -> None:
        """Record the run, redraw history and chart (once per run), start what is queued."""
        assert self.source is not None and self.stats is not None and self.config is not None
        self._ending = False
        if self._recorded:  # a quit came first, and its close-out recorded the run
            return
        self._recorded = True
        self.refresh_bindings()
        if self.source.lost:
            # longer than a toast's 5 s: why a run was lost must not slip by unread
            self.notify(safe_text(self.source.lost), title="Run cut short", severity="error",
                        markup=False, timeout=15)
        problem = self.history.problem
        record = self._record()
        if self.history.problem != problem and self.history.problem:
            self.notify(safe_text(self.history.problem), title="History", severity="warning", markup=False)
        self.query_one(HistoryTable).show(self.history)
        self.after_run(record)

    def end_series(self) -> None:
        """Nothing more of a series runs after this run (SeriesApp holds the series)."""

    def after_run(self, record: RunRecord) -> None:
        """What follows a recorded run (SeriesApp starts the next of a series)."""
        if self.size.width >= ROOMY_COLUMNS:
            self.show_setup(True)  # the run is over: the next experiment starts there
        # on a narrow terminal the results keep the screen until ctrl+g asks for the setup pane
