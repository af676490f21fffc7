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
from collections.abc import Sequence

from fetchtui.core.config import RunConfig
from fetchtui.core.events import ThreadInfo
from fetchtui.core.fetching.backend import AsyncClient, make_async_client
from fetchtui.core.fetching.result import FetchResult, request_finished
from fetchtui.core.runs.source import RunSource
from fetchtui.core.targets import Target

_TICK_S = 0.02  # how often the loop looks at the duration's end


class LoopSource(RunSource):
    """Fetch `targets` with `config.workers` tasks on one event loop in its own thread."""

    def __init__(self, targets: Sequence[Target], config: RunConfig) -> None:
        super().__init__(targets, config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._thread: threading.Thread | None = None
        self._cpu_mark = 0  # the loop thread's CPU time at the last finish

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

    def _cancel_tasks(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._cancel_all)
            except RuntimeError:  # the loop closed meanwhile
                pass

    # -- the loop thread --------------------------------------------------------------
    def _cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # the client could not be set up: say so, lose nothing
            self.ledger.close_out(lost=f"cannot run {self.config.backend} on asyncio: "
                                       f"{type(exc).__name__}: {exc}")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        client = make_async_client(self.config.backend, self.config.workers, self.config.limits)
        current = threading.current_thread()
        ident, native = current.ident or threading.get_ident(), current.native_id or 0
        pid = os.getpid()
        self._cpu_mark = time.thread_time_ns()
        planned = self.ledger.total
        count = min(self.config.workers, planned if planned is not None else self.config.workers)
        self._tasks = [asyncio.create_task(self._work(client, ThreadInfo(ident, f"task-{n}", native,
                                                                         pid, n)))
                       for n in range(count)]
        ticker = asyncio.create_task(self._tick())
        try:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            ticker.cancel()
            await client.aclose()

    async def _tick(self) -> None:
        while not self.ledger.ended:
            if self.ledger.tick():  # the duration ended and what was in flight is cut
                self._cancel_tasks()
                return
            await asyncio.sleep(_TICK_S)

    async def _work(self, client: AsyncClient, info: ThreadInfo) -> None:
        ledger, targets, listed = self.ledger, self.targets, len(self.targets)
        timeout = self.config.limits.timeout
        perf = time.perf_counter_ns
        while True:
            taken = ledger.take(info)
            if taken is None:
                return
            req_id, due = taken
            if due is not None:
                await asyncio.sleep(max(0.0, (due - perf()) / 1e9))
                if not ledger.begin(req_id, info):
                    continue
            got: FetchResult | Exception
            try:  # a total deadline, not per read
                got = await asyncio.wait_for(client.fetch(targets[req_id % listed]), timeout)
            except Exception as exc:  # a timeout, a FetchError, or a client bug: none loses the request
                got = exc
            done = perf()
            # The loop's CPU is shared by every task: each request is charged what the thread
            # spent since the last one finished, so the mean per request is the true one.
            cpu_now = time.thread_time_ns()
            cpu_ns, self._cpu_mark = cpu_now - self._cpu_mark, cpu_now
            ledger.finish(request_finished(req_id, done, info, got, cpu_ns, timeout))
            if ledger.ended:
                return
