"""A run on the main screen: its views laid out, the frame timer that redraws them, its end shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import TabbedContent

from fetchtui.core import registry
from fetchtui.core.history.records import RunRecord
from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.runs.interpreter import InterpreterError
from fetchtui.core.runs.session import RunSession
from fetchtui.tui.live_run import LiveRun
from fetchtui.tui.live_states import LiveStates
from fetchtui.tui.screens.export_screen import write_trace_events
from fetchtui.tui.widgets.charts import Charts
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.live_view import LiveView
from fetchtui.tui.widgets.setup_pane import Setup
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline
from fetchtui.tui.widgets.url_table import UrlView

if TYPE_CHECKING:
    from fetchtui.tui.screens.main import MainScreen

#: Frames per second of the frame timer. The workers run in a child process (FetchProcess),
#: so a frame costs them no GIL time. A frame costs ~13 ms of this process's CPU; 25 Hz keeps
#: the lag's p99 near 90 ms where 10/15/20 Hz gave 135/104/95 ms (bench/tui.py --hz, README).
FRAME_HZ = 25
SLOW_EVERY = 5  # timeline, charts and URLs: every 5th frame, 5 times a second
#: The views a few frames a second redraw, by the tab that shows them (the others: every frame).
SLOW_VIEWS: dict[str, type[Timeline | Charts | UrlView]] = {
    "tab-timeline": Timeline, "tab-charts": Charts, "tab-urls": UrlView}
#: How often an ended run asks whether its threads' states are in, before it is recorded.
SAMPLED_POLL_S = 0.05
#: Narrower than this, the setup pane gives way to the live view while a run runs: at 80
#: columns it left the live pane 30, and every ident and request was cut.
ROOMY_COLUMNS = 120


class RunView:
    """The main screen's side of its runs (not a Textual class): a run's views laid out before
    it starts, the frame timer that has the LiveRun's session poll and every shown LiveView redraw, and
    the run's end recorded once painted, handed on to the series."""

    def __init__(self, screen: MainScreen, live_run: LiveRun) -> None:
        self.screen = screen
        self.live_run = live_run
        self._timer: Timer | None = None
        self.drawing = False  # the frame timer runs: only while a run is live
        self._frames = 0
        self._states: LiveStates | None = None  # the running run's thread states, sampled

    def mount(self) -> None:
        """The frame timer, paused until a run starts."""
        self._timer = self.screen.set_interval(1 / FRAME_HZ, self.frame, pause=True)

    def start_run(self, setup: Setup) -> None:
        """Open a run of `setup`, lay its views out, and start it once they are painted."""
        screen = self.screen
        try:
            session = self.live_run.open(setup)
        except InterpreterError as exc:  # a Python of the setup pane that cannot run fetchtui
            screen.series.end()
            screen.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        stats, config = session.stats, session.config
        if screen.lesson is not None:  # its figures, when it ends, are the step's shown now
            screen.lesson.started()
        screen.refresh_bindings()  # the footer offers pause while a run runs
        screen.query_one(ThreadTable).show(stats, config.concurrency)
        screen.query_one(Timeline).show(stats)
        panel = screen.query_one(StatsPanel)
        # a run in a fetch process has its thread states sampled: a line of them, above the limit
        panel.states_shown, panel.thread_states = getattr(session.source, "pid", None) is not None, None
        panel.styles.height = 7 + panel.states_shown + bool(self.live_run.checks)  # a line of checks
        panel.workers_are = registry.MODELS[config.model].workers_are
        if screen.replay_of is None:  # asyncio's tasks share one thread: the title says what a group is
            screen.query_one("#live").border_title = f"live: requests in flight, by {panel.workers_are[:-1]}"
        screen.fetch_app.settle_heap()
        if screen.size.width < ROOMY_COLUMNS:
            screen.show_setup(False)
        elif screen.focused is not None and screen.focused.id == "urls":
            # the run is what to watch now, and +, - and p are its keys: in the editor they type
            screen.query_one(ThreadTable).focus()
        # The view's changes above lay the screen out again (the footer, the table's room, the
        # panel's height: three layouts, 70-90 ms at 200x50). The run starts once they are
        # painted, so its first frames and its fetch process do not share the CPU with them.
        # The footer recomposes after the first refresh and mounts its keys; the second lays them out.
        screen.call_after_refresh(lambda: screen.call_after_refresh(self._go, session))

    def _go(self, session: RunSession) -> None:
        """Start a run whose view is laid out; one cancelled (or quit) meanwhile ends unstarted."""
        if not self.live_run.start(session):
            return
        self._states = LiveStates(session)
        if self._timer is not None:
            self._timer.resume()  # before the first frame: a run that ends in it pauses it for good
            self.drawing = True
        self.frame()

    def frame(self) -> None:
        """One frame: fold what came, have each shown LiveView redraw, and see the run's end."""
        figures = self.live_run.poll()
        stats = self.live_run.stats
        if figures is None or stats is None:
            return
        now = figures.now_ns
        screen = self.screen
        try:
            table, panel = screen.query_one(ThreadTable), screen.query_one(StatsPanel)
        except NoMatches:  # the app is closing: its widgets are gone before its timer
            return
        if self._states is not None:
            panel.thread_states = self._states.now(stats)
        every_frame: tuple[LiveView, ...] = (table, panel)
        for view in every_frame:
            view.refresh_from(stats, now)
        self._frames += 1
        if self._frames % SLOW_EVERY == 0 or figures.ended:
            self.slow_views(now)
        if self.live_run.end_shown():
            # the frame that shows the end is painted first; recording the run (the history's
            # file, the footer, the setup pane's return: ~60 ms) comes after, not in its lag
            if self._timer is not None:
                self._timer.pause()
                self.drawing = False
            screen.call_after_refresh(self._when_sampled)

    def _when_sampled(self) -> None:
        """Record the ended run once its threads' states are in its stats (its sampler hands
        them over on a thread of its own: a few tens of ms, seconds on a loaded machine); the
        panel shows them then."""
        if not self.live_run.recordable():
            self.screen.set_timer(SAMPLED_POLL_S, self._when_sampled)
            return
        stats = self.live_run.stats
        if self._states is not None and stats is not None:
            try:
                panel = self.screen.query_one(StatsPanel)
            except NoMatches:  # the app is closing
                return
            panel.thread_states = self._states.now(stats)
            panel.refresh_from(stats, self.live_run.now_ns())
            self.slow_views()  # the timeline's states from the sampler's whole timelines
        self._run_ended()

    def slow_views(self, now_ns: int | None = None) -> None:
        """Timeline, charts and URLs redraw the whole run: a few times a second, and only if shown."""
        kind = SLOW_VIEWS.get(str(self.screen.query_one(TabbedContent).active))
        if kind is not None:
            view: LiveView = self.screen.query_one(kind)
            now = now_ns if now_ns is not None else self.live_run.now_ns()
            stats = self.live_run.stats
            states = self._states
            if isinstance(view, Timeline) and states is not None and stats is not None and now is not None:
                view.show_states(states.lanes(stats, now))
            view.refresh_from(stats, now)

    def _run_ended(self) -> None:
        """Record the run, redraw history and chart (once per run), start what is queued."""
        history, session = self.live_run.history, self.live_run.session
        problem = history.problem
        record = self.live_run.record()
        if record is None or session is None:  # a quit came first, and its close-out recorded it
            return
        screen = self.screen
        screen.refresh_bindings()
        lost = session.figures().lost
        if lost:
            # longer than a toast's 5 s: why a run was lost must not slip by unread
            screen.notify(safe_text(lost), title="Run cut short", severity="error",
                          markup=False, timeout=15)
        if history.problem != problem and history.problem:
            screen.notify(safe_text(history.problem), title="History", severity="warning", markup=False)
        screen.query_one(HistoryTable).show(history)
        trace = self.live_run.trace_path(record)
        if trace is not None:  # off the UI thread, as an export is: the next run starts meanwhile
            write_trace_events(screen, session, trace)
        self._after(record)

    def _after(self, record: RunRecord) -> None:
        """The next run of a series, or the setup pane back for the next experiment."""
        if self.screen.lesson is not None:
            self.screen.lesson.ran(record)
        following = self.screen.series.ended(record, self.live_run.setup)
        if following is not None:
            self.start_run(following)
        elif self.screen.size.width >= ROOMY_COLUMNS:
            self.screen.show_setup(True)  # the run is over: the next experiment starts there
        # on a narrow terminal the results keep the screen until ctrl+g asks for the setup pane
