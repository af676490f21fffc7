"""The live monitor's run, one at a time: opened, started, drained and folded, closed out, recorded."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

from fetchtui.core.checks import Check
from fetchtui.core.config import RunConfig
from fetchtui.core.events import Event
from fetchtui.core.history import History, RunRecord, list_key
from fetchtui.core.interpreter import InterpreterError
from fetchtui.core.runs.source import RunSource, Sources
from fetchtui.core.stats import RunStats
from fetchtui.tui.widgets.setup_pane import Setup

#: What resize() says when the run's own --stages set its pool's size.
STAGED = "--stages sets the pool's size in this run"
#: What resize() says of a replay.
REPLAYED = "a replay shows a run as it was: its pool cannot be resized"


class LiveRun:
    """Everything that drives the live monitor's runs, and nothing that draws one (no Textual).

    A run is opened from a setup, started once the screen has laid its view out (`start`),
    polled a frame at a time (drain and fold), steered (cancel, resize, pause), and recorded
    once it has ended: by the screen after the frame that shows its end, or by `close_out`
    when the app goes first. `stats`, `config` and `source` are the current (or last) run's.
    """

    def __init__(self, sources: Sources, history: History, checks: Sequence[Check]) -> None:
        self.sources = sources
        self.history = history
        self.checks = tuple(checks)  # --check: shown live, judged at the end of every run
        self.source: RunSource | None = None
        self.stats: RunStats | None = None
        self.config: RunConfig | None = None
        self.setup: Setup | None = None  # what the current run was started with
        self._recorded = True
        self._ending = False  # its end is shown, its recording to come (after that frame's paint)
        self._hold = False  # the pause key's last ask for the running run
        self._unstarted: RunSource | None = None  # opened, its view being laid out, not started

    @property
    def running(self) -> bool:
        return self.stats is not None and not self.stats.ended

    def open(self, setup: Setup) -> RunSource:
        """Open a run of `setup`, not started yet (start() it once its view is laid out).
        Raises InterpreterError for a Python of the setup that cannot run fetchtui."""
        source = self.sources.open(setup.targets, setup.config)
        self.source, self.config, self.setup = source, source.config, setup
        self.stats = RunStats(source.targets, self.checks)
        self._recorded = False
        self._ending = False
        self._hold = False
        self._unstarted = source
        return source

    def start(self, source: RunSource) -> bool:
        """Start the run `open` gave, if it is still the one to start (one cancelled or quit
        meanwhile ends unstarted); False if nothing was started."""
        if self._unstarted is not source:
            return False
        self._unstarted = None
        if source.cancelled:  # every request cancelled, none sent
            source.ledger.close_out()
        else:
            source.start()
        return True

    def poll(self) -> int | None:
        """Drain and fold what the run sent since the last call; the run's clock now (None:
        no run yet)."""
        if self.source is None or self.stats is None:
            return None
        self.fold(self.source.drain())
        return self.source.now_ns()

    def now_ns(self) -> int | None:
        return self.source.now_ns() if self.source is not None else None

    def fold(self, batch: list[Event]) -> None:
        """Fold one frame's events into the stats model (a hook for the lag benchmark)."""
        if self.stats is not None:
            self.stats.apply(batch)

    def cancel(self) -> bool:
        """Cancel the running run; False if none runs."""
        if self.source is None or not self.running:
            return False
        self.source.cancel()
        return True

    def resize(self, workers: int) -> bool | str:
        """Give the running pool `workers` (per process under processes): True once it has
        them, False with no run to resize, else why it cannot."""
        if not self.running or self.source is None or self.config is None:
            return False
        if self.config.stages:
            return STAGED
        if self.source.resize(workers):
            return True
        return REPLAYED if self.source.replayed else False

    def pause(self) -> bool:
        """Hold new requests, or let them go again; False if no run runs."""
        if self.source is None or not self.running:
            return False
        # what was asked, not what the stats say yet: the child's answer takes a few ms
        self._hold = not self._hold
        self.source.pause(self._hold)
        return True

    def end_shown(self) -> bool:
        """True once, on the frame that first shows the run's end: its recording comes after
        that frame's paint (record)."""
        if self.stats is None or not self.stats.ended or self._recorded or self._ending:
            return False
        self._ending = True
        return True

    def record(self) -> RunRecord | None:
        """Record the ended run in the history; None if a quit's close-out recorded it first."""
        self._ending = False
        if self._recorded:
            return None
        return self._record()

    def _record(self) -> RunRecord:
        """The ended run into the history (a replay is shown, not recorded again)."""
        assert self.source is not None and self.stats is not None and self.config is not None
        self._recorded = True
        return self.history.add(self.config, list_key(self.stats.targets), self.stats.summary(),
                                on_disk=not self.source.replayed)

    def final_stats(self) -> RunStats | None:
        """The last run as it ended, its close-out folded (the summary printed after quitting)."""
        if self.source is None or self.stats is None:
            return None
        self.shutdown()
        give_up = time.monotonic() + 2.0  # a killed fetch process's close-out comes at once
        while not self.stats.ended and time.monotonic() < give_up:
            self.fold(self.source.drain(0.05))
        return self.stats

    def close_out(self) -> None:
        """Before the app goes (ctrl+q, SIGTERM, SIGHUP, a lost terminal): cut the run off,
        fold its close-out and record it, as a run that ended would be; never waits on the network."""
        stats = self.final_stats()
        if stats is not None and stats.ended and not self._recorded:
            self._record()

    def warm(self, python: str | None) -> None:
        """A fetch process on the run's Python imports while the user edits (the first run
        starts at once); one that cannot run fetchtui is said when a run is started on it."""
        with contextlib.suppress(InterpreterError):
            self.sources.warm(python)

    def shutdown(self) -> None:
        """Cut every run off (a fetch process is killed, its sockets close with it); never waits."""
        if self._unstarted is not None:  # it never reached its fetch process: it ends here
            self._unstarted.ledger.close_out()
            self._unstarted = None
        if self.source is not None:
            self.source.close()
        self.sources.close()
