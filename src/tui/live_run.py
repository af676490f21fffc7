"""The live monitor's run, one at a time: a RunSession opened from the setup pane, shown, recorded."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from fetchtui.core.history.records import History, RunRecord
from fetchtui.core.input.config import RunConfig
from fetchtui.core.report.checks import Check
from fetchtui.core.runs.events import Event
from fetchtui.core.runs.interpreter import InterpreterError
from fetchtui.core.runs.session import RunSession, State
from fetchtui.core.runs.source import RunSource, Sources
from fetchtui.core.stats import RunStats
from fetchtui.core.threadstates.sampling import Sampling
from fetchtui.tui.widgets.setup_pane import Setup

if TYPE_CHECKING:
    from fetchtui.core.runs.figures import Figures

#: What resize() says when the run's own --stages set its pool's size.
STAGED = "--stages sets the pool's size in this run"
#: What resize() says of a replay.
REPLAYED = "a replay shows a run as it was: its pool cannot be resized"


class LiveRun:
    """The live monitor's side of its runs, and nothing that draws one (no Textual).

    Each run is a RunSession, the lifecycle the headless runner and the sweep drive too. This
    adds what is the monitor's own: the runs share the app's fetch processes and history, a
    run starts once the screen has laid its view out (`start`), the pause key toggles, and the
    run's end is recorded after the frame that shows it is painted and its threads' states are
    in (`end_shown`, `recordable`, `record`), or by `close_out` when the app goes first.
    `stats`, `config` and `source` are the current (or last) run's.
    """

    #: Each run's threads' states: sampled from its start (a line of them shows while it runs),
    #: in its summary, export and history row once it has ended, as a headless run's.
    sampling: Sampling | None = Sampling(live=True)

    def __init__(self, sources: Sources, history: History, checks: Sequence[Check],
                 trace_events: str | None = None) -> None:
        self.sources = sources
        self.history = history
        self.checks = tuple(checks)  # --check: shown live, judged at the end of every run
        self.trace_events = trace_events  # --trace-events: each recorded run's trace goes there
        self.session: RunSession | None = None
        self.setup: Setup | None = None  # what the current run was started with
        #: Hears each batch once a poll has folded it (the lag benchmark's stamps).
        self.on_batch: Callable[[list[Event]], None] | None = None
        self._ending = False  # its end is shown, its recording to come (after that frame's paint)
        self._hold = False  # the pause key's last ask for the running run

    @property
    def stats(self) -> RunStats | None:
        return self.session.stats if self.session is not None else None

    @property
    def config(self) -> RunConfig | None:
        return self.session.config if self.session is not None else None

    @property
    def source(self) -> RunSource | None:
        return self.session.source if self.session is not None else None

    @property
    def running(self) -> bool:
        return self.session is not None and not self.session.ended

    def open(self, setup: Setup) -> RunSession:
        """Open a run of `setup`, not started yet (start() it once its view is laid out).
        Raises InterpreterError for a Python of the setup that cannot run fetchtui."""
        session = RunSession.open(self.sources, setup.targets, setup.config, self.checks,
                                  sampling=self.sampling)
        self.session, self.setup = session, setup
        self._ending = False
        self._hold = False
        return session

    def start(self, session: RunSession) -> bool:
        """Start the run `open` gave, if it is still the current one and unstarted; True if a
        frame should follow: it started, or a cancel while its view was laid out ended it
        unstarted (that frame shows its end). False if a quit cut it off meanwhile."""
        if session is not self.session:
            return False
        if session.state is State.OPENED:
            if session.source.ended:  # a quit's close-out let go of it: nothing to start
                return False
            session.start()
            return True
        return session.state is State.ENDED and not self._ending

    def poll(self) -> Figures | None:
        """Drain and fold what the run sent since the last call (a frame's work); its figures
        as of now (None: no run yet)."""
        if self.session is None:
            return None
        return self.session.poll(on_batch=self.on_batch)

    def now_ns(self) -> int | None:
        """The run's clock now (an ended run's: its end), with no drain."""
        return self.session.figures().now_ns if self.session is not None else None

    def cancel(self) -> bool:
        """Cancel the running run; False if none runs."""
        if self.session is None or not self.running:
            return False
        self.session.cancel()
        return True

    def resize(self, workers: int) -> bool | str:
        """Give the running pool `workers` (per process under processes): True once it has
        them, False with no run to resize (none started yet, or ended), else why it cannot."""
        session = self.session
        if session is None or session.state is not State.RUNNING:
            return False
        if session.config.stages:
            return STAGED
        if session.resize(workers):
            return True
        return REPLAYED if session.source.replayed else False

    def pause(self) -> bool:
        """Hold new requests, or let them go again; False if no run runs (or it has not started)."""
        session = self.session
        if session is None or session.state is not State.RUNNING:
            return False
        # what was asked, not what the stats say yet: the child's answer takes a few ms
        self._hold = not self._hold
        session.pause(self._hold)
        return True

    def end_shown(self) -> bool:
        """True once, on the frame that first shows the run's end: its recording comes after
        that frame's paint (record)."""
        if self.session is None or self.session.state is not State.ENDED or self._ending:
            return False
        self._ending = True
        return True

    def recordable(self) -> bool:
        """The ended run's threads' states are in its stats (handed over off the UI thread):
        record() would not wait for them. True with no run to record."""
        return self.session is None or self.session.sampled

    def record(self) -> RunRecord | None:
        """Finish the ended run: into the history (a replay is shown, not recorded again); None
        if a quit's close-out recorded it first."""
        self._ending = False
        if self.session is None or self.session.state is not State.ENDED:
            return None
        return self.session.finish(self.history)

    def trace_path(self, record: RunRecord) -> str | None:
        """Where --trace-events writes the recorded run's trace: its number in the history before
        the suffix (t.json: run 7's to t-7.json), so every run a launch makes keeps its own, a
        later launch's do not overwrite them, and each is found by the number F3 and `fetchtui
        diff` show. None without --trace-events."""
        if self.trace_events is None:
            return None
        from fetchtui.core.threadstates.trace_events import numbered

        return numbered(self.trace_events, record.number)

    def final_stats(self) -> RunStats | None:
        """The last run as it ended, its close-out folded (the summary printed after quitting)."""
        if self.session is None:
            return None
        self.sources.close()  # first: a killed fetch process's close-out comes at once
        self.session.close_out()
        return self.session.stats

    def close_out(self) -> None:
        """Before the app goes (ctrl+q, SIGTERM, SIGHUP, a lost terminal): cut the run off,
        fold its close-out and record it, as a run that ended would be; never waits on the network."""
        self.final_stats()
        if self.session is not None and self.session.state is State.ENDED:
            self.session.finish(self.history)

    def warm(self, python: str | None) -> None:
        """A fetch process on the run's Python imports while the user edits (the first run
        starts at once); one that cannot run fetchtui is said when a run is started on it."""
        with contextlib.suppress(InterpreterError):
            self.sources.warm(python)

    def shutdown(self) -> None:
        """Cut every run off (a fetch process is killed, its sockets close with it); never waits."""
        self.sources.close()
        if self.session is not None:
            self.session.close_out(within=0)
