"""The one stats model: folds engine events into counts, percentiles, per-thread state, timeline."""

from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fetchtui.core.events import (
    PHASE_NAMES,
    ErrorKind,
    Event,
    Outcome,
    Phases,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.summary import Connections, Latency, OpenLoop, RunSummary
from fetchtui.core.targets import Target

if TYPE_CHECKING:
    from sortedcontainers import SortedList

RECENT = 5


@dataclass(slots=True)
class RequestRecord:
    """What is known of one request; `start_ns`/`end_ns` are perf_counter_ns stamps."""

    req_id: int
    url: str
    thread: ThreadInfo | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    outcome: Outcome | None = None
    status: int | None = None
    nbytes: int = 0
    error_kind: ErrorKind | None = None
    error: str | None = None
    cpu_ns: int = 0
    phases: Phases | None = None
    http_version: str | None = None
    due_ns: int | None = None  # its scheduled time, in a run with a rate

    @property
    def elapsed_ns(self) -> int | None:
        if self.start_ns is None or self.end_ns is None:
            return None
        return self.end_ns - self.start_ns


@dataclass(slots=True)
class ThreadStats:
    """One worker thread: what it has done and what it is doing now."""

    info: ThreadInfo
    requests: int = 0
    busy_ns: int = 0
    cpu_ns: int = 0
    current: int | None = None
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=RECENT))
    done: list[int] = field(default_factory=list)  # every request it ran, in finish order


@dataclass(frozen=True, slots=True)
class ProcessFigures:
    """One process's workers: how many, what they ran, their wall time in requests and CPU."""

    pid: int
    workers: int = 0
    requests: int = 0
    busy_ns: int = 0
    cpu_ns: int = 0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_ns / self.requests / 1e6 if self.requests else 0.0


def _percentile(ordered: Sequence[int], q: float) -> int:
    """Nearest-rank percentile of an ordered sequence (q in 0..100)."""
    if not ordered:
        return 0
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


class Samples:
    """Durations in ns, read in order: incrementally while a run is live, by one sort after."""

    def __init__(self) -> None:
        self.values: list[int] = []
        self._final_sorted = False
        self._sorted: SortedList[int] | None = None  # made on the first live read

    def add(self, value: int) -> None:
        self.values.append(value)

    def ordered(self, final: bool) -> Sequence[int]:
        if self._sorted is None:
            if final:  # first read at the end (a headless run): one sort, no SortedList
                if not self._final_sorted:
                    self.values.sort()
                    self._final_sorted = True
                return self.values
            from sortedcontainers import SortedList

            self._sorted = SortedList()
        done = len(self._sorted)
        if done != len(self.values):
            # only the frame's new values go in: sorting afresh every frame grew as n log n
            # (260 ms a frame at 1,000,000 requests); a SortedList takes 500 more in ~3 ms
            self._sorted.update(self.values[done:])
        return self._sorted

    def latency(self, final: bool) -> Latency:
        """p50/p90/p99/max in milliseconds."""
        ordered = self.ordered(final)
        return Latency(
            p50=_percentile(ordered, 50) / 1e6,
            p90=_percentile(ordered, 90) / 1e6,
            p99=_percentile(ordered, 99) / 1e6,
            max=(ordered[-1] if ordered else 0) / 1e6,
        )


