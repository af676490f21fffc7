"""The asyncio source: one event loop thread running -w tasks, each fetching requests in turn.

The lesson's other way past blocking: no thread per request, but one thread that switches
between requests while each waits on the network. Every request carries the loop thread's
ident; the tasks tell the requests apart. It does not pass the GIL ceiling, it removes the
thread switching under it: all the client's Python runs on the one thread.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Sequence

from fetchtui.core.fetching.client import AsyncClient, make_async_client
from fetchtui.core.fetching.result import FetchResult, ending
from fetchtui.core.input.config import MAX_WORKERS, RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import ThreadInfo
from fetchtui.core.runs.ledger import RETIRE
from fetchtui.core.runs.source import RunSource

_TICK_S = 0.02  # how often the loop looks at the duration's end


class LoopSource(RunSource):
    """Fetch `targets` with `config.workers` tasks on one event loop in its own thread."""

    def __init__(self, targets: Sequence[Target], config: RunConfig) -> None:
        super().__init__(targets, config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}  # slot -> the task running in it
        self._thread: threading.Thread | None = None
        self._cpu_mark = 0  # the loop thread's CPU time at the last finish
        self._client: AsyncClient | None = None
        self._cap = config.workers
        self.fold_rows()  # its requests reach the stats as rows, whoever drains them

    def start(self) -> None:
        """Start the loop thread; returns at once."""
        self.ledger.open(self.config.workers)
        if self.ledger.ended:
            return
        self._thread = threading.Thread(target=self._run, name="fetchtui-loop", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Close the run out and cancel every task; never waits."""
        if self.ledger.close_out():
            self._cancel_tasks()

    def close(self) -> None:
        self.cancel()
        self._cancel_tasks()

    def resize(self, workers: int) -> bool:
        if not self.ledger.resize(workers):
            return False
        self._call_in_loop(self._grow)  # retiring tasks leave by themselves
        return True

    def pause(self, paused: bool) -> bool:
        return self.ledger.pause(paused)

    def _call_in_loop(self, callback: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(callback)
            except RuntimeError:  # the loop closed meanwhile
                pass

    def _cancel_tasks(self) -> None:
        self._call_in_loop(self._cancel_all)

    # -- the loop thread --------------------------------------------------------------
    def _cancel_all(self) -> None:
        for task in self._tasks.values():
            task.cancel()

    def _grow(self) -> None:
        """Start a task in every empty slot below the pool's size."""
        if self._client is None or self.ledger.ended:
            return
        current = threading.current_thread()
        ident, native = current.ident or threading.get_ident(), current.native_id or 0
        for slot in range(min(self.ledger.wanted, self._cap)):
            if slot not in self._tasks:  # never started, or retired: a task that ran out stays
                info = ThreadInfo(ident, f"task-{slot}", native, os.getpid(), slot)
                self._tasks[slot] = asyncio.create_task(self._work(self._client, info, slot))

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # the client could not be set up: say so, lose nothing
            self.ledger.close_out(lost=f"cannot run {self.config.client} on asyncio: "
                                       f"{type(exc).__name__}: {exc}")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        # sized for the most tasks a resize can ask (as the pool's clients are)
        client = self._client = make_async_client(self.config.client, MAX_WORKERS,
                                                  self.config.limits)
        self._cpu_mark = time.thread_time_ns()
        planned = self.ledger.total
        self._cap = planned if planned is not None else MAX_WORKERS
        self._grow()
        ticker = asyncio.create_task(self._tick())
        try:
            # a resize adds tasks while these run: wait until none is left running
            while running := [task for task in self._tasks.values() if not task.done()]:
                await asyncio.wait(running)
        finally:
            ticker.cancel()
            await client.aclose()

    async def _tick(self) -> None:
        while not self.ledger.ended:
            if self.ledger.tick():  # the duration ended and what was in flight is cut
                self._cancel_tasks()
                return
            self._grow()  # a stage began, or a task retired as the pool regrew
            await asyncio.sleep(_TICK_S)

    async def _work(self, client: AsyncClient, info: ThreadInfo, slot: int) -> None:
        ledger, targets, listed = self.ledger, self.targets, len(self.targets)
        timeout = self.config.limits.timeout
        timeout_ns = round(timeout * 1e9)
        perf = time.perf_counter_ns
        while True:
            taken = ledger.take(info, slot)
            if taken == RETIRE:
                del self._tasks[slot]  # the slot is empty: a regrown pool fills it again
                return
            if taken is None:
                return
            if isinstance(taken, str):  # HOLD: paused; the loop must not block
                await asyncio.sleep(_TICK_S)
                continue
            req_id, due = taken
            if due is not None:
                await asyncio.sleep(max(0.0, (due - perf()) / 1e9))
                if not ledger.begin(req_id, info):
                    continue
            got: FetchResult | Exception
            deadline_ns = perf() + timeout_ns
            try:  # a total deadline, not per read
                got = await asyncio.wait_for(client.fetch(targets[req_id % listed]), timeout)
            except Exception as exc:  # a timeout, a FetchError, or a client bug: none loses the request
                got = exc
            done = perf()
            # The loop's CPU is shared by every task: each request is charged what the thread
            # spent since the last one finished, so the mean per request is the true one.
            cpu_now = time.thread_time_ns()
            cpu_ns, self._cpu_mark = cpu_now - self._cpu_mark, cpu_now
            ledger.finish_fetched(req_id, done, info, cpu_ns,
                                  ending(done, got, timeout, deadline_ns=deadline_ns))
            if ledger.ended:
                return
