"""The main screen: composes the setup pane and the live views, and binds the keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, TabbedContent, TabPane, Tabs, TextArea

from fetchtui.core.input.config import DEFAULT_SERIES, RunConfig
from fetchtui.core.input.targets import RequestSpec
from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.lessons.progress import LessonPlan
from fetchtui.tui import series
from fetchtui.tui.live_run import LiveRun
from fetchtui.tui.screens.export_screen import ask_and_export
from fetchtui.tui.screens.help_screen import HelpScreen
from fetchtui.tui.screens.keys import KEYS
from fetchtui.tui.screens.run_view import ROOMY_COLUMNS, RunView
from fetchtui.tui.series import Series
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.lesson_pane import LessonPane
from fetchtui.tui.widgets.setup_pane import SetupPane, WorkersInput
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.sweep_chart import SweepChart
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline
from fetchtui.tui.widgets.timeline_pane import TimelinePane
from fetchtui.tui.widgets.url_table import UrlView

if TYPE_CHECKING:
    from fetchtui.tui.app import FetchApp

#: Below this many rows the setup pane's settings close up (no gutter), so all of them fit at 80x24.
ROOMY_ROWS = 34
#: How often the History tab, while shown, looks for runs other processes recorded.
HISTORY_LOOK_S = 2.0
#: The live pane's tabs (TabPane ids).
Tab = Literal["tab-threads", "tab-timeline", "tab-charts", "tab-urls", "tab-history", "tab-sweep"]


class MainScreen(Screen[None], inherit_bindings=False):
    """The setup pane beside the live views, and the keys. The run is the app's LiveRun, drawn
    by this screen's RunView (its frame timer); a series of runs is its Series."""

    BINDINGS = KEYS

    def __init__(self, live_run: LiveRun, text: str, config: RunConfig, request: RequestSpec,
                 processes: int, *, start: bool, replay_of: str | None,
                 series: tuple[int, ...] = DEFAULT_SERIES, lesson: LessonPlan | None = None) -> None:
        super().__init__()
        #: in `fetchtui lesson`, the lesson pane: in the setup pane's place, its step the run's
        self.lesson = LessonPane(lesson, id="lesson") if lesson is not None else None
        self.live_run = live_run
        self.run_view = RunView(self, live_run)
        self.series = Series(self)
        self.replay_of = replay_of  # the export this screen plays back, if it does
        self._text, self._config, self._request, self._processes = text, config, request, processes
        self._start_now = start
        self._series = series

    @property
    def fetch_app(self) -> FetchApp:
        return cast("FetchApp", self.app)

    def compose(self) -> ComposeResult:
        if self.lesson is not None:
            yield self.lesson
        yield SetupPane(self._text, self._config, self._request, processes=self._processes,
                        sends=self.replay_of is None, series=self._series, id="setup")
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
        self._fit(event.size.width, event.size.height)

    def on_screen_resume(self) -> None:
        """Back from a dialog: a terminal resized under it sent this screen no Resize."""
        self._fit(self.app.size.width, self.app.size.height)

    @property
    def narrow(self) -> bool:
        """Too narrow for the setup pane beside the live view: one of them takes the screen."""
        return self.app.size.width < ROOMY_COLUMNS

    def _fit(self, width: int, height: int) -> None:
        self.set_class(height < ROOMY_ROWS, "-short")
        self.set_class(width < ROOMY_COLUMNS, "-narrow")
        pane = self.side
        if width < ROOMY_COLUMNS and pane.display and self.query_one("#live").display:
            # both shown, now too narrow for both: the run's views if there is a run to see
            self.show_setup(self.live_run.stats is None)
        else:
            self.show_setup(bool(pane.display), force=True)

    def on_mount(self) -> None:
        self._fit(self.app.size.width, self.app.size.height)
        if self.narrow and self._start_now:  # a run (a replay, the demo) opens on its views
            self.show_setup(False)
        self.query_one("#setup").border_title = "setup"
        self.query_one("#live").border_title = (
            "live: requests in flight, by thread" if self.replay_of is None
            else safe_text(f"replay of {self.replay_of}: the requests by thread"))
        self.query_one(StatsPanel).show(None, "idle")
        self.run_view.mount()
        history = self.live_run.history
        history.load()  # runs of earlier launches, with their speedups
        self.query_one(HistoryTable).show(history)
        if history.problem:
            self.notify(safe_text(history.problem), title="History", severity="warning", markup=False)
        self.set_interval(HISTORY_LOOK_S, self.refresh_history)
        self.live_run.warm(self._config.python)
        if self._start_now:
            self.call_after_refresh(self.action_start)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        run = self.live_run
        if action == "interrupt":  # false: the key goes on to Textual's own ctrl+c
            return run.running and not self._text_selected()
        if action in ("more_workers", "fewer_workers", "pause"):
            in_live = self.focused is None or self.query_one("#live") in self.focused.ancestors_with_self
            return in_live and self.can_act(action)
        return self.can_act(action)

    def can_act(self, action: str) -> bool:
        """Whether the action can do something now, wherever the focus is (the palette asks)."""
        run = self.live_run
        if action in ("start", "sweep", "compare", "compare_models"):
            return not run.running  # one run at a time: the footer leaves them out while one runs
        if action == "cancel":
            return run.running
        if action == "export":
            return run.stats is not None and run.stats.ended
        if action == "pause":  # shown only while it can do something
            return run.running and self.replay_of is None
        if action in ("step", "focus_urls", "focus_workers"):  # a lesson's pane is in the setup pane's place
            return (self.lesson is not None) == (action == "step")
        return True

    def _text_selected(self) -> bool:
        focused = self.focused
        return not focused.selection.is_empty if isinstance(focused, (TextArea, Input)) \
            else bool(self.get_selected_text())

    # -- steering the running run --------------------------------------------------------
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
        resized = self.live_run.resize(self.query_one(SetupPane).worker_count)
        if isinstance(resized, str):
            self.notify(resized, severity="warning")
        elif resized:
            self.run_view.frame()

    def action_pause(self) -> None:
        """Hold new requests, or let them go again (the stats line says paused)."""
        if self.live_run.pause():
            self.run_view.frame()

    def action_interrupt(self) -> None:
        """ctrl+c while a run is going: cancel it, as oha, hey and k6 do."""
        self.action_cancel()

    def action_cancel(self) -> None:
        self.series.end()  # a cancel ends the whole sweep, not just this run
        if self.live_run.cancel():
            self.run_view.frame()

    # -- starting runs -------------------------------------------------------------------
    def action_start(self) -> None:
        self.series.start(series.one)

    def action_sweep(self) -> None:
        self.series.sweep()

    def action_compare(self) -> None:
        self.series.start(series.clients)

    def action_compare_models(self) -> None:
        """F5: pick (model, client) pairs, then run the list under each, one after another."""
        self.series.compare_models()

    def on_history_table_compare(self, event: HistoryTable.Compare) -> None:
        self.series.compare_runs(event.a, event.b)

    def on_history_table_rerun(self, event: HistoryTable.Rerun) -> None:
        """Enter or a double click on a history row runs that run again."""
        self.series.rerun(event.row)

    # -- dialogs -------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.app.screen, HelpScreen):
            states = self.query_one(StatsPanel).thread_states  # the run on screen's, if sampled
            self.app.push_screen(HelpScreen(self.live_run.stats, self.live_run.history.runs,
                                            lesson=self.lesson is not None, states=states))

    def action_export(self) -> None:
        ask_and_export(self, self.live_run.session)

    # -- panes and tabs ------------------------------------------------------------------
    @property
    def side(self) -> Widget:
        """The pane beside the live view: the setup pane, or a lesson's pane."""
        return self.lesson if self.lesson is not None else self.query_one(SetupPane)

    def action_step(self, delta: int) -> None:
        if self.lesson is not None:
            self.lesson.go(delta)

    def show_setup(self, shown: bool, *, force: bool = False) -> None:
        """Show or hide the setup pane. On a narrow terminal it takes the screen from the live
        view (beside it, each was too narrow to read). Focus leaves whatever is hidden, so no
        key goes to a field nobody can see."""
        pane, live = self.side, self.query_one("#live")
        live_shown = not (shown and self.narrow)
        if pane.display == shown and live.display == live_shown and not force:
            return
        live.display = live_shown
        focused = self.focused
        if not shown and focused is not None and pane in focused.ancestors_with_self:
            self.query_one(ThreadTable).focus()
        elif not live_shown and (focused is None or live in focused.ancestors_with_self):
            (self.lesson.query_one("#lesson-scroll") if self.lesson else self.query_one("#urls")).focus()
        pane.display = shown

    def action_toggle_setup(self) -> None:
        self.show_setup(not self.side.display)

    def action_focus_urls(self) -> None:
        self.show_setup(True)
        self.query_one("#urls", TextArea).focus()

    def action_focus_workers(self) -> None:
        self.show_setup(True)
        self.query_one("#workers", Input).focus()

    def action_focus_threads(self) -> None:
        self.action_show_tab("tab-threads", "threads")

    def action_show_tab(self, tab: Tab, widget: str) -> None:
        if self.narrow:  # the tab asked for is to be seen: the setup pane gives way
            self.show_setup(False)
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        target = self.query_one(f"#{widget}")
        (target if target.can_focus else tabs.query_one(Tabs)).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.run_view.slow_views()
        self.refresh_history()

    def refresh_history(self) -> None:
        """While the History tab is shown: the runs other processes recorded meanwhile join it."""
        if str(self.query_one(TabbedContent).active) != "tab-history" or self.live_run.running:
            return  # a run's own record redraws the table when it ends
        if self.live_run.history.refresh():
            self.query_one(HistoryTable).show(self.live_run.history)

    def on_thread_table_selected(self, event: ThreadTable.Selected) -> None:
        """A clicked thread group is the lane the timeline selects too."""
        self.query_one(Timeline).select_thread(event.ident)
