"""The in-process source: a ThreadPoolExecutor whose workers fetch the list and report events."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from fetchtui.core.fetching.client import Client, make_client
from fetchtui.core.fetching.deadline import Slot, set_current_slot, watch_sockets
from fetchtui.core.fetching.phases import ConnIds, end_trace, start_trace
from fetchtui.core.fetching.result import FetchResult, ending
from fetchtui.core.input.config import MAX_WORKERS, FetchLimits, RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs import interpreter
from fetchtui.core.runs.events import ThreadInfo
from fetchtui.core.runs.ledger import RETIRE, Dispense, Ledger
from fetchtui.core.runs.source import RunSource

if TYPE_CHECKING:
    from fetchtui.core.runs.child import FetchProcesses

_WATCH_INTERVAL = 0.02
_RELEASE_WAIT_S = 1.0  # the most close() waits on another thread's release: local closes only
ClientFactory = Callable[[str, int, FetchLimits], Client]


class PoolSource(RunSource):
    """Fetch `targets` on `config.workers` pool threads; every request ends once, in the ledger.

    Worker threads take the next request from the ledger, so a cancel drops all queued work
    at once, and each thread's socket sits in a Slot the watchdog can shut down: past a
    request's deadline (a total timeout, not per read) or on cancel, so no thread stays blocked.
    """

    def __init__(self, targets: Sequence[Target], config: RunConfig,
                 client: ClientFactory = make_client, *, dispense: Dispense | None = None,
                 t0: int | None = None) -> None:
        super().__init__(targets, config)
        if dispense is not None:  # one process's share of a run: ids come from a shared counter
            self.ledger = Ledger(len(targets), self.events.put, config, dispense)
        self._t0 = t0
        self._make_client = client
        self._client: Client | None = None
        self._lock = threading.Lock()
        self._slots: dict[int, Slot] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False
        self._released = threading.Event()  # _release has closed the client
        self._conn_ids = ConnIds()
        self._live: set[int] = set()  # the slots a worker runs in: 0..size-1 while none retires
        self._cap = config.workers  # never more workers than requests
        self.fold_rows()  # its requests reach the stats as rows, whoever drains them

    # -- commands -------------------------------------------------------------------
    def start(self) -> None:
        """Start the pool; returns at once."""
        config = self.config
        watch_sockets()
        self.ledger.open(config.workers, self._t0)
        try:
            # sized for the most workers a resize can ask: a client's connection limit is no
            # bound of its own (each worker has one request in flight), but one sized to the
            # starting workers would queue a grown pool's requests behind a few connections
            self._client = self._make_client(config.client, MAX_WORKERS, config.limits)
        except Exception as exc:  # e.g. a CA file that cannot be read: say so, lose nothing
            self.ledger.close_out(lost=f"cannot set up {config.client}: {type(exc).__name__}: {exc}")
            return
        if not self.targets:
            self._release()
            return
        planned = self.ledger.total
        self._cap = planned if planned is not None else MAX_WORKERS
        # room for the most a resize can ask: the executor starts a thread only when a task
        # finds none idle, and a retired worker's thread is idle, so a regrown pool reuses it
        self._pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="fetchtui-worker")
        threading.Thread(target=self._watch, name="fetchtui-watchdog", daemon=True).start()
        # Each thread start waits until the new thread runs, which under a busy GIL costs
        # milliseconds: a thousand of them took 12 s in the caller (the UI thread) before.
        threading.Thread(target=self._grow, name="fetchtui-spawner", daemon=True).start()

    def _grow(self) -> None:
        """Start a worker in every empty slot below the pool's size."""
        pool = self._pool
        with self._lock:
            if pool is None or self._closed or self.ledger.ended:
                return
            size = min(self.ledger.wanted, self._cap)
            empty = [slot for slot in range(size) if slot not in self._live]
            self._live.update(empty)
        for slot in empty:
            if self.ledger.ended:
                return
            try:
                pool.submit(self._work, slot)
            except RuntimeError:  # cancel shut the pool down meanwhile
                return

    def resize(self, workers: int) -> bool:
        if not self.ledger.resize(workers):
            return False
        self._grow()  # shrinking needs nothing here: workers past the size retire themselves
        return True

    def pause(self, paused: bool) -> bool:
        return self.ledger.pause(paused)

    def cancel(self) -> None:
        """Close the run out, cut in-flight sockets; never waits."""
        if self.ledger.close_out():
            self._release()

    def close(self) -> None:
        """Cancel and let go of everything. A release the worker that ended the run began is
        waited for, a moment at most: the client's sockets are closed when this returns (a
        run that used every descriptor has one left for its export)."""
        self.cancel()
        self._release()
        self._released.wait(_RELEASE_WAIT_S)

    def stuck_threads(self) -> int:
        """Pool threads still alive (after a cancel they are unwinding a cut socket)."""
        pool = self._pool
        threads = getattr(pool, "_threads", ()) if pool is not None else ()
        return sum(1 for t in threads if t.is_alive())

    # -- inside -----------------------------------------------------------------------
    def _release(self) -> None:
        """Cut every worker's socket, then let go of the pool and the client: in that order,
        as a client's close() closes sockets without waking a thread blocked reading one."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            slots = list(self._slots.values())
        for slot in slots:
            slot.cut()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        self._released.set()

    def _work(self, number: int) -> None:
        current = threading.current_thread()
        ident = current.ident or threading.get_ident()
        info = ThreadInfo(ident, current.name, current.native_id or 0, os.getpid())
        slot = Slot()
        with self._lock:
            self._slots[ident] = slot
        set_current_slot(slot)
        targets, ledger = self.targets, self.ledger
        listed = len(targets)  # a duration repeats the list: request i fetches line i % listed
        timeout = self.config.limits.timeout
        timeout_ns = round(timeout * 1e9)
        assert self._client is not None
        fetch = self._client.fetch
        perf, cpu, monotonic = time.perf_counter_ns, time.thread_time_ns, time.monotonic
        try:
            while True:
                taken = ledger.take(info, number)
                if taken is None or taken == RETIRE:
                    return
                if isinstance(taken, str):  # HOLD: paused
                    ledger.wait_resumed()
                    continue
                req_id, due = taken
                if due is not None:  # a rate: wait for its time, unless the run ends first
                    ledger.sleep_until(due)
                    if not ledger.begin(req_id, info):
                        continue
                slot.reset(monotonic() + timeout)
                deadline_ns = perf() + timeout_ns
                target = targets[req_id % listed]
                trace = start_trace(target.url, self._conn_ids)
                cpu0 = cpu()
                got: FetchResult | Exception
                try:
                    got = fetch(target)
                except Exception as exc:  # a FetchError, or a client bug: neither loses the request
                    got = exc
                cpu_ns = cpu() - cpu0
                done = perf()
                end_trace()
                ledger.finish_fetched(req_id, done, info, cpu_ns,
                                      ending(done, got, timeout,
                                             timed_out=slot.expired and not isinstance(got, FetchResult),
                                             phases=trace.phases(done), http_version=trace.http_version,
                                             deadline_ns=deadline_ns))
                if ledger.ended:
                    self._release()
        finally:
            set_current_slot(None)
            end_trace()
            with self._lock:
                self._slots.pop(ident, None)
                self._live.discard(number)
            if number < ledger.wanted and not ledger.ended:  # regrown as it retired
                self._grow()

    def _watch(self) -> None:
        monotonic = time.monotonic
        while not self.ledger.wait(_WATCH_INTERVAL):
            if self.ledger.tick():  # the duration ended, and what was in flight is cut
                self._release()
                return
            if self.ledger.wanted > len(self._live):  # a stage began
                self._grow()
            now = monotonic()
            with self._lock:
                slots = list(self._slots.values())
            for slot in slots:
                slot.expire_if_overdue(now)


class PoolSources:
    """Runs in this process (the headless front end's choice: it draws little)."""

    def __init__(self, client: ClientFactory | None = None) -> None:
        self._client = client  # a test's own thread client, else each model's own
        self._elsewhere: FetchProcesses | None = None  # runs on another interpreter (--python)

    def open(self, targets: Sequence[Target], config: RunConfig) -> RunSource:
        from fetchtui.core.runs.models import open_source

        if not interpreter.same(config.python):  # its pool runs in a process of that Python
            from fetchtui.core.runs.child import FetchProcesses

            if self._elsewhere is None:
                self._elsewhere = FetchProcesses()
            return self._elsewhere.open(targets, config)
        return open_source(targets, config, self._client)

    def warm(self, python: str | None = None) -> None:
        pass

    def close(self) -> None:
        if self._elsewhere is not None:
            self._elsewhere.close()