class RunStats:
    """Every figure of a run, from its events; front ends only read it."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = targets
        self.records: list[RequestRecord | None] = [None] * len(targets)
        self.total = len(targets)  # an open run's: the requests made so far
        self.open = False  # the count is open until the run's duration ends
        self.rate: float | None = None
        self.duration_s: float | None = None
        self.cut_at_end = False
        self.processes = 1  # worker processes the run was given
        self.started = 0
        self.timed_end = False  # the duration ended the run
        self.workers = 0
        self.ok = 0
        self.failed = 0
        self.cancelled = 0
        self.in_flight = 0
        self.status_counts: Counter[int] = Counter()
        self.error_counts: Counter[str] = Counter()
        self.http_versions: Counter[str] = Counter()
        self.threads: dict[int, ThreadStats] = {}  # by worker number, in order of appearance
        self._workers: dict[tuple[int, int, int | None], int] = {}  # ThreadInfo.worker -> number
        self.t0_ns: int | None = None
        self.end_ns: int | None = None
        self.ended = False
        self.closed_by: RunEnded | None = None  # the close-out that cancelled what was left
        self.interrupted = False  # the run was cancelled or lost, not run to its end
        self._latencies = Samples()
        self._from_due = Samples()  # latency from the scheduled time (with a rate)
        self._lag = Samples()  # send minus scheduled time
        self.last_lag_ns = 0
        self._phases = {name: Samples() for name in PHASE_NAMES}
        self.conns_opened = 0
        self.conns_reused = 0
        self._changed: set[int] = set()

    # -- folding -------------------------------------------------------------------
    def target(self, req_id: int) -> Target:
        """The list line request `req_id` fetches (a duration repeats the list)."""
        return self.targets[req_id % len(self.targets)]

    def _room(self, count: int) -> None:
        if count > len(self.records):
            self.records.extend([None] * (count - len(self.records)))

    def record(self, req_id: int) -> RequestRecord:
        if req_id >= len(self.records):
            self._room(max(req_id + 1, len(self.records) * 2))
        rec = self.records[req_id]
        if rec is None:
            rec = self.records[req_id] = self.view(req_id)
        return rec

    def view(self, req_id: int) -> RequestRecord:
        """Request `req_id` as it stands, without keeping a record for one that never started.

        After a close-out, a request nobody reported is one the close-out cancelled: an
        export of a million cancelled requests reads them here, one at a time.
        """
        rec = self.records[req_id] if req_id < len(self.records) else None
        if rec is not None:
            return rec
        rec = RequestRecord(req_id, self.target(req_id).display)
        if self.closed_by is not None:
            rec.end_ns, rec.outcome = self.closed_by.t_ns, Outcome.CANCELLED
            rec.error = self.closed_by.error_for(started=False)
        return rec

    def apply(self, events: Iterable[Event]) -> None:
        """Fold a batch of events (in queue order); nothing after a RunEnded counts."""
        for event in events:
            if self.ended:
                return
            if isinstance(event, RequestFinished):
                self._finished(event)
            elif isinstance(event, RequestStarted):
                self._started(event)
            elif isinstance(event, RunStarted):
                self._run_started(event)
            elif isinstance(event, RunEnded):
                self._ended(event)

    def _run_started(self, event: RunStarted) -> None:
        self.t0_ns, self.workers = event.t_ns, event.workers
        self.rate, self.duration_s = event.rate, event.duration_s
        self.cut_at_end = event.cut_at_end
        self.processes = event.processes
        self.open = event.total is None
        self.total = event.total if event.total is not None else 0
        if self.total <= 10_000_000:  # a bigger plan's records grow as requests start
            self._room(self.total)

    def _ended(self, event: RunEnded) -> None:
        """Close the run out: whatever has not finished is cancelled, in flight or never begun."""
        if event.total is not None:
            self.total = event.total
        self.open, self.timed_end = False, event.timed
        for thread in list(self.threads.values()):
            if thread.current is not None:
                self._finished(RequestFinished(thread.current, event.t_ns, thread.info,
                                               Outcome.CANCELLED, error=event.error_for(started=True)))
        left = self.total - self.done
        if left:
            self.closed_by = event
            self.cancelled += left  # counted in bulk; view() tells each one apart when asked
        self.end_ns, self.ended, self.interrupted = event.t_ns, True, event.cancelled

    def _started(self, event: RequestStarted) -> None:
        rec = self.record(event.req_id)
        rec.thread, rec.start_ns, rec.due_ns = event.thread, event.t_ns, event.due_ns
        self.started += 1
        if self.open and event.req_id >= self.total:
            self.total = event.req_id + 1
        if event.due_ns is not None:
            self.last_lag_ns = max(0, event.t_ns - event.due_ns)
            self._lag.add(self.last_lag_ns)
        ident = self.worker(event.thread)
        thread = self.threads.get(ident)
        if thread is None:
            thread = self.threads[ident] = ThreadStats(event.thread)
        thread.current = event.req_id
        self.in_flight += 1
        self._changed.add(ident)

    def _finished(self, event: RequestFinished) -> None:
        rec = self.record(event.req_id)
        rec.end_ns, rec.outcome = event.t_ns, event.outcome
        rec.status, rec.nbytes, rec.cpu_ns = event.status, event.nbytes, event.cpu_ns
        rec.error_kind, rec.error, rec.phases = event.error_kind, event.error, event.phases
        rec.http_version = event.http_version
        if event.http_version is not None:
            self.http_versions[event.http_version] += 1
        if rec.start_ns is not None:
            self.in_flight -= 1
        if event.outcome is Outcome.CANCELLED:
            self.cancelled += 1
        else:
            if event.outcome is Outcome.OK:
                self.ok += 1
            else:
                self.failed += 1
            if rec.start_ns is not None:
                self._latencies.add(event.t_ns - rec.start_ns)
            if rec.due_ns is not None:
                self._from_due.add(event.t_ns - rec.due_ns)
        if event.phases is not None:
            for name, ns in event.phases.spans():
                if ns is not None:
                    self._phases[name].add(ns)
            if event.phases.conn_reused is True:
                self.conns_reused += 1
            elif event.phases.conn_reused is False:
                self.conns_opened += 1
        if event.status is not None:
            self.status_counts[event.status] += 1
        if event.error_kind is not None:
            self.error_counts[event.error_kind] += 1
        if rec.thread is not None and rec.start_ns is not None:
            key = self.worker(rec.thread)
            thread = self.threads[key]
            thread.requests += 1
            thread.busy_ns += event.t_ns - rec.start_ns
            thread.cpu_ns += event.cpu_ns
            if thread.current == event.req_id:
                thread.current = None
            thread.recent.append(event.req_id)
            thread.done.append(event.req_id)
            self._changed.add(key)

    def worker(self, info: ThreadInfo) -> int:
        """The number of the worker (a thread, or an asyncio task) `info` names: the key of
        `threads`, the table's groups and the timeline's lanes."""
        key = self._workers.get(info.worker)
        if key is None:
            key = self._workers[info.worker] = len(self._workers)
        return key

    @property
    def pids(self) -> list[int]:
        """The processes the run's workers ran in, in order of appearance."""
        return list(dict.fromkeys(t.info.pid for t in self.threads.values()))

    def take_changes(self) -> set[int]:
        """Workers whose row changed since the last call (for front ends that redraw)."""
        changed, self._changed = self._changed, set()
        return changed

    # -- reading -------------------------------------------------------------------
    @property
    def done(self) -> int:
        return self.ok + self.failed + self.cancelled

    @property
    def done_share(self) -> float:
        """The part of the run done, 0..1 (an empty list counts as not started): of the list,
        or of the duration while the count is open."""
        if self.open and self.duration_s:
            return min(1.0, self.elapsed_s() / self.duration_s)
        return self.done / max(self.total, 1)

    def elapsed_ns(self, now_ns: int | None = None) -> int:
        if self.t0_ns is None:
            return 0
        end = self.end_ns if self.end_ns is not None else (
            now_ns if now_ns is not None else time.perf_counter_ns())
        return max(0, end - self.t0_ns)

    def elapsed_s(self, now_ns: int | None = None) -> float:
        return self.elapsed_ns(now_ns) / 1e9

    def rps(self, now_ns: int | None = None) -> float:
        elapsed = self.elapsed_s(now_ns)
        return (self.ok + self.failed) / elapsed if elapsed > 0 else 0.0

    def eta_s(self, now_ns: int | None = None) -> float | None:
        rate = self.rps(now_ns)
        if self.ended or rate <= 0:
            return None
        if self.open:
            return self.time_left_s(now_ns)
        return (self.total - self.done) / rate

    def behind(self, now_ns: int | None = None) -> int:
        """Requests due by now (with a rate) that no worker has started: the workers cannot
        keep the rate when this grows."""
        if self.rate is None or self.t0_ns is None or self.ended:
            return 0
        now = now_ns if now_ns is not None else time.perf_counter_ns()
        due = int((now - self.t0_ns) * self.rate / 1e9) + 1
        return max(0, min(due, self.total) - self.started)

    def time_left_s(self, now_ns: int | None = None) -> float | None:
        """Seconds until the duration ends (None without one, or once it has)."""
        if self.duration_s is None or self.ended:
            return None
        return max(0.0, self.duration_s - self.elapsed_s(now_ns))

    def open_loop(self) -> OpenLoop | None:
        """The pace and how it was kept, for a run with a rate or a duration."""
        if self.rate is None and self.duration_s is None:
            return None
        in_flight_at_end = 0
        if self.duration_s is not None and self.t0_ns is not None:
            end = self.t0_ns + round(self.duration_s * 1e9)
            for rec in self.records:
                if rec is not None and rec.start_ns is not None and rec.start_ns < end and (
                        rec.end_ns is None or rec.end_ns > end):
                    in_flight_at_end += 1
        not_started = self.total - self.started if self.timed_end else 0
        scheduled = self.from_schedule_ms()
        return OpenLoop(
            rate=self.rate, duration_s=self.duration_s,
            end="cut" if self.cut_at_end else "wait",
            in_flight_at_end=in_flight_at_end, not_started=max(0, not_started),
            from_schedule_ms=_rounded(scheduled) if scheduled is not None else None,
            lag_ms=_rounded(self._lag.latency(self.ended)) if scheduled is not None else None,
        )

    def from_schedule_ms(self) -> Latency | None:
        """Latency from each request's scheduled time (p50/p90/p99/max, ms), with a rate."""
        return self._from_due.latency(self.ended) if self.rate is not None else None

    def latency_ms(self) -> Latency:
        """p50/p90/p99/max of finished requests, in milliseconds."""
        return self._latencies.latency(self.ended)

    def reused_share(self) -> float:
        """The part of the requests with a known connection that reused one, 0..1."""
        both = self.conns_opened + self.conns_reused
        return self.conns_reused / both if both else 0.0

    def setup_ms(self) -> float | None:
        """Mean DNS + connect + TLS of the requests that opened a connection (ms): what each
        request that reused one did not wait for."""
        total, count = 0, 0
        for rec in self.records:
            phases = rec.phases if rec is not None else None
            if phases is not None and phases.conn_reused is False:
                total += sum(ns or 0 for ns in (phases.dns_ns, phases.connect_ns, phases.tls_ns))
                count += 1
        return total / count / 1e6 if count else None

    def phase_ms(self) -> dict[str, Latency]:
        """p50/p90/p99/max of each phase, over the requests that had it (ms)."""
        return {name: samples.latency(self.ended) for name, samples in self._phases.items()}

    def busy_share(self, ident: int, now_ns: int | None = None) -> float:
        """Part of the run's wall time this thread spent inside requests (in-flight counts)."""
        thread = self.threads[ident]
        elapsed = self.elapsed_ns(now_ns)
        if elapsed <= 0:
            return 0.0
        busy = thread.busy_ns
        if thread.current is not None:
            start = self.record(thread.current).start_ns or 0
            busy += (now_ns if now_ns is not None else time.perf_counter_ns()) - start
        return min(1.0, busy / elapsed)

    def per_process(self) -> list[ProcessFigures]:
        """Each worker process's share of the run (one, unless the model is processes)."""
        out: dict[int, ProcessFigures] = {}
        for thread in self.threads.values():
            pid = thread.info.pid
            fig = out.get(pid) or ProcessFigures(pid)
            out[pid] = ProcessFigures(pid, fig.workers + 1, fig.requests + thread.requests,
                                      fig.busy_ns + thread.busy_ns, fig.cpu_ns + thread.cpu_ns)
        return sorted(out.values(), key=lambda fig: fig.pid)

    def cpu_share(self) -> float:
        """CPU time the workers spent per wall-clock second of requests (GIL pressure)."""
        busy = sum(t.busy_ns for t in self.threads.values())
        return sum(t.cpu_ns for t in self.threads.values()) / busy if busy else 0.0

    def cpu_ms_per_request(self) -> float:
        """Mean worker-thread CPU time per request that ran, in milliseconds."""
        ran = sum(t.requests for t in self.threads.values())
        return sum(t.cpu_ns for t in self.threads.values()) / ran / 1e6 if ran else 0.0

    def gil_ceiling_rps(self) -> float | None:
        """The most req/s any worker count could reach: Python work is serialised by the GIL,
        so throughput cannot pass one request per mean CPU time per request, in each process;
        worker processes each have a GIL, up to one busy process per core (min(P, cores))."""
        cpu_ms = self.cpu_ms_per_request()
        if cpu_ms <= 0:
            return None
        parallel = min(self.processes, os.cpu_count() or 1)
        return parallel * 1000 / cpu_ms

    def relative_s(self, t_ns: int | None) -> float | None:
        if t_ns is None or self.t0_ns is None:
            return None
        return (t_ns - self.t0_ns) / 1e9

    def timeline(self) -> list[tuple[int, float, float, str]]:
        """(worker, start_s, end_s, outcome) of every request that ran on a worker."""
        segments = []
        for rec in self.records:
            if rec is None or rec.thread is None or rec.start_ns is None or rec.end_ns is None:
                continue
            outcome = rec.outcome.value if rec.outcome else "?"
            start, end = self.relative_s(rec.start_ns), self.relative_s(rec.end_ns)
            segments.append((self.worker(rec.thread), start or 0.0, end or 0.0, outcome))
        return segments

    def lane(self, ident: int, now_ns: int | None = None) -> list[tuple[int, float, float, str]]:
        """One thread's timeline: (req_id, start_s, end_s, outcome), in-flight request last."""
        thread = self.threads[ident]
        bars = []
        for req_id in thread.done:
            rec = self.record(req_id)
            start, end = self.relative_s(rec.start_ns), self.relative_s(rec.end_ns)
            if start is not None and end is not None and rec.outcome is not None:
                bars.append((req_id, start, end, rec.outcome.value))
        if thread.current is not None:
            start = self.relative_s(self.record(thread.current).start_ns)
            if start is not None:
                bars.append((thread.current, start, self.elapsed_s(now_ns), "running"))
        return bars

    def throughput_series(self, buckets: int, now_ns: int | None = None) -> list[float]:
        """Requests finished per second in `buckets` equal slices of the run so far."""
        elapsed = self.elapsed_s(now_ns)
        if buckets <= 0 or elapsed <= 0:
            return []
        counts = [0] * buckets
        width = elapsed / buckets
        for rec in self.records:
            if rec is None or rec.end_ns is None or rec.start_ns is None:
                continue
            t = self.relative_s(rec.end_ns) or 0.0
            counts[min(buckets - 1, int(t / width))] += 1
        return [c / width for c in counts]

    def latency_histogram(self, bins: int) -> tuple[list[float], list[int]]:
        """Latency bin edges (ms, left edges) and counts over every finished request."""
        ordered = self._latencies.ordered(self.ended)
        if not ordered or bins <= 0:
            return [], []
        low, high = ordered[0] / 1e6, ordered[-1] / 1e6
        width = (high - low) / bins or 1.0
        counts = [0] * bins
        for value in ordered:
            counts[min(bins - 1, int((value / 1e6 - low) / width))] += 1
        return [round(low + i * width, 1) for i in range(bins)], counts

    def summary(self) -> RunSummary:
        """The summary of the run so far (the JSON export's, and every front end's)."""
        lat = self.latency_ms()
        ceiling = self.gil_ceiling_rps()
        return RunSummary(
            submitted=self.total,
            ok=self.ok,
            failed=self.failed,
            cancelled=self.cancelled,
            elapsed_s=round(self.elapsed_s(), 9),  # to the ns: a replay gives back its rps
            rps=round(self.rps(), 3),
            latency_ms=_rounded(lat),
            cpu_share=round(self.cpu_share(), 4),
            cpu_ms_per_request=round(self.cpu_ms_per_request(), 4),
            gil_ceiling_rps=round(ceiling, 1) if ceiling else None,
            status_counts={str(k): v for k, v in sorted(self.status_counts.items())},
            error_counts=dict(sorted(self.error_counts.items())),
            connections=Connections(self.conns_opened, self.conns_reused),
            http_versions=dict(sorted(self.http_versions.items())),
            phases_ms={name: _rounded(value) for name, value in self.phase_ms().items()},
            open_loop=self.open_loop(),
        )


def _rounded(lat: Latency) -> Latency:
    return Latency(*(round(v, 3) for v in (lat.p50, lat.p90, lat.p99, lat.max)))
