"""A run's accounts: the requests in flight and done, and the one decision that the run has ended.

Every source's ledger is one (`Ledger`, which also hands the requests out). Closing a run out
(a cancel, a dead child) is one RunEnded event that cancels whatever has not finished: the
stats model folds it, so no source builds a per-request event for a request it never ran.
Events are emitted under the one lock, so nothing of a run follows its RunEnded on the queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.events import (
    Event,
    Outcome,
    Phases,
    RequestFinished,
    RunEnded,
    ThreadInfo,
)

if TYPE_CHECKING:
    from fetchtui.core.fetching.result import Ending
    from fetchtui.core.runs.packing import Packed, Packer

Emit = Callable[[list[Event]], None]
_GONE: Final = object()  # not in flight (a close-out accounted it)


class Accounts:
    """What is in flight and what is done, and the run's end: emitted once, with its reason."""

    def __init__(self, listed: int, emit: Emit, config: RunConfig | None = None) -> None:
        self._config = config = config if config is not None else RunConfig()
        self.total: int | None = config.planned(listed)  # None: until the duration ends
        self._emit = emit
        self._lock = threading.Lock()
        self._inflight: dict[int, ThreadInfo | None] = {}  # id -> who runs it
        self._done = 0
        self._ended = threading.Event()
        self._t0 = 0
        self.cancelled = False  # a cancel was asked for (the run may not have ended yet)
        self.lost: str | None = None  # why the run was cut short from outside, if it was
        self._rows: Packer | None = None  # where the run's events are written, for a pipe

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def write_into(self, packer: Packer) -> None:
        """Write the run's events into `packer`, not through emit: a start, and an end that
        finish_fetched reports, go in as rows with no event object made. Before anything is emitted."""
        with self._lock:
            self._rows, self._emit = packer, packer.add

    def take_frame(self, run_id: int) -> Packed | None:
        """What was written into the packer since the last take (None: nothing)."""
        with self._lock:
            rows = self._rows
            assert rows is not None, "take_frame() needs write_into() first"
            return None if rows.empty else rows.take(run_id)

    def wait(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)

    def progress(self) -> tuple[int, float]:
        """(requests accounted, per second of the run so far): what a progress bar shows
        while the stats wait for the run's end (fold_to_end's live=False). Two reads, no lock."""
        done, t0 = self._done, self._t0
        elapsed = (time.perf_counter_ns() - t0) / 1e9 if t0 else 0.0
        return done, done / elapsed if elapsed > 0 else 0.0

    def finish_fetched(self, req_id: int, t_ns: int, thread: ThreadInfo, cpu_ns: int, ending: Ending) -> None:
        """Record how a request that ran ended (`result.ending`), unless a close-out accounted
        it already: where the ledger writes rows, as a row, with no event object made."""
        with self._lock:
            if self._inflight.pop(req_id, _GONE) is _GONE:
                return
            rows = self._rows
            if rows is None or not rows.finished(req_id, t_ns, thread, cpu_ns, ending):
                status, nbytes, kind, error, phases, version = ending
                outcome = Outcome.OK if kind is None else Outcome.FAILED
                self._emit([RequestFinished(req_id, t_ns, thread, outcome, status, nbytes, kind, error,
                                            cpu_ns, None if phases is None else Phases(*phases), version)])
            self._finished()

    def _finished(self) -> None:
        """A request left the in-flight set with its outcome: the run may end here."""
        self._done += 1
        if self._done == self.total:
            self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled, total=self.total))
        else:
            self._share_done()

    def _share_done(self) -> None:
        """The run may end though not every request of its total is done (the dispenser says)."""

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

    def close_out(self, lost: str | None = None) -> bool:
        """End the run now: whatever has not finished is cancelled. False if it had ended."""
        with self._lock:
            if self._ended.is_set():
                return False
            self.cancelled = True
            self.lost = lost
            self._inflight.clear()
            self._stop_dispensing()
            self._end_locked(RunEnded(time.perf_counter_ns(), True, lost, total=self.total))
            return True

    def _stop_dispensing(self) -> None:
        """Nothing more is handed out (the dispenser drops what it holds)."""

    def _end_locked(self, event: RunEnded) -> None:
        self._emit([event])
        self._ended.set()
        self._woken()

    def _woken(self) -> None:
        """The run ended: whatever waits on it is woken (a worker held by a pause, for one)."""
