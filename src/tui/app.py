"""The Textual app: composes the panes, routes keys, drives a run source and owns the drain timer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, TabbedContent, TabPane, Tabs, TextArea

from fetchtui import collector
from fetchtui.core.checks import Check
from fetchtui.core.config import RunConfig
from fetchtui.core.export import ExportError, config_dict, write_csv, write_json
from fetchtui.core.history import History
from fetchtui.core.runs.replay import Recording, ReplaySources, list_text
from fetchtui.core.runs.source import Sources
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import DEFAULT_SPEC, RequestSpec
from fetchtui.core.textsafe import safe_text
from fetchtui.tui.commands import run_commands
from fetchtui.tui.live_run import FRAME_HZ, STOP_SIGNALS
from fetchtui.tui.screens.export_screen import ExportScreen
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.series import SeriesApp
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.setup_pane import SetupPane, WorkersInput
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.sweep_chart import SweepChart
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline, TimelinePane
from fetchtui.tui.widgets.url_table import UrlView

#: Below this many rows the setup pane's settings close up (no gutter), so all of them fit at 80x24.
ROOMY_ROWS = 34
#: The live pane's tabs (TabPane ids).
Tab = Literal["tab-threads", "tab-timeline", "tab-charts", "tab-urls", "tab-history", "tab-sweep"]
#: The actions that start a run (or a series of runs): none while one runs.
STARTS = frozenset({"start", "sweep", "compare", "compare_models"})


class FetchApp(SeriesApp):
    """fetchtui's live monitor: the panes, the keys, the views (the run: LiveRunApp, a series
    of runs: SeriesApp)."""

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
        super().__init__(config, sources, history, checks)
        self._text = text
        self._processes = processes  # the processes field's count when the config runs one
        self._request = request  # the command line's -X/-H/-d: every line's unless it says
        self._start_now = start

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

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._slow_views()

    def on_thread_table_selected(self, event: ThreadTable.Selected) -> None:
        """A clicked thread group is the lane the timeline selects too."""
        self.query_one(Timeline).select_thread(event.ident)
