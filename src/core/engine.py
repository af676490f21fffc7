"""The fetch engine: a ThreadPoolExecutor that fetches targets and reports events on a queue."""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from fetchtui.core.backends import (
    BACKENDS,
    FetchError,
    FetchLimits,
    Slot,
    make_backend,
    set_current_slot,
)
from fetchtui.core.events import (
    Event,
    Outcome,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.targets import Target

MAX_WORKERS = 1024
_PENDING, _RUNNING, _DONE = 0, 1, 2
_WATCH_INTERVAL = 0.02
BATCH = 50_000


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything that shapes a run besides the list itself."""

    workers: int = 10
    backend: str = "requests"
    limits: FetchLimits = field(default_factory=FetchLimits)

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"workers must be from 1 to {MAX_WORKERS}, got {self.workers}")
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r} (choose from {', '.join(BACKENDS)})")
        if not self.limits.timeout > 0:
            raise ValueError(f"timeout must be more than 0 seconds, got {self.limits.timeout}")
        if self.limits.max_bytes < 0:
            raise ValueError(f"max bytes cannot be negative, got {self.limits.max_bytes}")


class RunHandle:
    """What a front end asks of a run, wherever its pool lives: has it ended, was it cancelled."""

    def __init__(self) -> None:
        self._cancelled = False
        self._ended = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every request is accounted; True if the run ended."""
        return self._ended.wait(timeout)

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled


class Engine(RunHandle):
    """Fetch `targets` on `config.workers` pool threads; every request ends in one event.

    Worker threads pull the next request index, so cancelling drops all queued work at once,
    and each thread's socket sits in a Slot the watchdog can shut down: past a request's
    deadline (a total timeout, not per read) or on cancel, so no thread stays blocked.
    """

    def __init__(
        self,
        targets: Sequence[Target],
        config: RunConfig,
        events: queue.SimpleQueue[Event] | None = None,
    ) -> None:
        super().__init__()
        self.targets = targets
        self.config = config
        self.events: queue.SimpleQueue[Event] = events if events is not None else queue.SimpleQueue()
        self._state = bytearray(len(targets))
        self._lock = threading.Lock()
        self._next = itertools.count()
        self._terminal = 0
        self._slots: dict[int, Slot] = {}
        self._inflight: dict[int, int] = {}  # req_id -> thread ident
        self._threads: dict[int, ThreadInfo] = {}
        self._backend = make_backend(config.backend, config.workers, config.limits)
        self._pool: ThreadPoolExecutor | None = None
        self._watchdog: threading.Thread | None = None
        self.t0_ns = 0

    # -- commands -------------------------------------------------------------------
    def start(self) -> None:
        """Start the pool; returns at once."""
        self.t0_ns = time.perf_counter_ns()
        self.events.put(RunStarted(len(self.targets), self.config.workers, self.t0_ns))
        if not self.targets:
            self._finish()
            return
        workers = min(self.config.workers, len(self.targets))
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="fetchtui-worker")
        self._watchdog = threading.Thread(target=self._watch, name="fetchtui-watchdog", daemon=True)
        self._watchdog.start()
        threading.Thread(target=self._spawn, args=(self._pool, workers), name="fetchtui-spawner",
                         daemon=True).start()

    def _spawn(self, pool: ThreadPoolExecutor, workers: int) -> None:
        # Each thread start waits until the new thread runs, which under a busy GIL costs
        # milliseconds: a thousand of them took 12 s in the caller (the UI thread) before.
        for _ in range(workers):
            if self._cancelled or self._ended.is_set():
                return
            try:
                pool.submit(self._work)
            except RuntimeError:  # cancel shut the pool down meanwhile
                return

    def cancel(self) -> None:
        """Drop queued work, cut in-flight sockets, account everything as cancelled; never waits."""
        now = time.perf_counter_ns()
        with self._lock:
            if self._cancelled or self._ended.is_set():
                return
            self._cancelled = True
            put = self.events.put
            for req_id, ident in self._inflight.items():
                self._state[req_id] = _DONE
                put(RequestFinished(req_id, now, self._threads.get(ident), Outcome.CANCELLED,
                                    error="cancelled while in flight"))
            cancelled_running = len(self._inflight)
            self._inflight.clear()
            pending = 0
            start = self._state.find(_PENDING)
            while start != -1:
                self._state[start] = _DONE
                put(RequestFinished(start, now, None, Outcome.CANCELLED, error="cancelled before it started"))
                pending += 1
                start = self._state.find(_PENDING, start + 1)
            self._terminal += cancelled_running + pending
            slots = list(self._slots.values())
            self._finish_locked()
        for slot in slots:
            slot.cut()
        self._close()

    def close(self) -> None:
        """Cancel whatever is left and release the backend; never waits on the network."""
        self.cancel()
        self._close()

    def stuck_threads(self) -> int:
        """Pool threads still alive (after a cancel they are unwinding a cut socket)."""
        pool = self._pool
        threads = getattr(pool, "_threads", ()) if pool is not None else ()
        return sum(1 for t in threads if t.is_alive())

    # -- inside -----------------------------------------------------------------------
    def _finish(self) -> None:
        with self._lock:
            self._finish_locked()
        self._close()

    def _finish_locked(self) -> None:
        if not self._ended.is_set():
            self.events.put(RunEnded(time.perf_counter_ns(), self._cancelled))
            self._ended.set()

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._backend.close()

    def _work(self) -> None:
        current = threading.current_thread()
        ident = current.ident or threading.get_ident()
        info = ThreadInfo(ident, current.name, current.native_id or 0, os.getpid())
        slot = Slot()
        with self._lock:
            self._threads[ident] = info
            self._slots[ident] = slot
        set_current_slot(slot)
        targets, total = self.targets, len(self.targets)
        timeout = self.config.limits.timeout
        fetch, put, state = self._backend.fetch, self.events.put, self._state
        perf, cpu, monotonic = time.perf_counter_ns, time.thread_time_ns, time.monotonic
        try:
            while True:
                req_id = next(self._next)
                if req_id >= total:
                    return
                with self._lock:
                    if self._cancelled:
                        return
                    state[req_id] = _RUNNING
                    self._inflight[req_id] = ident
                    slot.reset(monotonic() + timeout)
                    put(RequestStarted(req_id, perf(), info))
                cpu0 = cpu()
                status: int | None = None
                nbytes = 0
                kind: str | None = None
                error: str | None = None
                try:
                    status, nbytes = fetch(targets[req_id].url)
                    if status >= 400:
                        kind, error = "http", f"HTTP {status}"
                except FetchError as exc:
                    kind, error, status, nbytes = exc.kind, str(exc), exc.status, exc.nbytes
                    if slot.expired:
                        kind, error = "timeout", f"no complete response within {timeout:g} s"
                except Exception as exc:  # a backend bug must not lose the request
                    kind, error = "invalid", f"{type(exc).__name__}: {exc}"
                cpu_ns = cpu() - cpu0
                slot.reset(float("inf"))
                with self._lock:
                    if state[req_id] == _DONE:  # cancel() accounted it already
                        continue
                    state[req_id] = _DONE
                    del self._inflight[req_id]
                    outcome = Outcome.OK if kind is None else Outcome.FAILED
                    put(RequestFinished(req_id, perf(), info, outcome, status, nbytes, kind, error, cpu_ns))
                    self._terminal += 1
                    if self._terminal == total:
                        self._finish_locked()
        finally:
            set_current_slot(None)
            with self._lock:
                self._slots.pop(ident, None)

    def _watch(self) -> None:
        monotonic = time.monotonic
        while not self._ended.wait(_WATCH_INTERVAL):
            now = monotonic()
            with self._lock:
                slots = list(self._slots.values())
            for slot in slots:
                slot.expire_if_overdue(now)


def drain(events: queue.SimpleQueue[Event], timeout: float, limit: int = BATCH) -> list[Event]:
    """Take what the queue holds now (waiting up to `timeout` for the first; 0 = never wait)."""
    batch: list[Event] = []
    try:
        batch.append(events.get(timeout=timeout) if timeout > 0 else events.get_nowait())
        while len(batch) < limit:
            batch.append(events.get_nowait())
    except queue.Empty:
        pass
    return batch
