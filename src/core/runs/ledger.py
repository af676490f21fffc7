"""A run's requests (pending, in flight, done) and the one way a run is closed out.

Every source keeps one: the in-process pool takes and finishes requests through it; the child
process's parent side and the replay pass their events through it. Closing a run out (a
cancel, a dead child) is one RunEnded event that cancels whatever has not finished: the
stats model folds it, so no source builds a per-request event for a request it never ran.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from fetchtui.core.events import Event, RequestFinished, RequestStarted, RunEnded, RunStarted, ThreadInfo

Emit = Callable[[list[Event]], None]


class Ledger:
    """Hands out requests in order, takes back their outcomes, and ends the run exactly once.

    Events are emitted under the ledger's lock, so nothing of a run follows its RunEnded on
    the queue: a worker whose request was cancelled while in flight finds it gone here.
    """

    def __init__(self, total: int, emit: Emit) -> None:
        self.total = total
        self._emit = emit
        self._lock = threading.Lock()
        self._next = 0
        self._inflight: set[int] = set()
        self._done = 0
        self._ended = threading.Event()
        self.cancelled = False  # a cancel was asked for (the run may not have ended yet)
        self.lost: str | None = None  # why the run was cut short from outside, if it was

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)

    # -- the pool's side --------------------------------------------------------------
    def open(self, workers: int) -> int:
        """Announce the run; an empty one ends at once. Returns its start instant."""
        t0 = time.perf_counter_ns()
        with self._lock:
            self._emit([RunStarted(self.total, workers, t0)])
            if self.total == 0:
                self._end_locked(RunEnded(t0, False))
        return t0

    def take(self, thread: ThreadInfo) -> int | None:
        """The next pending request, now in flight on `thread`; None when none is left."""
        with self._lock:
            if self._ended.is_set() or self._next >= self.total:
                return None
            req_id = self._next
            self._next += 1
            self._inflight.add(req_id)
            self._emit([RequestStarted(req_id, time.perf_counter_ns(), thread)])
            return req_id

    def finish(self, event: RequestFinished) -> None:
        """Record a request's outcome, unless a close-out accounted it already."""
        with self._lock:
            if event.req_id not in self._inflight:
                return
            self._inflight.discard(event.req_id)
            self._done += 1
            self._emit([event])
            if self._done == self.total:
                self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled))

    # -- a relay's side (a child's events, a replay) ----------------------------------
    def relay(self, batch: list[Event]) -> None:
        """Pass on events recorded elsewhere; a RunEnded among them ends the run here too."""
        with self._lock:
            if self._ended.is_set():
                return
            self._emit(batch)
            ending = batch[-1] if batch else None
            if isinstance(ending, RunEnded):
                self.cancelled = self.cancelled or ending.cancelled
                self._ended.set()

    def ask_cancel(self) -> bool:
        """Note that a cancel was sent to where the run lives; False if one was, or it ended."""
        with self._lock:
            if self.cancelled or self._ended.is_set():
                return False
            self.cancelled = True
            return True

    # -- every source's side ----------------------------------------------------------
    def close_out(self, lost: str | None = None) -> bool:
        """End the run now: whatever has not finished is cancelled. False if it had ended."""
        with self._lock:
            if self._ended.is_set():
                return False
            self.cancelled = True
            self.lost = lost
            self._inflight.clear()
            self._end_locked(RunEnded(time.perf_counter_ns(), True, lost))
            return True

    def _end_locked(self, event: RunEnded) -> None:
        self._emit([event])
        self._ended.set()
