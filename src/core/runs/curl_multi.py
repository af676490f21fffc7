"""The curl-multi source: one thread per process drives -w transfers through libcurl's multi interface.

The lesson's last step. asyncio switches between requests on one thread, in Python; libcurl's
multi interface does the same in C: one thread hands it -w transfers, it moves every one of
them as its socket is ready, and hands back the ones that ended. Each transfer slot is a
worker (the table's groups, the timeline's lanes) with the loop thread's ident, its pid and
its slot number, as asyncio's tasks are. Every request still takes its id from the ledger
and ends there once: the total deadline is libcurl's TIMEOUT_MS, a cancel or a retiring slot
only stops handing out, and `-P N` runs one such loop in each of N worker processes.
"""

from __future__ import annotations

import heapq
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pycurl

from fetchtui.core.fetching.errors import FetchError
from fetchtui.core.fetching.phases import ConnIds
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.fetching.pycurl_client import CurlHandle
from fetchtui.core.fetching.redirects import REDIRECT_CODES, carries_secrets, next_hop
from fetchtui.core.fetching.result import FetchResult, ending, ok_status
from fetchtui.core.fetching.tls import Tls
from fetchtui.core.input.config import MAX_WORKERS, RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import PhaseFields, Phases, ThreadInfo
from fetchtui.core.runs.ledger import HOLD, RETIRE, Dispense, Ledger
from fetchtui.core.runs.source import RunSource

_SELECT_S = 0.01  # the longest the loop waits on sockets: how soon it sees a cancel or a resize
# The loop is the process's one fetching thread: whatever else holds the GIL (the stats fold,
# headless) stalls every transfer until it lets go, after 5 ms by default.
_SWITCH_S = 0.001


def open_curl_multi(targets: Sequence[Target], config: RunConfig) -> RunSource:
    """The registry's source for curl-multi: the loop here, or one in each of -P processes."""
    if config.processes > 1:
        from fetchtui.core.runs.processes import ProcessesSource

        return ProcessesSource(targets, config)
    return CurlMultiSource(targets, config)


@dataclass(slots=True)
class _Transfer:
    """A request on its way through a slot: what it is, and where its redirects have got to."""

    req_id: int
    url: str
    method: str
    body: bytes | None
    headers: tuple[tuple[str, str], ...]
    follow_by_hand: bool  # its headers carry secrets: libcurl must not forward them to another host
    deadline_ns: int
    hops: int = 0


