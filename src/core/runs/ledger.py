"""A run's requests (pending, in flight, done) and the one way a run is closed out.

Every source keeps one: the in-process pool takes and finishes requests through it; the child
process's parent side and the replay pass their events through it. Closing a run out (a
cancel, a dead child) is one RunEnded event that cancels whatever has not finished: the
stats model folds it, so no source builds a per-request event for a request it never ran.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal

from fetchtui.core import interpreter, registry
from fetchtui.core.config import RunConfig
from fetchtui.core.events import (
    FINISHED_ROW,
    STARTED_ROW,
    Event,
    Outcome,
    PhaseFields,
    Phases,
    PoolResized,
    RequestFinished,
    RequestRows,
    RequestStarted,
    RunEnded,
    RunPaused,
    RunStarted,
    ThreadInfo,
    WorkerRetired,
    row_columns,
)

if TYPE_CHECKING:
    from fetchtui.core.runs.packing import Packed, Packer

Emit = Callable[[list[Event]], None]
_GONE: Final = object()  # not in flight (a close-out accounted it)
#: Hands out up to n of the next request ids, in a row (an empty range when none is left): a
#: counter shared by the worker processes of one run, so a process that finishes early takes
#: more (none is split up front).
Dispense = Callable[[int], range]
#: take()'s answers besides a request: the run is paused (wait_resumed(), then take again),
#: or this worker's slot is past the pool's size (it shrank): the worker leaves.
HOLD: Final = "hold"
RETIRE: Final = "retire"
Taken = tuple[int, "int | None"] | Literal["hold", "retire"] | None


class Ledger:
    """Hands out requests in order, takes back their outcomes, and ends the run exactly once.

    Events are emitted under the ledger's lock, so nothing of a run follows its RunEnded on
    the queue: a worker whose request was cancelled while in flight finds it gone here.
    """

    def __init__(self, listed: int, emit: Emit, config: RunConfig | None = None,
                 dispense: Dispense | None = None) -> None:
        self._config = config = config if config is not None else RunConfig()
        self._dispense = dispense  # a share of a run other processes take from too
        self._exhausted = False  # the dispenser said none is left
        self._ahead = range(0)  # ids reserve() took from it for the slots being filled now
        self.total: int | None = config.planned(listed)  # None: until the duration ends
        self._emit = emit
        self._lock = threading.Lock()
        self._next = 0
        self._inflight: dict[int, ThreadInfo | None] = {}  # id -> who runs it
        self._waiting: set[int] = set()  # taken, waiting for their scheduled time (a rate)
        self._done = 0
        self._ended = threading.Event()
        self._t0 = 0
        self._end_ns: int | None = None  # when the duration ends
        self._closing = False  # the duration ended: nothing more starts
        self.cancelled = False  # a cancel was asked for (the run may not have ended yet)
        self.lost: str | None = None  # why the run was cut short from outside, if it was
        self.wanted = config.workers  # the pool's size now: workers in slots past it retire
        self._stage = 0  # --stages: the stage running
        self._held = False  # paused: nothing new starts
        self._resumed = threading.Event()  # set unless paused (and once the run ends)
        self._resumed.set()
        self._paused_at = 0
        self._paused_ns = 0  # time spent paused: a duration and a rate's schedule stop for it
        self._returned: list[int] = []  # scheduled ids whose time came while paused: run them next
        self._per_worker = 1  # workers in all per worker of the config (processes: -P)
        self._processes_left = 0  # a gatherer's worker processes still running
        self._paused_pids: set[int] = set()  # ...and those of them that said they paused
        self._said_paused = False  # the gatherer's RunPaused(True) is out
        self._rows: Packer | None = None  # where the run's events are written, for a pipe

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def write_into(self, packer: Packer) -> None:
        """Write the run's events into `packer`, not through emit: a start, and an end that
        finish_ok reports, go in as rows with no event object made. Before anything is emitted."""
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

    # -- the pool's side --------------------------------------------------------------
    def open(self, workers: int, t0: int | None = None) -> int:
        """Announce the run; an empty one ends at once. Returns its start instant (`t0`: one
        set by the process that runs the whole, as perf_counter_ns is the machine's clock)."""
        config = self._config
        t0 = t0 if t0 is not None else time.perf_counter_ns()
        with self._lock:
            if self._ended.is_set():  # closed out before it opened (a cancel while processes started)
                return t0
            self._t0 = t0
            self.wanted = workers  # in all: under processes, the parent's is every process's
            if config.duration is not None:
                self._end_ns = t0 + round(config.duration * 1e9)
            per_worker = self._per_worker = workers // max(1, config.workers)  # processes: each
            # runs a stage's count
            stages = tuple((n * per_worker, seconds) for n, seconds in config.stages)
            python = interpreter.current()  # in the process that runs the pool: its GIL
            client = registry.client(config.model, config.backend)
            parallel = interpreter.parallelism(python, registry.processes_for(config.model, config.processes),
                                               client is not None and client.releases_gil,
                                               registry.MODELS[config.model].threaded)
            self._emit([RunStarted(self.total, workers, t0, config.rate, config.duration,
                                    config.cut_at_end, config.processes, stages, python, parallel)])
            if self.total == 0:
                self._end_locked(RunEnded(t0, False))
        return t0

    def take(self, thread: ThreadInfo, slot: int = 0) -> Taken:
        """The next request: (id, None) when it is now in flight on `thread`, or (id, due)
        when it is scheduled later; then sleep_until(due) and begin() it. HOLD while paused,
        RETIRE when `slot` is past the pool's size, None when none is left."""
        with self._lock:
            if self._ended.is_set() or self._closing:
                return None
            if slot >= self.wanted:
                self._emit([WorkerRetired(time.perf_counter_ns(), thread)])
                return RETIRE
            if self._held:
                return HOLD
            if self._returned:
                req_id = heapq.heappop(self._returned)
            elif self._ahead:
                req_id, self._ahead = self._ahead[0], self._ahead[1:]
                self._next = req_id + 1
            elif self._exhausted or (self.total is not None and self._next >= self.total):
                self._exhausted = True  # a process's share whose last id it ran ends as one told so
                if not self._inflight and not self._waiting:
                    self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled))
                return None
            elif self._dispense is not None:
                shared = self._dispense(1)
                if not shared:  # the other processes took the rest: this share is done
                    self._exhausted = True
                    if not self._inflight and not self._waiting:
                        self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled))
                    return None
                req_id = shared[0]
                self._next = req_id + 1
            else:
                req_id = self._next
                self._next += 1
            now = time.perf_counter_ns()
            due = self._config.due_ns(req_id, self._t0 + self._paused_ns)
            if due is not None and due > now:
                self._waiting.add(req_id)
                return req_id, due
            self._inflight[req_id] = thread
            self._started(req_id, now, thread, due)
            return req_id, None

    def reserve(self, count: int) -> None:
        """Take up to `count` ids ahead from a shared dispenser, for as many slots about to be
        filled (take() hands them out first): one lock across the processes for them all, not
        one each. Only as many as the free slots ask for, so no process sits on ids another
        could run; a pause or a shrink between keeps them for the next take."""
        with self._lock:
            if (self._dispense is None or count < 2 or self._ahead or self._exhausted or self._closing
                    or self._held or self._ended.is_set()):
                return
            self._ahead = self._dispense(count)

    def wait_resumed(self) -> None:
        """Block a worker thread while the run is paused (a close-out wakes it too)."""
        self._resumed.wait()

    @property
    def held(self) -> bool:
        return self._held

    def sleep_until(self, due_ns: int) -> None:
        """Wait for a request's scheduled time; a close-out wakes the sleeper at once."""
        delay = (due_ns - time.perf_counter_ns()) / 1e9
        if delay > 0:
            self._ended.wait(delay)

    def begin(self, req_id: int, thread: ThreadInfo) -> bool:
        """Put a scheduled request in flight; False if the run ended or its duration ran out."""
        with self._lock:
            if req_id not in self._waiting or self._closing or self._ended.is_set():
                return False
            self._waiting.discard(req_id)
            if self._held:  # its time came while paused: it goes first after the resume
                heapq.heappush(self._returned, req_id)
                return False
            self._inflight[req_id] = thread
            self._started(req_id, time.perf_counter_ns(), thread,
                          self._config.due_ns(req_id, self._t0 + self._paused_ns))
            return True

    def _started(self, req_id: int, t_ns: int, thread: ThreadInfo, due: int | None) -> None:
        if self._rows is None or not self._rows.started(req_id, t_ns, thread, due):
            self._emit([RequestStarted(req_id, t_ns, thread, due)])

    # -- steering a run that runs -----------------------------------------------------
    def resize(self, workers: int) -> bool:
        """Set the pool's size from now on (the source starts any new workers); False if the
        run has ended, is that size already, or runs --stages (they set its size)."""
        with self._lock:
            if self._ended.is_set() or self._closing or workers == self.wanted:
                return False
            if self._config.stages:  # the stages set the size
                return False
            self.wanted = workers
            self._emit([PoolResized(time.perf_counter_ns(), workers)])
            return True

    def pause(self, paused: bool, announce: bool = True) -> bool:
        """Hold new requests, or let them go again; False if the run ended or already was so.
        Worker processes pause on their own: their parent's `announce` is False, and it says
        the run is paused once every process has said so (see gather)."""
        with self._lock:
            if self._ended.is_set() or self._closing or paused == self._held:
                return False
            now = time.perf_counter_ns()
            self._held = paused
            if paused:
                self._paused_at = now
                self._resumed.clear()
            else:
                held_ns = now - self._paused_at
                self._paused_ns += held_ns
                if self._end_ns is not None:
                    self._end_ns += held_ns  # a duration's clock stops while paused
                self._resumed.set()
            if announce:
                self._emit([RunPaused(now, paused)])
            return True

    def tick(self) -> bool:
        """End the duration once it has passed: nothing more starts, and requests in flight
        are waited for (each up to its timeout) or, with cut_at_end, cut now. True if the run
        ended here, so the caller cuts its sockets."""
        with self._lock:
            if self._end_ns is None or self._closing or self._ended.is_set() or self._held:
                return False
            now = time.perf_counter_ns()
            if self._config.stages:
                self._next_stage(now)
            if now < self._end_ns:
                return False
            self._closing = True
            self._waiting.clear()
            self._returned.clear()
            self._ahead = range(0)
            if self.total is None:
                self.total = self._next
            if self._inflight and not self._config.cut_at_end:
                return False
            self._inflight.clear()
            self._end_locked(self._timed_end())
            return True

    def _next_stage(self, now: int) -> None:
        stage = self._config.stage_at((now - self._t0 - self._paused_ns) / 1e9)
        if stage > self._stage:
            self._stage = stage
            self.wanted = self._config.stages[stage][0]
            self._emit([PoolResized(now, self.wanted, stage)])

    def _timed_end(self) -> RunEnded:
        return RunEnded(time.perf_counter_ns(), self.cancelled, total=self.total, timed=True)

    def finish(self, event: RequestFinished) -> None:
        """Record a request's outcome, unless a close-out accounted it already."""
        with self._lock:
            if self._inflight.pop(event.req_id, _GONE) is _GONE:
                return
            self._emit([event])
            self._finished()

    def finish_ok(self, req_id: int, t_ns: int, thread: ThreadInfo, status: int, nbytes: int, cpu_ns: int,
                  http_version: str | None, phases: PhaseFields | None) -> None:
        """finish() of an ok request (`result.ok_status`, no error) from its fields: where the
        ledger writes rows, none of its event objects is made."""
        with self._lock:
            if self._inflight.pop(req_id, _GONE) is _GONE:
                return
            rows = self._rows
            if rows is None or not rows.finished(req_id, t_ns, thread, status, nbytes, cpu_ns, http_version,
                                                 phases):
                self._emit([RequestFinished(req_id, t_ns, thread, Outcome.OK, status, nbytes, cpu_ns=cpu_ns,
                                            phases=None if phases is None else Phases(*phases),
                                            http_version=http_version)])
            self._finished()

    def _finished(self) -> None:
        """A request left the ledger's in-flight set with its outcome: the run may end here."""
        self._done += 1
        if self._done == self.total:
            self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled, total=self.total))
        elif self._closing and not self._inflight:
            self._end_locked(self._timed_end())
        elif (self._exhausted and not self._inflight and not self._waiting and not self._returned
              and not self._ahead):
            self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled))

    # -- the gatherer's side (the worker processes' events, in the process that started them)
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
                if isinstance(event, RequestRows) and self._gather_rows(event):
                    out.append(event)
                elif isinstance(event, RequestRows):  # an end of it was accounted already: one at a time
                    for single in event.events():
                        self._gather_one(single, pid, out)
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
        # a process's own resizes are this ledger's resize()

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

    def drop_worker(self, pid: int, why: str) -> None:
        """A worker process died: what it had in flight ends now, with why; the rest go on."""
        with self._lock:
            if self._ended.is_set():
                return
            now = time.perf_counter_ns()
            lost = [req_id for req_id, who in self._inflight.items()
                    if who is not None and who.pid == pid]
            for req_id in lost:
                who = self._inflight.pop(req_id)
                self._done += 1
                self._emit([RequestFinished(req_id, now, who, Outcome.CANCELLED, error=why)])
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
            self._waiting.clear()
            self._returned.clear()
            self._ahead = range(0)
            if self.total is None and self._next:  # a relay never takes: it leaves it to stats
                self.total = self._next
            self._end_locked(RunEnded(time.perf_counter_ns(), True, lost, total=self.total))
            return True

    def _end_locked(self, event: RunEnded) -> None:
        self._emit([event])
        self._ended.set()
        self._resumed.set()  # a worker held by a pause wakes, and finds the run over
