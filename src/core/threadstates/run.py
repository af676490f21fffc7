"""The thread states of a run fetched in this process: sampled from a child process while it
runs, folded with its requests once it has ended (the headless runner's one entry point)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from fetchtui.core.threadstates.timeline import Timeline
from fetchtui.core.threadstates.watch import ChildWatch, ThreadWatch

if TYPE_CHECKING:
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.requests import RequestSlice

# What reads the timeline is imported once the run has ended: the run's start pays for the
# child's start only.


class RunStates:
    """Made as the run starts (sampling begins), stop()ped once it has ended, then read:
    figures() and write_trace(). From a child process unless `in_process`."""

    def __init__(self, in_process: bool = False, pid: int | None = None) -> None:
        self._watch = ThreadWatch(pid) if in_process else ChildWatch(pid)
        self._timeline: Timeline | str = "the thread sampler is still running"
        self._slices: list[RequestSlice] | None = None

    def stop(self) -> None:
        """Stop sampling; the timeline (or why there is none) is kept for the figures."""
        self._timeline = self._watch.stop()

    def _requests(self, stats: RunStats) -> list[RequestSlice]:
        from fetchtui.core.threadstates.requests import request_slices

        if self._slices is None:
            self._slices = request_slices(stats.records)
        return self._slices

    def figures(self, stats: RunStats) -> ThreadStates:
        """The fetching threads' states: those that ran a request of the run's `stats`."""
        from fetchtui.core.threadstates.figures import ThreadStates
        from fetchtui.core.threadstates.fold import fold
        from fetchtui.core.threadstates.requests import spans_of

        timeline = self._timeline
        if isinstance(timeline, str):
            return ThreadStates.unknown(timeline)
        slices = self._requests(stats)
        fetching = {(s.pid, s.tid) for s in slices if s.pid == timeline.pid}
        if not fetching:
            other = {s.pid for s in slices} - {os.getpid()}
            why = "its requests ran in other processes" if other else "no request ran on a sampled thread"
            return ThreadStates.unknown(why)
        states = fold(timeline, spans_of(slices), fetching)
        if not states.threads:
            return ThreadStates.unknown("the run ended before the sampler's first look at its threads")
        return states

    def write_trace(self, stats: RunStats, path: str | Path) -> Path:
        """The run as a Trace Event Format file at `path` (the states beside the requests when
        sampled); an ExportError (the export's) if it cannot be written."""
        from fetchtui.core.threadstates.trace_events import trace_document, write_trace

        timeline = self._timeline if isinstance(self._timeline, Timeline) else None
        names = {(w.info.pid, w.info.native_id): w.info.name for w in stats.threads.values()}
        try:
            return write_trace(path, trace_document(self._requests(stats), timeline, names))
        except OSError as exc:
            from fetchtui.core.export import ExportError

            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
