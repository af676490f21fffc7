"""One run's lifecycle for every front end: open, start, steer, poll, close out, export, record."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import Event
from fetchtui.core.runs.source import RunSource, Sources, fold_to_end
from fetchtui.core.stats import RunStats

if TYPE_CHECKING:
    from fetchtui.core.history.records import History, RunRecord
    from fetchtui.core.report.checks import Check
    from fetchtui.core.runs.figures import Export, Figures
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.sampling import Sampling, SessionStates

# The exports, the history and what a session hands back (figures.py) are imported where they
# are used: `fetchtui run URL` is timed against the seed's bare script (bench/startup.py), and
# each costs something there.

#: The longest close_out() folds a cut run's close-out for: a killed fetch process's comes at once.
CLOSE_OUT_S = 2.0


class State(enum.Enum):
    """Where a run is: each step only goes forward."""

    OPENED = "opened"  # its source is open, nothing sent
    RUNNING = "running"  # started; steering is taken
    ENDED = "ended"  # its end is folded: the figures are final
    RECORDED = "recorded"  # finished: exported and in the history, once


class SessionError(RuntimeError):
    """A step the run's state does not allow (resizing an ended run, finishing one twice)."""


#: The states each step may be taken in.
_ALLOWED: dict[str, frozenset[State]] = {
    "start": frozenset({State.OPENED}),
    "cancel": frozenset({State.OPENED, State.RUNNING}),
    "resize": frozenset({State.RUNNING}),
    "pause": frozenset({State.RUNNING}),
    "run_to_end": frozenset({State.RUNNING}),
    "export": frozenset({State.ENDED, State.RECORDED}),
    "finish": frozenset({State.OPENED, State.RUNNING, State.ENDED}),
}