class CurlMultiSource(RunSource):
    """Fetch `targets` with `config.workers` transfers on one libcurl multi handle, one thread."""

    def __init__(self, targets: Sequence[Target], config: RunConfig, *, dispense: Dispense | None = None,
                 t0: int | None = None) -> None:
        super().__init__(targets, config)
        if dispense is not None:  # one process's share of a run: ids come from a shared counter
            self.ledger = Ledger(len(targets), self.events.put, config, dispense)
        self._t0 = t0
        self._thread: threading.Thread | None = None
        self.fold_rows()  # its requests reach the stats as rows, whoever drains them

    def start(self) -> None:
        """Start the loop thread; returns at once."""
        self.ledger.open(self.config.workers, self._t0)
        if self.ledger.ended:
            return
        if sys.getswitchinterval() > _SWITCH_S:
            sys.setswitchinterval(_SWITCH_S)  # another thread hands the GIL back within 1 ms
        self._thread = threading.Thread(target=self._run, name="fetchtui-curl-multi", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Close the run out; the loop drops its transfers within a select (10 ms). Never waits."""
        self.ledger.close_out()

    def resize(self, workers: int) -> bool:
        return self.ledger.resize(workers)  # the loop fills or empties slots as it goes

    def pause(self, paused: bool) -> bool:
        return self.ledger.pause(paused)

    def _run(self) -> None:
        try:
            _Loop(self).run()
        except Exception as exc:  # libcurl could not be set up (a CA file, say): lose nothing
            self.ledger.close_out(lost=f"cannot run curl-multi: {type(exc).__name__}: {exc}")


class _Loop:
    """The loop thread's state: the multi handle, a handle per slot, what each slot carries."""

    def __init__(self, source: CurlMultiSource) -> None:
        self.ledger = source.ledger
        self.targets = source.targets
        config = source.config
        self.limits = config.limits
        self.tls = Tls.of(config.limits)
        self.proxies = Proxies(config.limits)
        self.proxy_of: dict[str, str | None] = {}
        self.secrets: dict[tuple[tuple[str, str], ...], bool] = {}  # a list's few header sets: asked once
        self.listed = len(self.targets)
        self.timeout_ns = round(self.limits.timeout * 1e9)
        self.ids = ConnIds()
        self.conns: dict[int, int] = {}  # libcurl's connection name -> the run's connection id
        self.conn_info: int | None = getattr(pycurl, "CONN_ID", None)
        self.multi = pycurl.CurlMulti()
        self.handles: list[CurlHandle] = []  # by slot, made as the pool first reaches it
        self.busy: dict[int, _Transfer] = {}  # slot -> what it carries
        self.by_curl: dict[int, int] = {}  # id(curl) -> slot
        self.scheduled: list[tuple[int, int, int]] = []  # (due_ns, slot, req_id): a rate's
        self.waiting: set[int] = set()  # the slots of those
        self.spent: set[int] = set()  # slots the ledger had nothing more for
        self.retired: set[int] = set()  # slots past the pool's size (a regrown pool fills them)
        current = threading.current_thread()
        ident, native, pid = current.ident or threading.get_ident(), current.native_id or 0, os.getpid()
        self.info = [ThreadInfo(ident, f"transfer-{slot}", native, pid, slot) for slot in range(MAX_WORKERS)]
        planned = self.ledger.total
        self.cap = min(MAX_WORKERS, planned) if planned is not None else MAX_WORKERS
        self.cpu_mark = time.thread_time_ns()
        self.refused = False  # a request failed to start this pass: its slot is free again

    def run(self) -> None:
        ledger, multi = self.ledger, self.multi
        try:
            while not ledger.ended:
                if ledger.tick():  # the duration ended, and what was in flight is cut
                    break
                self._fill()
                while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                    pass
                # a transfer that just ended frees a slot: fill it before waiting on sockets
                if self._collect() or ledger.ended or self.refused:
                    self.refused = False  # a request that failed to start freed its slot: fill it now
                    continue
                if self.busy:
                    multi.select(self._wait_s())
                else:  # libcurl's select returns at once with no socket: a pause must not spin
                    ledger.wait(self._wait_s())
        finally:
            self._close()

    # -- handing out ------------------------------------------------------------------
    def _fill(self) -> None:
        """Start a transfer in every free slot below the pool's size; start scheduled ones due."""
        ledger = self.ledger
        size = min(ledger.wanted, self.cap)
        if self.retired:
            self.retired = {slot for slot in self.retired if slot >= size}  # a resize or a stage regrew them
        free = [slot for slot in range(size) if self._free(slot)]
        if len(free) > 1:
            ledger.reserve(len(free))  # their ids under one lock across the processes
        for slot in free:
            taken = ledger.take(self.info[slot], slot)
            if taken is None:
                self.spent.add(slot)
            elif taken == RETIRE:
                self.retired.add(slot)
            elif taken == HOLD:
                return  # paused: nothing starts, and every slot would say the same
            else:
                req_id, due = taken
                if due is None:
                    self._start(slot, req_id)
                else:
                    heapq.heappush(self.scheduled, (due, slot, req_id))
                    self.waiting.add(slot)
        now = time.perf_counter_ns()
        while self.scheduled and self.scheduled[0][0] <= now:
            _, slot, req_id = heapq.heappop(self.scheduled)
            self.waiting.discard(slot)
            if ledger.begin(req_id, self.info[slot]):
                self._start(slot, req_id)
        for slot in range(size, len(self.handles)):  # past the size, with nothing in flight: it leaves
            if self._free(slot) and ledger.take(self.info[slot], slot) == RETIRE:  # a scheduled
                self.retired.add(slot)  # request went first, then the slot

    def _free(self, slot: int) -> bool:
        """Nothing in flight or scheduled on `slot`, and it is neither spent nor retired."""
        return not (slot in self.busy or slot in self.waiting or slot in self.spent or slot in self.retired)

    def _handle(self, slot: int) -> CurlHandle:
        while len(self.handles) <= slot:
            self.handles.append(CurlHandle(self.limits, self.tls))
        return self.handles[slot]

    def _start(self, slot: int, req_id: int) -> None:
        target = self.targets[req_id % self.listed]
        spec = target.spec
        secrets = self.secrets.get(spec.headers)
        if secrets is None:
            secrets = self.secrets[spec.headers] = carries_secrets(spec.headers)
        transfer = _Transfer(req_id, target.url, spec.method, spec.body, spec.headers, secrets,
                             time.perf_counter_ns() + self.timeout_ns)
        self._send(slot, transfer)

    def _proxy(self, url: str) -> str | None:
        """The URL's proxy (the same for every repeat of a URL: asked once, up to a bound)."""
        if url not in self.proxy_of:
            if len(self.proxy_of) >= 10_000:  # a list of a million distinct URLs stays small
                self.proxy_of.clear()
            self.proxy_of[url] = self.proxies.for_url(url)
        return self.proxy_of[url]

    def _send(self, slot: int, transfer: _Transfer) -> None:
        handle = self._handle(slot)
        # a first hop has the whole deadline; a redirect followed by hand what is left of it
        left_ms = handle.timeout_ms if transfer.hops == 0 else \
            int((transfer.deadline_ns - time.perf_counter_ns()) // 1_000_000)
        try:
            handle.prepare(transfer.url, transfer.method, transfer.body, transfer.headers,
                           follow=not transfer.follow_by_hand, proxy=self._proxy(transfer.url),
                           timeout_ms=left_ms)
        except FetchError as exc:  # a URL libcurl cannot send: this request fails, the loop goes on
            now = time.perf_counter_ns()
            self.ledger.finish_fetched(transfer.req_id, now, self.info[slot], 0,
                                       ending(now, exc, self.limits.timeout))
            self.refused = True
            return
        self.busy[slot] = transfer
        self.by_curl[id(handle.curl)] = slot
        self.multi.add_handle(handle.curl)

    # -- taking back ------------------------------------------------------------------
    def _collect(self) -> int:
        """Report the transfers libcurl has ended; how many it had."""
        ended: list[tuple[Any, tuple[int, str] | None]] = []
        while True:
            queued, done, failed = self.multi.info_read()
            ended += [(curl, None) for curl in done]
            ended += [(curl, (int(code), str(message))) for curl, code, message in failed]
            if not queued:
                break
        if not ended:
            return 0
        # One thread moves every transfer: the requests that ended together share what it spent
        # since the last ones did, so the mean per request is the true one (as asyncio's tasks).
        # Read once per batch: a thread's CPU clock is a system call, not a vDSO read.
        cpu_now, done_ns = time.thread_time_ns(), time.perf_counter_ns()
        share, extra = divmod(cpu_now - self.cpu_mark, len(ended))
        self.cpu_mark = cpu_now
        for n, (curl, error) in enumerate(ended):
            self._ended(curl, error, done_ns, share + (extra if n == 0 else 0))
        return len(ended)

    def _ended(self, curl: Any, error: tuple[int, str] | None, done_ns: int, cpu_ns: int) -> None:
        slot = self.by_curl.pop(id(curl))
        self.multi.remove_handle(curl)
        transfer = self.busy.pop(slot)
        handle = self.handles[slot]
        got: FetchResult | FetchError
        if error is not None:
            got = handle.failure(*error)
        else:
            try:
                status, nbytes = handle.completed()
            except FetchError as exc:  # a head past the limits
                got = exc
            else:
                if ok_status(status) and not (transfer.follow_by_hand and status in REDIRECT_CODES) \
                        and done_ns <= transfer.deadline_ns:
                    # the common end, reported by its fields: no result or event object made
                    fields, version = self._phases_of(handle, transfer.url)
                    self.ledger.finish_fetched(transfer.req_id, done_ns, self.info[slot], cpu_ns,
                                               (status, nbytes, None, None, fields, version))
                    return
                got = FetchResult(status, nbytes)
        if isinstance(got, FetchResult) and transfer.follow_by_hand and got.status in REDIRECT_CODES:
            location = curl.getinfo(pycurl.REDIRECT_URL)
            if location:
                if transfer.hops >= self.limits.max_redirects:
                    got = FetchError("redirects", f"more than {self.limits.max_redirects} redirects")
                else:
                    try:
                        hop = next_hop(transfer.url, got.status, location, transfer.method, transfer.body,
                                       transfer.headers)
                    except FetchError as exc:  # a redirect to file:// and the like
                        got = exc
                    else:
                        self._phases_of(handle, transfer.url)  # its connection is counted, then the next hop
                        self._send(slot, _Transfer(transfer.req_id, *hop, True, transfer.deadline_ns,
                                                   transfer.hops + 1))
                        self.cpu_mark -= cpu_ns  # the request goes on: its share is the next batch's
                        return
        fields, version = self._phases_of(handle, transfer.url)
        timed_out = error is not None and error[0] == pycurl.E_OPERATION_TIMEDOUT
        self.ledger.finish_fetched(transfer.req_id, done_ns, self.info[slot], cpu_ns,
                                   ending(done_ns, got, self.limits.timeout, timed_out=timed_out,
                                          phases=Phases(*fields), http_version=version,
                                          deadline_ns=transfer.deadline_ns))

    def _connection(self, curl: Any) -> int | None:
        """libcurl's name for the transfer's connection: CURLINFO_CONN_ID (libcurl 8.2 and
        newer), else its local port, which tells loopback connections open at once apart."""
        if self.conn_info is not None:
            try:
                return int(curl.getinfo(self.conn_info))
            except pycurl.error:  # pycurl knows the name, this libcurl does not
                self.conn_info = None
        port = int(curl.getinfo(pycurl.LOCAL_PORT) or 0)
        return port or None

    def _phases_of(self, handle: CurlHandle, url: str) -> tuple[PhaseFields, str | None]:
        """The transfer's phases (as Phases' fields), its connection named as libcurl names it:
        the multi handle's connections are shared by every slot, so a handle's last one says
        nothing."""
        key = self._connection(handle.curl)
        new = handle.curl.getinfo(pycurl.NUM_CONNECTS) > 0
        handle.conn_id = None if new or key not in self.conns else self.conns[key]
        fields, version = handle.phase_fields(url, self.ids, new)
        if key is not None:
            self.conns[key] = handle.conn_id or 0
        return fields, version

    def _wait_s(self) -> float:
        """How long select may wait: until the next scheduled request, at most _SELECT_S."""
        if self.ledger.held or (not self.busy and not self.scheduled):
            return _SELECT_S
        if self.scheduled:
            return max(0.0, min(_SELECT_S, (self.scheduled[0][0] - time.perf_counter_ns()) / 1e9))
        timeout_ms = self.multi.timeout()  # what libcurl itself waits for (a connect, a deadline)
        return _SELECT_S if timeout_ms < 0 else min(_SELECT_S, timeout_ms / 1000)

    def _close(self) -> None:
        """The run ended (all done, cancelled, cut): drop what is in flight, free libcurl's handles."""
        for slot in list(self.busy):
            self.multi.remove_handle(self.handles[slot].curl)
        self.busy.clear()
        for handle in self.handles:
            handle.close()
        self.multi.close()
