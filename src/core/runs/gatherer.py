"""The gatherer: the ledger of a run whose requests run in worker processes, counting their rows."""

from __future__ import annotations

import time

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.accounts import Emit
from fetchtui.core.runs.events import (
    FINISHED,
    FINISHED_ROW,
    STARTED_ROW,
    Event,
    PoolResized,
    RequestFinished,
    RequestRows,
    RequestStarted,
    RunEnded,
    RunPaused,
    WorkerRetired,
    cancelled_rows,
    row_columns,
)
from fetchtui.core.runs.ledger import Ledger


class Gatherer(Ledger):
    """A run's ledger in the process that started its worker processes: their starts and
    outcomes count here exactly once, a dead one's requests end with why, and a pause is said
    once every process has paused."""

    def __init__(self, listed: int, emit: Emit, config: RunConfig | None = None) -> None:
        super().__init__(listed, emit, config)
        self._processes_left = 0  # worker processes still running
        self._paused_pids: set[int] = set()  # ...and those of them that said they paused
        self._said_paused = False  # the run's RunPaused(True) is out

    def expect_processes(self, count: int) -> None:
        """The gatherer's run has `count` worker processes: a pause holds once all have paused."""
        with self._lock:
            self._processes_left = count

    def process_gone(self, pid: int) -> None:
        """A worker process ended or died: it holds nothing back any more."""
        with self._lock:
            self._processes_left -= 1
            self._paused_pids.discard(pid)
            if not self._ended.is_set():
                self._emit(self._pause_said(time.perf_counter_ns()))

    def _pause_said(self, t_ns: int) -> list[Event]:
        """The run's RunPaused, once every process still running has paused (then no process
        starts a request after it), or as soon as one goes on again."""
        if self._held and not self._said_paused and len(self._paused_pids) >= self._processes_left:
            self._said_paused = True
            return [RunPaused(t_ns, True)]
        if self._said_paused and (not self._held or len(self._paused_pids) < self._processes_left):
            self._said_paused = False
            return [RunPaused(t_ns, False)]
        return []

    def gather(self, batch: list[Event], pid: int = 0) -> None:
        """Take in a worker process's batch: its starts and outcomes count here, exactly once."""
        with self._lock:
            if self._ended.is_set():
                return
            out: list[Event] = []
            for event in batch:
                if isinstance(event, RequestRows):
                    out.append(event if self._gather_rows(event) else self._gather_some(event))
                else:
                    self._gather_one(event, pid, out)
            if out:
                self._emit(out)
            if self._done == self.total:
                self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled, total=self.total))

    def _gather_one(self, event: Event, pid: int, out: list[Event]) -> None:
        """One event of a worker process's batch, counted; what the run says of it goes to `out`."""
        if isinstance(event, RequestStarted):
            self._inflight[event.req_id] = event.thread
            if self.total is None:
                self._next = max(self._next, event.req_id + 1)
            out.append(event)
        elif isinstance(event, RequestFinished) and event.req_id in self._inflight:
            del self._inflight[event.req_id]
            self._done += 1
            out.append(event)
        elif isinstance(event, WorkerRetired):
            out.append(event)
        elif isinstance(event, RunPaused):  # this process holds (or goes on) from here
            (self._paused_pids.add if event.paused else self._paused_pids.discard)(pid)
            out += self._pause_said(event.t_ns)
        elif (isinstance(event, PoolResized) and event.stage is not None
                and event.stage > self._stage):  # the first process into a stage says so
            self._stage = event.stage
            self.wanted = event.workers * self._per_worker
            out.append(PoolResized(event.t_ns, self.wanted, event.stage))

    def _gather_rows(self, rows: RequestRows) -> bool:
        """Count a process's rows whole (its starts, then its ends: none ends before it starts);
        False, counting nothing, if an end among them was accounted already (a dropped process's)."""
        threads = rows.threads
        start_ids, _, numbers, _ = row_columns(STARTED_ROW, rows.started)
        starts = list(zip(start_ids, map(threads.__getitem__, numbers), strict=True))
        ends = row_columns(FINISHED_ROW, rows.finished)[0]
        inflight = self._inflight
        begun = {req_id for req_id, _ in starts}
        if not all(req_id in inflight or req_id in begun for req_id in ends):
            return False
        inflight.update(starts)
        if self.total is None and starts:
            self._next = max(self._next, max(begun) + 1)
        for req_id in ends:
            del inflight[req_id]
        self._done += len(ends)
        return True

    def _gather_some(self, rows: RequestRows) -> RequestRows:
        """Rows of which an end was accounted already (a dropped process's), a row at a time:
        those rows without that end, counted."""
        kinds, started, finished = bytearray(), bytearray(), bytearray()
        started_at = finished_at = 0
        inflight = self._inflight
        for kind in rows.kinds:
            if kind == FINISHED:
                row = rows.finished[finished_at:finished_at + FINISHED_ROW.size]
                finished_at += FINISHED_ROW.size
                req_id = FINISHED_ROW.unpack(row)[0]
                if req_id not in inflight:
                    continue
                del inflight[req_id]
                self._done += 1
                finished += row
            else:
                row = rows.started[started_at:started_at + STARTED_ROW.size]
                started_at += STARTED_ROW.size
                req_id, _, number, _ = STARTED_ROW.unpack(row)
                inflight[req_id] = rows.threads[number]
                if self.total is None:
                    self._next = max(self._next, req_id + 1)
                started += row
            kinds.append(kind)
        return RequestRows(bytes(kinds), bytes(started), bytes(finished), rows.threads, rows.texts)

    def drop_worker(self, pid: int, why: str) -> None:
        """A worker process died: what it had in flight ends now, with why; the rest go on."""
        with self._lock:
            if self._ended.is_set():
                return
            now = time.perf_counter_ns()
            lost = [(req_id, who) for req_id, who in self._inflight.items()
                    if who is not None and who.pid == pid]
            if lost:
                for req_id, _ in lost:
                    del self._inflight[req_id]
                self._done += len(lost)
                self._emit([cancelled_rows(lost, now, why)])
            if self._done == self.total:
                self._end_locked(RunEnded(now, self.cancelled, total=self.total))

    def end_gathered(self, total: int, timed: bool, lost: str | None) -> None:
        """Every worker process has ended or died: whatever is not accounted ends with the run
        (a dead process's requests it had taken but not yet reported, for one)."""
        with self._lock:
            if self._ended.is_set():
                return
            self.total = total if self.total is None else self.total
            self._inflight.clear()
            unaccounted = self._done < self.total
            self.lost = lost if unaccounted else None
            cut_short = self.cancelled or (unaccounted and lost is not None)
            self._end_locked(RunEnded(time.perf_counter_ns(), cut_short, self.lost, total=self.total,
                                      timed=timed and not cut_short))
