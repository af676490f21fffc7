"""The Textual app: composes the panes, routes keys, drives a run source and owns the drain timer."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, TabbedContent, TabPane, Tabs, TextArea

from fetchtui import collector
from fetchtui.core import registry
from fetchtui.core.checks import Check
from fetchtui.core.config import ConfigError, RunConfig
from fetchtui.core.events import Event
from fetchtui.core.export import ExportError, config_dict, write_csv, write_json
from fetchtui.core.history import History, RunRecord, list_key
from fetchtui.core.interpreter import InterpreterError
from fetchtui.core.runs.replay import Recording, ReplaySources, list_text
from fetchtui.core.runs.source import RunSource, Sources
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import DEFAULT_SPEC, RequestSpec
from fetchtui.core.textsafe import safe_text
from fetchtui.tui.charts import Charts
from fetchtui.tui.commands import run_commands
from fetchtui.tui.diff_screen import DiffScreen
from fetchtui.tui.export_screen import ExportScreen
from fetchtui.tui.help_screen import HelpScreen
from fetchtui.tui.history_table import HistoryTable
from fetchtui.tui.models_screen import Cell, ModelsScreen
from fetchtui.tui.setup_pane import Setup, SetupPane, WorkersInput
from fetchtui.tui.stats_panel import StatsPanel, run_state
from fetchtui.tui.sweep_chart import SweepChart
from fetchtui.tui.thread_table import ThreadTable
from fetchtui.tui.timeline import Timeline, TimelinePane
from fetchtui.tui.url_table import UrlView

#: Frames per second of the drain timer. The workers run in a child process (FetchProcess),
#: so a frame costs them no GIL time. A frame costs ~13 ms of this process's CPU; 25 Hz keeps
#: the lag's p99 near 90 ms where 10/15/20 Hz gave 135/104/95 ms (bench/tui.py --hz, README).
FRAME_HZ = 25
#: Narrower than this, the setup pane gives way to the live view while a run runs: at 80
#: columns it left the live pane 30, and every ident and request was cut.
ROOMY_COLUMNS = 120
#: Below this many rows the setup pane's settings close up (no gutter), so all of them fit at 80x24.
ROOMY_ROWS = 34
#: The live pane's tabs (TabPane ids).
Tab = Literal["tab-threads", "tab-timeline", "tab-charts", "tab-urls", "tab-history", "tab-sweep"]
#: What ends the live monitor as ctrl+q does (a closed terminal or ssh session sends SIGHUP).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
SLOW_EVERY = 5  # timeline and charts: every 5th frame, 5 times a second
#: The actions that start a run (or a series of runs): none while one runs.
STARTS = frozenset({"start", "sweep", "compare", "compare_models"})
#: After SIGTERM or SIGHUP, the most the terminal's restoring may take before the process
#: exits regardless (a closed terminal once left fetchtui blocked in Textual's shutdown).
EXIT_GRACE_S = 3.0


class FetchApp(App[int]):
    """fetchtui's live monitor."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "fetchtui"
    # Every key here is one no widget of the app binds (Textual 8's TextArea takes ctrl+e,
    # ctrl+x, F6 and F7; Input takes ctrl+e and ctrl+x; Select and DataTable only arrows,
    # enter and space), so a focused widget keeps all of its own keys.
    BINDINGS = [
        # The footer lists these in this order, those that can act now only (check_action):
        # help first, then what steers a running run, then what starts one. At 80 columns
        # the first dozen fit.
        Binding("f1", "help", "Help", priority=True, tooltip="What the views show"),
        Binding("question_mark", "help", "Help", show=False),  # outside text fields: a URL has ?
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit at once, even mid-run"),
        # ctrl+c cancels only while a run is going and no text is selected (check_action):
        # otherwise it falls through to Textual's own ctrl+c (copy, or how to quit)
        Binding("ctrl+c", "interrupt", "Cancel", priority=True, tooltip="Cancel the running run"),
        Binding("ctrl+c", "help_quit", show=False, system=True),  # Textual's own, which ours hid
        # +/- step the workers from the live pane (here) or the workers field (WorkersInput):
        # the running pool's, and the next run's
        Binding("plus,equals_sign", "more_workers", "More", key_display="+",
                tooltip="One more worker (the running pool grows at once)"),
        Binding("minus", "fewer_workers", "Fewer", key_display="-",
                tooltip="One worker fewer (a worker leaves the running pool after its request)"),
        # p from the live pane: a letter the setup pane's fields type, so only there
        Binding("p", "pause", "Pause", tooltip="Hold new requests (those in flight finish), or go on"),
        Binding("ctrl+s", "start", "Start", priority=True, tooltip="Start (or re-run) the list"),
        Binding("ctrl+o", "export", "Export", priority=True, tooltip="Export the run to JSON/CSV"),
        Binding("ctrl+r", "sweep", "Sweep", priority=True, tooltip="Run the list at each sweep worker count"),
        Binding("ctrl+b", "compare", "Backends", priority=True, tooltip="Run the list on every backend"),
        # F5, not F6: the URL editor (TextArea) binds F6 to select a line
        Binding("f5", "compare_models", "Models", priority=True,
                tooltip="Run the list under each model and client you check"),
        # focus keys stay out of the footer (the help screen and the palette list them)
        Binding("ctrl+l", "focus_urls", "URLs", priority=True, show=False),
        Binding("f2", "focus_workers", "Workers", priority=True, show=False),
        Binding("ctrl+t", "focus_threads", "Threads", priority=True, show=False),
        Binding("f9", "show_tab('tab-timeline', 'timeline')", "Timeline", priority=True,
                tooltip="Show the thread timeline"),
        Binding("f8", "show_tab('tab-charts', 'charts')", "Charts", priority=True,
                tooltip="Show throughput and latency charts"),
        Binding("f3", "show_tab('tab-history', 'history')", "History", priority=True,
                tooltip="Show the run history"),
        Binding("f4", "show_tab('tab-sweep', 'sweep-chart')", "Chart", priority=True,
                tooltip="Show the sweep chart"),
        # ctrl+g: free in the editor and every field (TextArea takes ctrl+e/k/u/w/x/y/z, F6, F7)
        Binding("ctrl+g", "toggle_setup", "Setup", priority=True,
                tooltip="Show or hide the setup pane (it gives way to the live view during a run "
                        "on a narrow terminal)"),
    ]

    def __init__(self, text: str = "", config: RunConfig | None = None, *, start: bool = False,
                 sources: Sources | None = None, history: History | None = None,
                 request: RequestSpec = DEFAULT_SPEC, processes: int = 2,
                 checks: Sequence[Check] = ()) -> None:
        super().__init__()
        self.checks = tuple(checks)  # --check: shown live, judged at the end of every run
        self._text = text
        self.first_config = config or RunConfig()  # the setup pane starts from it
        self._processes = processes  # the processes field's count when the config runs one
        self._request = request  # the command line's -X/-H/-d: every line's unless it says
        self._start_now = start
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
        self._queued: list[Setup] = []  # the rest of a sweep or backend comparison
        self._series: list[RunRecord] = []  # the runs of the current sweep, for the chart
        self._recorded = True
        self._ending = False
        self._frames = 0
        self._setup: Setup | None = None  # what the current run was started with
        self._setups: dict[int, Setup] = {}  # history run number -> its setup, for re-runs
        self._hold = False  # the pause key's last ask for the running run
        self._unstarted: RunSource | None = None  # opened, its view being laid out, not started

    # -- layout -----------------------------------------------------------------------
    @classmethod
    def replaying(cls, recording: Recording, origin: str, *, speed: float | None = None,
                  history: History | None = None) -> FetchApp:
        """The app showing an exported run: its list, its settings, played back as it ran."""
        app = cls(list_text(recording.targets), recording.config, start=True,
                  sources=ReplaySources(recording, speed), history=history)
        app.replay_of = origin
        return app

    def compose(self) -> ComposeResult:
        yield SetupPane(self._text, self.first_config, self._request, processes=self._processes,
                        sends=self.replay_of is None, id="setup")
        with Vertical(id="live"):
            yield StatsPanel(id="stats")
            with TabbedContent(id="tabs"):
                with TabPane("Threads", id="tab-threads"):
                    yield ThreadTable(id="threads")
                with TabPane("Timeline", id="tab-timeline"):
                    yield TimelinePane()
                with TabPane("Charts", id="tab-charts"):
                    yield Charts(id="charts")
                with TabPane("URLs", id="tab-urls"):
                    yield UrlView(id="urls-view")
                with TabPane("History", id="tab-history"):
                    yield HistoryTable(id="history")
                with TabPane("Sweep", id="tab-sweep"):
                    yield SweepChart(id="sweep-chart")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < ROOMY_ROWS, "-short")

    def on_mount(self) -> None:
        self.set_class(self.size.height < ROOMY_ROWS, "-short")
        self.query_one("#setup").border_title = "setup"
        self.query_one("#live").border_title = (
            "live: requests in flight, by thread" if self.replay_of is None
            else safe_text(f"replay of {self.replay_of}: the requests by thread"))
        self.query_one(StatsPanel).show(None, "idle")
        self._timer = self.set_interval(1 / FRAME_HZ, self._frame, pause=True)
        self.history.load()  # runs of earlier launches, with their speedups
        self.query_one(HistoryTable).show(self.history)
        if self.history.problem:
            self.notify(safe_text(self.history.problem), title="History", severity="warning", markup=False)
        self._warm()
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for signum in STOP_SIGNALS:  # the loop runs them: never inside a half-drawn frame
                loop.add_signal_handler(signum, self._stop_signal, signum)
        self.call_after_refresh(collector.release)  # the command's start-up ends with the first paint
        if self._start_now:
            self.call_after_refresh(self.action_start)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from run_commands(self)

    @property
    def running(self) -> bool:
        return self.stats is not None and not self.stats.ended

    # -- actions ----------------------------------------------------------------------
    def action_start(self) -> None:
        self._start_series(lambda setup: [setup])

    def action_sweep(self) -> None:
        series = self.query_one(SetupPane).read_series()
        if isinstance(series, str):
            self.notify(series, title="Cannot sweep", severity="error", markup=False)
            return
        def sweep(setup: Setup) -> list[Setup]:
            if setup.config.stages:
                raise ConfigError("stages step the workers in one run already: clear them "
                                  "(the duration field) to sweep")
            return [setup.but(workers=w) for w in series]

        self._start_series(sweep)

    def action_compare_models(self) -> None:
        """F5: pick (model, client) pairs, then run the list under each, one after another."""
        if self.running:
            self.notify("A run is in progress: ctrl+c cancels it.", severity="warning")
            return
        pane = self.query_one(SetupPane)
        setup = pane.read()
        if isinstance(setup, str):
            self.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        processes = pane.default_processes  # the field's count, whichever model is selected
        self.push_screen(ModelsScreen(setup.config.workers, processes, pythons=pane.pythons,
                                      python=setup.config.python),
                         lambda cells: self._compare_models(cells, processes))

    def _compare_models(self, cells: list[Cell] | None, processes: int) -> None:
        if cells:
            self._start_series(lambda setup: [
                setup.but(model=model, backend=backend, python=python,
                          processes=registry.processes_for(model, processes))
                for model, backend, python in cells])

    def action_compare(self) -> None:
        def backends(setup: Setup) -> list[Setup]:
            model = setup.config.model
            runs = registry.http2_clients(model) if setup.config.limits.http2 \
                else registry.client_names(model)
            return [setup.but(backend=b) for b in runs]

        self._start_series(backends)

    def _start_series(self, plan: Callable[[Setup], list[Setup]]) -> None:
        """Run one setup after another (a sweep, a backend comparison, or just one run)."""
        if self.running:
            self.notify("A run is in progress: ctrl+c cancels it.", severity="warning")
            return
        setup = self.query_one(SetupPane).read()
        if isinstance(setup, str):
            self.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        try:
            first, *rest = plan(setup)
        except ConfigError as exc:  # e.g. --http2 with a model whose client cannot speak it
            self.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        self._series, self._queued = [], rest
        self.start_run(first)

    def start_run(self, setup: Setup) -> None:
        try:
            self.source = self.sources.open(setup.targets, setup.config)
        except InterpreterError as exc:  # a Python of the setup pane that cannot run fetchtui
            self._queued = []
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
        self.query_one(StatsPanel).styles.height = 8 if self.checks else 7  # a line of checks
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "interrupt":  # false: the key goes on to Textual's own ctrl+c
            return self.running and not self._text_selected()
        if action in STARTS:  # one run at a time: the footer leaves them out while one runs
            return not self.running
        if action == "export":
            return self.stats is not None and self.stats.ended
        if action in ("more_workers", "fewer_workers", "pause"):
            in_live = self.focused is None or self.query_one("#live") in self.focused.ancestors_with_self
            if action == "pause":  # shown only while it can do something
                return in_live and self.running and self.replay_of is None
            return in_live
        return True

    def _text_selected(self) -> bool:
        focused = self.focused
        if isinstance(focused, (TextArea, Input)):
            return not focused.selection.is_empty
        return bool(self.screen.get_selected_text())

    def action_interrupt(self) -> None:
        """ctrl+c while a run is going: cancel it, as oha, hey and k6 do."""
        self.action_cancel()

    def action_cancel(self) -> None:
        self._queued.clear()  # a cancel ends the whole sweep, not just this run
        if self.source is not None and self.running:
            self.source.cancel()
            self._frame()

    def action_more_workers(self) -> None:
        self.query_one(SetupPane).change_workers(+1)
        self.resize_running()

    def action_fewer_workers(self) -> None:
        self.query_one(SetupPane).change_workers(-1)
        self.resize_running()

    def on_workers_input_step(self, event: WorkersInput.Step) -> None:
        """+/- in the workers field: the pane has stepped it (the message bubbles on to here)."""
        self.resize_running()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "workers":  # a count typed, then enter: the running pool takes it
            self.resize_running()

    def resize_running(self) -> None:
        """Give the running pool the setup pane's worker count (per process under processes)."""
        if not self.running or self.source is None or self.config is None:
            return
        if self.config.stages:
            self.notify("--stages sets the pool's size in this run", severity="warning")
            return
        workers = self.query_one(SetupPane).worker_count
        if self.source.resize(workers):
            self._frame()
        elif self.source.replayed:
            self.notify("a replay shows a run as it was: its pool cannot be resized",
                        severity="warning")

    def action_pause(self) -> None:
        """Hold new requests, or let them go again (the stats line says paused)."""
        if self.source is not None and self.running:
            # what was asked, not what the stats say yet: the child's answer takes a few ms
            self._hold = not self._hold
            self.source.pause(self._hold)
            self._frame()

    def action_toggle_setup(self) -> None:
        self.show_setup(not self.query_one(SetupPane).display)

    def show_setup(self, shown: bool) -> None:
        """Show or hide the setup pane; a hidden pane's focus moves to the live table, so no
        key goes to a field nobody can see."""
        pane = self.query_one(SetupPane)
        if pane.display == shown:
            return
        if not shown and self.focused is not None and pane in self.focused.ancestors_with_self:
            self.query_one(ThreadTable).focus()
        pane.display = shown

    def action_focus_urls(self) -> None:
        self.show_setup(True)
        self.query_one("#urls", TextArea).focus()

    def action_focus_workers(self) -> None:
        self.show_setup(True)
        self.query_one("#workers", Input).focus()

    def action_focus_threads(self) -> None:
        self.action_show_tab("tab-threads", "threads")

    def action_show_tab(self, tab: Tab, widget: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        target = self.query_one(f"#{widget}")
        (target if target.can_focus else tabs.query_one(Tabs)).focus()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.stats, self.history.runs))

    def action_export(self) -> None:
        if self.stats is None or not self.stats.ended:
            self.notify("Nothing to export yet: export works once a run has ended.",
                        severity="warning")
            return
        self.push_screen(ExportScreen("fetchtui-run.json"), self._export_to)

    def _export_to(self, path: str | None) -> None:
        if not path or self.stats is None or self.config is None:
            return
        self.stats.summary()  # its one-off work happens here, not beside the export's thread
        self._export(self.stats, config_dict(self.config, self.stats.total), path)

    @work(thread=True, exclusive=True, group="export")
    def _export(self, stats: RunStats, config: dict[str, Any], path: str) -> None:
        """Write off the UI thread: a million-request export takes most of a second. An ended
        run's stats no longer change, so the thread reads them as they are on screen."""
        try:
            if Path(path).suffix.lower() == ".csv":
                written = write_csv(stats, path)
            else:
                written = write_json(stats, config, path)
        except ExportError as exc:  # the run stays on screen; try another path
            self.call_from_thread(self.notify, safe_text(str(exc)), title="Export failed",
                                  severity="error", markup=False)
            return
        self.call_from_thread(self.notify, safe_text(f"wrote {written}"), title="Exported", markup=False)

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

    # -- the drain timer --------------------------------------------------------------
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

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._slow_views()

    def on_thread_table_selected(self, event: ThreadTable.Selected) -> None:
        """A clicked thread group is the lane the timeline selects too."""
        self.query_one(Timeline).select_thread(event.ident)

    def on_history_table_compare(self, event: HistoryTable.Compare) -> None:
        """Two marked history rows: each figure of the second against the first, in a dialog."""
        from fetchtui.core import diff

        runs = self.history.runs
        if not (0 <= event.a < len(runs) and 0 <= event.b < len(runs)):
            return
        a, b = runs[event.a], runs[event.b]
        sides = [diff.from_history(r.summary, r.number) for r in (a, b)]
        self.push_screen(DiffScreen(sides[0].name, sides[1].name, diff.diff(*sides)))

    def on_history_table_rerun(self, event: HistoryTable.Rerun) -> None:
        """Enter or a double click on a history row runs that run again (same list, workers
        and backend)."""
        if self.running or not 0 <= event.row < len(self.history.runs):
            return
        record = self.history.runs[event.row]
        setup = self._setups.get(record.number)
        if setup is None:
            self.notify(f"run #{record.number} is from an earlier launch: its figures are kept, "
                        "its list is not", title="Cannot re-run", severity="warning")
        else:
            self.query_one(SetupPane).worker_count = setup.config.workers
            self._series, self._queued = [], []
            self.start_run(setup)
            self.notify(f"re-running run #{record.number}")

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
        if self._setup is not None:
            self._setups[record.number] = self._setup
        self.query_one(HistoryTable).show(self.history)
        if self._queued or self._series:
            self._series.append(record)
            self.query_one(SweepChart).show(self.history, self._series)
        if self._queued:
            self.start_run(self._queued.pop(0))
        elif self.size.width >= ROOMY_COLUMNS:
            self.show_setup(True)  # the run is over: the next experiment starts there
        # on a narrow terminal the results keep the screen until ctrl+g asks for the setup pane

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
