"""The thread states of a run fetched in this process: sampled from a child process while it
runs, folded with its requests once it has ended (the headless runner's one entry point)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fetchtui.core.threadstates.timeline import Timeline
from fetchtui.core.threadstates.watch import ChildWatch, ThreadWatch

if TYPE_CHECKING:
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.fold import Spans
    from fetchtui.core.threadstates.lanes import Key, StateLanes
    from fetchtui.core.threadstates.requests import RequestSlice

# What reads the timeline is imported once the run has ended: the run's start pays for the
# child's start only.

FOLLOW_S = 0.05  # how often the processes below this one are listed at first (a few /proc reads)
FOLLOW_MAX_S = 1.0  # and at last
SHORT_RUN_S = 0.25  # a headless run or sweep point ended by then is not sampled (RunStates' after_s)


class RunStates:
    """Made as the run starts (sampling begins), stop()ped once it has ended, then read:
    figures() and write_trace(). From a child process unless `in_process`; with `follow`, each
    process below this one that fetches (a worker process, a fetch process on another
    interpreter) is sampled too, by a child of its own on its own interpreter. `pid` on
    `python` (None: this one) is the process sampled first; with `live`, totals() gives the
    figures so far while the run runs (the live monitor's)."""

    def __init__(self, in_process: bool = False, pid: int | None = None, follow: bool = True,
                 python: str | None = None, live: bool = False, after_s: float = 0.0) -> None:
        """`after_s`: sample only a run still running then. A sampler is a Python process's
        start (tens of ms of CPU): a one-request run would pay it for no figure."""
        self.pid = os.getpid() if pid is None else pid
        self.live = live
        self._watches: dict[int, ThreadWatch | ChildWatch] = {}
        self._timelines: dict[int, Timeline | str] = {self.pid: "the thread sampler is still running"}
        self._slices: list[RequestSlice] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._stopped = False  # stop() has read every timeline
        self._follower: threading.Thread | None = None
        self._short = f"the run ended within {after_s:g} s, before its threads were sampled"

        def begin() -> None:
            if after_s > 0 and self._stopping.wait(after_s):
                return  # a short run: no sampler started
            with self._lock:
                if self._stopping.is_set():
                    return
                first = ThreadWatch(self.pid) if in_process else \
                    ChildWatch(self.pid, python=python, live=live)
                self._watches[self.pid] = first
            if follow and first.why is None:
                self._follow()

        from fetchtui.core.threadstates import watch

        self.why = watch.unavailable(self.pid)  # why nothing can be sampled (not Linux), or None
        if self.why is not None:
            self._timelines[self.pid] = self.why
        elif after_s > 0 or follow:
            self._follower = threading.Thread(target=begin, name="fetchtui-states-follow", daemon=True)
            self._follower.start()
        else:
            begin()

    def _follow(self) -> None:
        """Look for new fetching processes every FOLLOW_S at first (a worker process takes
        longer than that to import and be ready, and the run opens once every one is), then
        less and less often, up to FOLLOW_MAX_S: a listing costs ~0.5 ms of the run's GIL."""
        from fetchtui.core.threadstates.procfs import fetching_descendants

        wait = FOLLOW_S
        while not self._stopping.wait(wait):
            wait = min(FOLLOW_MAX_S, wait * 1.25)
            for pid, python in fetching_descendants(self.pid).items():
                with self._lock:
                    if self._stopping.is_set():
                        return
                    if pid not in self._watches:
                        self._watches[pid] = ChildWatch(pid, python=python, live=self.live)

    def stop(self) -> None:
        """Stop sampling; each timeline (or why there is none) is kept for the figures."""
        with self._lock:
            self._stopping.set()
            watches = dict(self._watches)
        for watch in watches.values():  # each child is told at once; then each is read
            watch.close()
        timelines = {pid: watch.stop() for pid, watch in watches.items()}
        timelines.setdefault(self.pid, self.why or self._short)
        self._timelines, self._stopped = timelines, True

    def lanes(self, requests: Spans, fetching: set[Key]) -> StateLanes:
        """The `fetching` threads' states over time so far, against their `requests` (those in
        flight up to now): while it runs, the ticks each live watch has sent; once stopped,
        the whole timelines. Never waits on a sampler."""
        from fetchtui.core.threadstates.lanes import StateLanes, lanes_of

        if self.why is not None:
            return StateLanes.unknown(self.why)
        if self._stopped:
            timelines = self.timelines()
            why = next((t for t in self._timelines.values() if isinstance(t, str)), None)
        else:
            with self._lock:
                watches = list(self._watches.values())
            timelines = [t for w in watches if isinstance(w, ChildWatch)
                         and (t := w.timeline_so_far()) is not None]
            why = "sampling…"
        if not timelines:
            return StateLanes.unknown(why or "no thread was sampled")
        return lanes_of(timelines, requests, fetching)

    def totals(self, fetching: set[tuple[int, int]]) -> ThreadStates | None:
        """The states so far of the `fetching` threads (pid, native id), from each live watch's
        latest totals; never waits. None until a watch has sent its first."""
        from fetchtui.core.threadstates.figures import ThreadStates, ThreadTime

        with self._lock:
            watches = list(self._watches.values())
        threads: list[ThreadTime] = []
        gil, heard = True, False
        for watch in watches:
            totals = watch.totals() if isinstance(watch, ChildWatch) else None
            if totals is None:
                continue
            heard, gil = True, gil and totals.gil
            threads += [ThreadTime(totals.pid, tid, seconds) for tid, seconds in totals.seconds.items()
                        if (totals.pid, tid) in fetching]
        return ThreadStates(tuple(threads), 0.0, gil) if heard else None

    def _requests(self, stats: RunStats) -> list[RequestSlice]:
        from fetchtui.core.threadstates.requests import request_slices

        if self._slices is None:
            self._slices = request_slices(stats.records)
        return self._slices

    def figures(self, stats: RunStats) -> ThreadStates:
        """The fetching threads' states: those that ran a request of the run's `stats`, in
        whichever sampled process they ran."""
        from fetchtui.core.threadstates.figures import ThreadStates
        from fetchtui.core.threadstates.fold import fold
        from fetchtui.core.threadstates.requests import spans_of

        slices = self._requests(stats)
        spans = spans_of(slices)
        fetching_pids = {s.pid for s in slices}
        parts: list[ThreadStates] = []
        why: list[str] = []
        for pid, timeline in self._timelines.items():
            if pid not in fetching_pids:
                continue
            if isinstance(timeline, str):
                why.append(timeline)
                continue
            part = fold(timeline, spans, {(s.pid, s.tid) for s in slices if s.pid == pid})
            if part.threads:
                parts.append(part)
            else:
                why.append("the run ended before the sampler's first look at its threads")
        if parts:
            return ThreadStates(tuple(t for part in parts for t in part.threads), min(p.hz for p in parts),
                                all(p.gil for p in parts))
        own = self._timelines.get(self.pid)
        if why:
            return ThreadStates.unknown(why[0])
        if isinstance(own, str):
            return ThreadStates.unknown(own)
        if fetching_pids - set(self._timelines):
            return ThreadStates.unknown("its requests ran in processes not sampled")
        return ThreadStates.unknown("no request ran on a sampled thread")

    def timelines(self) -> list[Timeline]:
        """The sampled processes' timelines (none where sampling failed)."""
        return [t for t in self._timelines.values() if isinstance(t, Timeline)]

    def write_trace(self, stats: RunStats, path: str | Path) -> Path:
        """The run as a Trace Event Format file at `path`, the states beside the requests when
        sampled (write_trace's)."""
        return write_trace(stats, path, self.timelines(), self._requests(stats))


def write_trace(stats: RunStats, path: str | Path, timelines: Sequence[Timeline] = (),
                slices: Sequence[RequestSlice] | None = None) -> Path:
    """The ended run of `stats` as a Trace Event Format file at `path`: its requests, and beside
    them each of `timelines`' states (none: a run not sampled, a replay); an ExportError (the
    export's) if it cannot be written."""
    from fetchtui.core.threadstates.requests import request_slices
    from fetchtui.core.threadstates.trace_events import trace_document, write_document

    names = {(w.info.pid, w.info.native_id): w.info.name for w in stats.threads.values()}
    requests = request_slices(stats.records) if slices is None else slices
    try:
        return write_document(path, trace_document(requests, timelines, names))
    except OSError as exc:
        from fetchtui.core.report.export import ExportError

        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