class RunSession:
    """One run from its opening to its record. Commands go down (start, cancel, resize,
    pause); poll() drains the source and folds into `stats`, never waiting unless asked;
    finish() closes the run out, exports it and records it, once. With `sampling`, the run's
    threads' states are sampled from its opening to its end (`sampler`) and are in its stats
    once `sampled`: its summary, exports, history row and trace carry them, whichever front
    end drives it. A step its state does not allow raises SessionError. One thread drives it
    (the fold has one owner); progress() may be read from any."""

    def __init__(self, source: RunSource, checks: Sequence[Check] = (), *,
                 sources: Sources | None = None, sampling: Sampling | None = None,
                 sampler: SessionStates | None = None) -> None:
        """Drive `source`, opened and not started (its requests come as rows, whichever it
        is). `sources`: closed with the run
        (a run on another interpreter had a fetch process of its own). `sampling`: how its
        threads' states are sampled (None: not; a replay never is, it fetches nothing), by
        `sampler` when one is sampling already."""
        self.source = source
        self.stats = RunStats(source.targets, checks)
        self.state = State.OPENED
        self.record: RunRecord | None = None
        self._owned = sources
        self._closed = False
        self._final: Figures | None = None  # an ended run's figures, read once
        self.sampler = sampler
        self.stats.thread_states = source.recorded_states  # a replay shows what its run sampled
        if sampler is None and sampling is not None and not source.replayed:
            from fetchtui.core.threadstates.sampling import SessionStates

            # from now, not start(): a Python's start and calibration (~0.5 s) miss no request
            self.sampler = SessionStates.of(source, sampling)

    @classmethod
    def open(cls, sources: Sources | None, targets: Sequence[Target], config: RunConfig,
             checks: Sequence[Check] = (), *,
             sampling: Sampling | None = None) -> RunSession:
        """A run of `targets` opened from `sources` (None: a pool in this process, let go of
        with the run). Raises as Sources.open does (InterpreterError: a --python that cannot
        run fetchtui)."""
        own = sources is None
        if sources is None:
            from fetchtui.core.runs.pool import PoolSources

            sources = PoolSources()
        sampler = None
        if sampling is not None:
            from fetchtui.core.threadstates.sampling import SessionStates

            sampler = SessionStates.ahead(sources, config, sampling)
        try:
            source = sources.open(targets, config)
        except BaseException:
            if own:
                sources.close()
            if sampler is not None:
                sampler.states.stop()
            raise
        return cls(source, checks, sources=sources if own else None, sampling=sampling,
                   sampler=sampler)

    @property
    def config(self) -> RunConfig:
        return self.source.config

    @property
    def targets(self) -> Sequence[Target]:
        return self.source.targets

    @property
    def ended(self) -> bool:
        return self.state in (State.ENDED, State.RECORDED)

    def _require(self, step: str) -> None:
        if self.state not in _ALLOWED[step]:
            raise SessionError(f"cannot {step.replace('_', ' ')} a run that is {self.state.value}"
                               + (f" (run #{self.record.number})" if self.record is not None else ""))

    # -- commands down -------------------------------------------------------------
    def start(self) -> None:
        """Send the run's first requests; returns at once."""
        self._require("start")
        self.source.start()
        self.state = State.RUNNING

    def cancel(self) -> None:
        """Every request not finished is cancelled; never waits. An unstarted run ends here,
        none of its requests sent (its end folded at once)."""
        self._require("cancel")
        if self.state is State.OPENED:
            self.source.ledger.close_out()
            self.poll()
        elif not self.source.cancelled:
            self.source.cancel()

    def resize(self, workers: int) -> bool:
        """Grow or shrink the running pool; False if the source cannot be steered (a replay)
        or its run has ended meanwhile."""
        self._require("resize")
        return self.source.resize(workers)

    def pause(self, paused: bool) -> bool:
        """Hold new requests, or let them go again; False as resize's."""
        self._require("pause")
        return self.source.pause(paused)

    # -- figures up ----------------------------------------------------------------
    def poll(self, timeout: float = 0.0, *,
             on_batch: Callable[[list[Event]], None] | None = None) -> Figures:
        """Drain what the source has sent and fold it (a frame's work: waits only with a
        `timeout`, for the first batch); the figures as of now. `on_batch` hears a batch once
        it is folded (a trace, a lag benchmark's stamps). Once the run's end is folded the
        state is ENDED, and a poll reads the last figures without draining."""
        fresh = False
        if not self.ended:
            batch = self.source.drain(timeout)
            fresh = self._fold(batch)
            if fresh and on_batch is not None:
                on_batch(batch)
        return self.figures(fresh)

    def figures(self, fresh: bool = False) -> Figures:
        """The figures as folded so far, with no drain; an ended run's are its last, as of its end."""
        from fetchtui.core.runs.figures import Figures

        stats = self.stats
        if self.ended and self._final is not None:
            return self._final if self._final.state is self.state else self._final._replace(state=self.state)
        now = stats.end_ns if stats.ended and stats.end_ns is not None else self.source.now_ns()
        figures = Figures(self.state, now, stats.total, stats.done, stats.ok, stats.failed,
                          stats.cancelled, stats.in_flight, stats.rps(now), fresh, self.source.lost)
        if self.ended:
            self._final = figures._replace(fresh=False)
        return figures

    def progress(self) -> tuple[int, float]:
        """(requests accounted, per second so far) from the source's ledger, not the fold: a
        bar of a run whose fold waits for its end reads this, from any thread."""
        return self.source.progress()

    def run_to_end(self, *, stop: Callable[[], bool] | None = None,
                   on_batch: Callable[[list[Event]], None] | None = None, live: bool = True,
                   within: float | None = None) -> bool:
        """Drain and fold until the run has ended (a headless front end's loop). Once `stop`
        holds the run is cancelled. `live=False`, where nothing reads the stats before the
        end: the batches are held and folded once the source has ended (fold_to_end). True
        once ended; False if `within` seconds passed first."""
        self._require("run_to_end")
        ended = fold_to_end(self.source, self.stats, within=within, cancel_if=stop,
                            on_batch=on_batch, live=live)
        if self.stats.ended:
            self._end()
        return ended

    def _fold(self, batch: list[Event]) -> bool:
        if batch:
            self.stats.apply(batch)
        if self.stats.ended:
            self._end()
        return bool(batch)

    def _end(self) -> None:  # its end is folded: its sampling ends (on a thread; `sampled` says when)
        if self.state is State.RUNNING or self.state is State.OPENED:
            self.state = State.ENDED
            if self.sampler is not None:
                self.sampler.end(self.stats)

    # -- its threads' states ----------------------------------------------------------
    @property
    def sampled(self) -> bool:
        """Its threads' states are in its stats, or it was not sampled (a live view records it then)."""
        return self.sampler is None or self.sampler.ended

    def thread_states(self) -> ThreadStates | None:
        """The ended run's threads' states (None: not sampled), waited for if still coming."""
        if self.sampler is not None:
            return self.sampler.wait(self.stats)
        return self.stats.thread_states

    def write_trace(self, path: str | Path) -> Path:
        """Write the ended run as a Trace Event Format file (its sampled states beside its
        requests); an ExportError if it cannot be."""
        self._require("export")
        if self.sampler is not None:
            return self.sampler.write_trace(self.stats, path)
        from fetchtui.core.threadstates.run import write_trace

        return write_trace(self.stats, path)

    # -- the end -------------------------------------------------------------------
    def close_out(self, within: float = CLOSE_OUT_S) -> bool:
        """Cut the run off and let go of what it holds (never waits on the network), then fold
        its close-out, for at most `within` seconds. True once ENDED. Safe to call again."""
        if not self._closed:
            self._closed = True
            try:
                if self.state is State.OPENED and not self.source.ended:
                    self.source.ledger.close_out()  # it never started: it ends here, nothing sent
                self.source.close()
            finally:
                if self._owned is not None:
                    self._owned.close()
        give_up = time.monotonic() + within
        while not self.ended and time.monotonic() < give_up:
            self._fold(self.source.drain(0.05))
        return self.ended

    def finish(self, history: History | None = None, *, json_path: str | None = None,
               csv_path: str | None = None, on_export: Callable[[Export], None] | None = None,
               before_record: Callable[[], None] | None = None,
               on_busy: Callable[[], None] | None = None) -> RunRecord | None:
        """Close the run out, write its exports (before the history: a busy history file must
        not cost them), then record it in `history` (a replay is shown, not recorded again);
        once. `on_export` hears of each export as it is written or fails; `before_record`
        comes once the exports are out. The record, or None with no history."""
        self._require("finish")
        if not self.close_out():
            raise SessionError("cannot finish a run whose close-out has not come "
                               f"within {CLOSE_OUT_S:g} s")
        self.state = State.RECORDED  # from here on, whatever fails: never a second record
        self.thread_states()  # in the summary that is exported and recorded
        for kind, path in (("JSON", json_path), ("CSV", csv_path)):
            if path:
                done = self.export(kind, path)
                if on_export is not None:
                    on_export(done)
        if before_record is not None:
            before_record()
        if history is not None:
            from fetchtui.core.history.records import list_key

            self.record = history.add(self.config, list_key(self.targets), self.stats.summary(),
                                      on_disk=not self.source.replayed, on_busy=on_busy)
        return self.record

    def export(self, kind: str, path: str) -> Export:
        """Write the ended run's JSON or CSV export to `path` ("-": standard output)."""
        self._require("export")
        if kind not in ("JSON", "CSV"):
            raise ValueError(f"an export is JSON or CSV, not {kind!r}")
        from fetchtui.core.report.export import ExportError, config_dict, write_csv, write_json
        from fetchtui.core.runs.figures import Export

        try:
            if kind == "JSON":
                written = write_json(self.stats, config_dict(self.config, self.stats.total), path)
            else:
                written = write_csv(self.stats, path)
        except ExportError as exc:
            return Export(kind, path, None, exc)
        return Export(kind, path, written, None)
