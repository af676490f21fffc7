"""A run's ledger: its accounts (accounts.py) and the dispenser that hands its requests out.

Every source keeps one: the in-process pool takes and finishes requests through it; the child
process's parent side and the replay pass their events through it; the worker processes'
gatherer is one too (gatherer.py). Steering (resize, pause, a duration, stages) is the
dispenser's: it decides what starts next.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import Final, Literal

from fetchtui.core import registry
from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs import interpreter
from fetchtui.core.runs.accounts import Accounts, Emit
from fetchtui.core.runs.events import (
    PoolResized,
    RequestStarted,
    RunEnded,
    RunPaused,
    RunStarted,
    ThreadInfo,
    WorkerRetired,
)

#: Hands out up to n of the next request ids, in a row (an empty range when none is left): a
#: counter shared by the worker processes of one run, so a process that finishes early takes
#: more (none is split up front).
Dispense = Callable[[int], range]
#: take()'s answers besides a request: the run is paused (wait_resumed(), then take again),
#: or this worker's slot is past the pool's size (it shrank): the worker leaves.
HOLD: Final = "hold"
RETIRE: Final = "retire"
Taken = tuple[int, "int | None"] | Literal["hold", "retire"] | None


class Ledger(Accounts):
    """Hands out a run's requests in order (a shared dispenser's share of them, a rate's
    schedule, a pause, the pool's size and its stages) and keeps their accounts."""

    def __init__(self, listed: int, emit: Emit, config: RunConfig | None = None,
                 dispense: Dispense | None = None) -> None:
        super().__init__(listed, emit, config)
        config = self._config
        self._dispense = dispense  # a share of a run other processes take from too
        self._exhausted = False  # the dispenser said none is left
        self._ahead = range(0)  # ids reserve() took from it for the slots being filled now
        self._next = 0
        self._waiting: set[int] = set()  # taken, waiting for their scheduled time (a rate)
        self._end_ns: int | None = None  # when the duration ends
        self._closing = False  # the duration ended: nothing more starts
        self.wanted = config.workers  # the pool's size now: workers in slots past it retire
        self._stage = 0  # --stages: the stage running
        self._held = False  # paused: nothing new starts
        self._resumed = threading.Event()  # set unless paused (and once the run ends)
        self._resumed.set()
        self._paused_at = 0
        self._paused_ns = 0  # time spent paused: a duration and a rate's schedule stop for it
        self._returned: list[int] = []  # scheduled ids whose time came while paused: run them next
        self._per_worker = 1  # workers in all per worker of the config (processes: -P)

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
            client = registry.client(config.model, config.client)
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

    def _share_done(self) -> None:
        if self._closing and not self._inflight:
            self._end_locked(self._timed_end())
        elif (self._exhausted and not self._inflight and not self._waiting and not self._returned
              and not self._ahead):
            self._end_locked(RunEnded(time.perf_counter_ns(), self.cancelled))

    def _stop_dispensing(self) -> None:
        self._waiting.clear()
        self._returned.clear()
        self._ahead = range(0)
        if self.total is None and self._next:  # a relay never takes: it leaves it to stats
            self.total = self._next

    def _woken(self) -> None:
        self._resumed.set()  # a worker held by a pause wakes, and finds the run over
