"""RunStats: the one fold of a run's events into its parts, and the figures read from them."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from fetchtui.core import interpreter
from fetchtui.core.events import (
    FINISHED_ROW,
    NONE_FIELD,
    OUTCOMES,
    STARTED_ROW,
    VERSIONS,
    ErrorKind,
    Event,
    Outcome,
    PhaseFields,
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
from fetchtui.core.interpreter import PythonInfo
from fetchtui.core.stats.by_url import UrlRows, url_figures
from fetchtui.core.stats.limit import Floors, judge
from fetchtui.core.stats.outcomes import CANCELLED, Outcomes
from fetchtui.core.stats.pace import Pace
from fetchtui.core.stats.phases import PhaseStats
from fetchtui.core.stats.records import NO_PHASES, NONE, RecordFields, Records, RecordsView, RequestRecord
from fetchtui.core.stats.samples import rounded
from fetchtui.core.stats.steering import Steering
from fetchtui.core.stats.workers import ProcessFigures, Workers, WorkerStats
from fetchtui.core.summary import Connections, Latency, Limit, OpenLoop, RunSummary, UrlFigures
from fetchtui.core.targets import Target

if TYPE_CHECKING:
    from fetchtui.core.checks import Check

SUMMARY_URL_ROWS = 1000  # per-URL rows a summary carries; an export writes every one
SAMPLE = 2000  # requests a history row keeps the latency and CPU of, for `fetchtui diff`


class RunFold:
    """The one fold of a run's events into its parts: the records, the outcomes, the workers,
    the phases, the pace and the steering. Nothing after a RunEnded counts."""

    def __init__(self, targets: Sequence[Target], checks: Sequence[Check] = ()) -> None:
        self.targets = targets
        self.checks = tuple(checks)  # --check: judged in an ended run's summary
        self.outcomes = Outcomes()
        self.workers_ = Workers()
        self._records = Records(targets, lambda number: self.workers_.by_number[number].info)
        self.phases = PhaseStats()
        self.pace = Pace()
        self.steering = Steering()
        self.url_rows = UrlRows(targets)
        self.floors = Floors(self.url_rows)
        self._by_url: list[UrlFigures] | None = None  # an ended run's, made once
        self._sampled: tuple[tuple[float, float], ...] | None = None  # likewise
        self._latency_ns = 0  # the sum over requests that ran
        self.total = len(targets)  # an open run's: the requests made so far
        self.open = False  # the count is open until the run's duration ends
        self.processes = 1  # worker processes the run was given
        self.python: PythonInfo | None = None  # the interpreter that ran it, as it said
        self._parallel: float | None = None  # cores its clients could spend at once, as it said
        self.workers = 0  # the concurrency the run was started with
        self.t0_ns: int | None = None
        self.end_ns: int | None = None
        self.ended = False
        self.interrupted = False  # the run was cancelled or lost, not run to its end

    # -- folding -------------------------------------------------------------------
    def apply(self, events: Iterable[Event]) -> None:
        """Fold a batch of events (in queue order)."""
        for event in events:
            if self.ended:
                return
            if isinstance(event, RequestRows):
                self._rows(event)
            elif isinstance(event, RequestFinished):
                self._finished(event)
            elif isinstance(event, RequestStarted):
                self._started(event)
            elif isinstance(event, RunStarted):
                self._run_started(event)
            elif isinstance(event, RunEnded):
                self._ended(event)
            elif isinstance(event, PoolResized):
                self.steering.resized(event)
            elif isinstance(event, WorkerRetired):
                self.workers_.retired(event.thread, event.t_ns)
            elif isinstance(event, RunPaused):
                self.steering.paused_or_resumed(event)

    def _run_started(self, event: RunStarted) -> None:
        self.t0_ns, self.workers, self.processes = event.t_ns, event.workers, event.processes
        self.python, self._parallel = event.python, event.parallel
        self.pace.run_started(event)
        self.steering.run_started(event)
        self.open = event.total is None
        self.total = event.total if event.total is not None else 0
        self._records.reserve(self.total)

    def _started(self, event: RequestStarted) -> None:
        self._start(event.req_id, event.t_ns, event.thread, event.due_ns)

    def _start(self, req_id: int, t_ns: int, thread: ThreadInfo, due_ns: int | None) -> None:
        self._records.started(req_id, self.workers_.began(thread, req_id, t_ns), t_ns, due_ns)
        if self.open and req_id >= self.total:
            self.total = req_id + 1
        self.outcomes.began()
        self.pace.began(t_ns, due_ns)

    def _finished(self, event: RequestFinished) -> None:
        self._end(event.req_id, event.t_ns, event.outcome, event.status, event.nbytes, event.cpu_ns,
                  None if event.phases is None else event.phases.fields, event.http_version,
                  event.error_kind, event.error)

    def _rows(self, rows: RequestRows) -> None:
        """A batch's rows, folded a column at a time: every start, then every end.

        The figures come out as folding them one by one in order would: an end reads only
        what its own start wrote (its worker, its start time), a worker runs one request at a
        time, and each part's samples keep their order. One by one, through each part's
        methods, the fold cost ~3.5 µs a request, the live UI's largest cost after painting;
        a column at a time, most of it runs in C.
        """
        if rows.started:
            self._started_rows(rows)
        if rows.finished:
            self._finished_rows(rows)

    def _started_rows(self, rows: RequestRows) -> None:
        req_ids, t_ns, threads, dues = row_columns(STARTED_ROW, rows.started)
        numbers = self.workers_.began_rows(rows.threads, threads, req_ids, t_ns)
        self._records.started_rows(req_ids, numbers, t_ns, dues)
        if self.open:
            self.total = max(self.total, max(req_ids) + 1)
        self.outcomes.started += len(req_ids)
        self.outcomes.in_flight += len(req_ids)
        if max(dues) != NONE_FIELD:
            for t, due in zip(t_ns, dues, strict=True):
                self.pace.began(t, None if due == NONE_FIELD else due)

    def _finished_rows(self, rows: RequestRows) -> None:
        (req_ids, t_ns, _, outcome_codes, statuses, nbytes, cpu_ns, version_codes, has_phases,
         dns, connect, tls, wait, receive, conn_ids, reused) = row_columns(FINISHED_ROW, rows.finished)
        outcomes = list(map(OUTCOMES.__getitem__, outcome_codes))
        versions = list(map(VERSIONS.__getitem__, version_codes))
        phase_columns = (dns, connect, tls, wait, receive)
        kept_reused = reused if 0 not in has_phases else [
            code if has else NO_PHASES for code, has in zip(reused, has_phases, strict=True)]
        workers, starts, dues = self._records.ended_rows(
            req_ids, t_ns, outcomes, statuses, nbytes, cpu_ns, (*phase_columns, conn_ids), kept_reused,
            versions)
        latencies: list[int | None] = [t - s for t, s in zip(t_ns, starts, strict=True)]
        every_ran = min(starts) != NONE
        if not every_ran:
            latencies = [None if s == NONE else lat for s, lat in zip(starts, latencies, strict=True)]
        self.outcomes.finished_rows(outcomes, latencies, versions, statuses)
        self.phases.add_rows(phase_columns, reused)
        if every_ran and CANCELLED not in outcomes and min(workers) >= 0:  # a batch of requests that ran
            ran = cast("list[int]", latencies)
            self._ran_rows(req_ids, t_ns, starts, dues, ran)
            self.workers_.finished_rows(workers, req_ids, ran, cpu_ns)
            return
        took = cast("list[int]", latencies)  # read only where a request ran
        timed = [lat is not None and o is not CANCELLED for lat, o in zip(latencies, outcomes, strict=True)]
        self._ran_rows(*(list(itertools.compress(column, timed))
                         for column in (req_ids, t_ns, starts, dues, took)))
        counted = [lat is not None and w >= 0 for lat, w in zip(latencies, workers, strict=True)]
        self.workers_.finished_rows(*(list(itertools.compress(column, counted))
                                      for column in (workers, req_ids, took, cpu_ns)))

    def _ran_rows(self, req_ids: Sequence[int], t_ns: Sequence[int], starts: Sequence[int],
                  dues: Sequence[int], latencies: Sequence[int]) -> None:
        """What the ends of requests that ran, and were not cancelled, count in."""
        if not req_ids:
            return
        self.pace.finished_rows(t_ns, dues)
        self.steering.finished_rows(starts, latencies)
        self.floors.add_rows(req_ids, latencies)
        self._latency_ns += sum(latencies)

    def _end(self, req_id: int, t_ns: int, outcome: Outcome, status: int | None, nbytes: int,
             cpu_ns: int, phases: PhaseFields | None, version: str | None,
             error_kind: ErrorKind | None, error: str | None) -> None:
        """What a request's end changes: written into its record, and into each part."""
        records = self._records
        worker, start_ns, due_ns = records.ended(req_id, t_ns, outcome, status, nbytes, cpu_ns, phases,
                                                 version)
        if error_kind is not None or error is not None:
            records.failed_with(req_id, error_kind, error)
        latency = None if start_ns == NONE else t_ns - start_ns
        self.outcomes.finished(outcome, latency, version, status, error_kind, error)
        if outcome is not CANCELLED:
            self.pace.finished(t_ns, None if due_ns == NONE else due_ns)
            if latency is not None:
                self.steering.finished(start_ns, latency)
                self.floors.add(req_id, latency)
                self._latency_ns += latency
        if phases is not None:
            self.phases.add(phases)
        if worker >= 0 and latency is not None:
            self.workers_.finished(worker, req_id, latency, cpu_ns)

    def _ended(self, event: RunEnded) -> None:
        """Close the run out: whatever has not finished is cancelled, in flight or never begun."""
        if event.total is not None:
            self.total = event.total
        self.open, self.pace.timed_end = False, event.timed
        for worker in list(self.threads.values()):
            if worker.current is not None:
                self._finished(RequestFinished(worker.current, event.t_ns, worker.info,
                                               Outcome.CANCELLED, error=event.error_for(started=True)))
        left = self.total - self.done
        if left:
            self._records.closed_by = event
            self.outcomes.cancelled += left  # counted in bulk; view() tells each one apart when asked
            self.outcomes.cancelled_because(event.error_for(started=False), left)
        self.end_ns, self.ended, self.interrupted = event.t_ns, True, event.cancelled

    # -- what it counted -----------------------------------------------------------
    @property
    def threads(self) -> dict[int, WorkerStats]:
        """The workers by number, in order of appearance (threads, or asyncio's tasks)."""
        return self.workers_.by_number

    @property
    def ok(self) -> int:
        return self.outcomes.ok

    @property
    def failed(self) -> int:
        return self.outcomes.failed

    @property
    def cancelled(self) -> int:
        return self.outcomes.cancelled

    @property
    def in_flight(self) -> int:
        return self.outcomes.in_flight

    @property
    def done(self) -> int:
        return self.outcomes.done

    @property
    def status_counts(self) -> Counter[int]:
        return self.outcomes.status_counts

    @property
    def error_counts(self) -> Counter[str]:
        return self.outcomes.error_counts


class RunTimes(RunFold):
    """A run's clock read from its fold: elapsed and paused time, req/s, what is left, the pace."""

    def elapsed_ns(self, now_ns: int | None = None) -> int:
        if self.t0_ns is None:
            return 0
        end = self.end_ns if self.end_ns is not None else (
            now_ns if now_ns is not None else time.perf_counter_ns())
        return max(0, end - self.t0_ns)

    def elapsed_s(self, now_ns: int | None = None) -> float:
        return self.elapsed_ns(now_ns) / 1e9

    def relative_s(self, t_ns: int | None) -> float | None:
        if t_ns is None or self.t0_ns is None:
            return None
        return (t_ns - self.t0_ns) / 1e9

    def paused_s(self, now_ns: int | None = None) -> float:
        """Time the run spent paused: no part of its req/s."""
        if not self.steering.pauses:
            return 0.0
        end = self.end_ns if self.end_ns is not None else (
            now_ns if now_ns is not None else time.perf_counter_ns())
        return self.steering.paused_ns(end) / 1e9

    @property
    def paused(self) -> bool:
        return self.steering.paused and not self.ended

    @property
    def size(self) -> int:
        """The pool's size now: the workers it was started with, or its last resize."""
        return self.steering.size

    def rps(self, now_ns: int | None = None) -> float:
        """Requests that ran per second of the run, paused time left out."""
        elapsed = self.elapsed_s(now_ns) - self.paused_s(now_ns)
        return (self.ok + self.failed) / elapsed if elapsed > 0 else 0.0

    @property
    def done_share(self) -> float:
        """The part of the run done, 0..1 (an empty list counts as not started): of the list,
        or of the duration while the count is open."""
        if self.open and self.pace.duration_s:
            return min(1.0, self.elapsed_s() / self.pace.duration_s)
        return self.done / max(self.total, 1)

    def eta_s(self, now_ns: int | None = None) -> float | None:
        rate = self.rps(now_ns)
        if self.ended or rate <= 0:
            return None
        if self.open:
            return self.time_left_s(now_ns)
        return (self.total - self.done) / rate

    def time_left_s(self, now_ns: int | None = None) -> float | None:
        """Seconds until the duration ends (None without one, or once it has)."""
        if self.pace.duration_s is None or self.ended:
            return None
        return max(0.0, self.pace.duration_s - self.elapsed_s(now_ns))

    def behind(self, now_ns: int | None = None) -> int:
        """Requests due by now (with a rate) that no worker has started: the workers cannot
        keep the rate when this grows."""
        if self.pace.rate is None or self.t0_ns is None or self.ended:
            return 0
        now = now_ns if now_ns is not None else time.perf_counter_ns()
        return max(0, min(self.pace.due_by(now - self.t0_ns), self.total) - self.outcomes.started)

    def open_loop(self) -> OpenLoop | None:
        """The pace and how it was kept, for a run with a rate or a duration."""
        pace = self.pace
        if not pace.paced:
            return None
        in_flight_at_end = 0
        if pace.duration_s is not None and self.t0_ns is not None:
            end = self.t0_ns + round(pace.duration_s * 1e9)
            records = self._records
            in_flight_at_end = sum(1 for start, stop in zip(records.start, records.end, strict=True)
                                   if NONE != start < end and (stop == NONE or stop > end))
        not_started = self.total - self.outcomes.started if pace.timed_end else 0
        scheduled = pace.from_schedule_ms(self.ended)
        return OpenLoop(
            rate=pace.rate, duration_s=pace.duration_s,
            end="cut" if pace.cut_at_end else "wait",
            in_flight_at_end=in_flight_at_end, not_started=max(0, not_started),
            from_schedule_ms=rounded(scheduled) if scheduled is not None else None,
            lag_ms=rounded(pace.lag_ms(self.ended)) if scheduled is not None else None,
        )


class RunStats(RunTimes):
    """Every figure of a run, from its events; front ends only read it.

    RunFold folds the events into the parts, RunTimes reads the clock; this reads the rest:
    the requests, the workers, the counts, the per-URL table, the checks and the summary.
    """

    @property
    def records(self) -> RecordsView:
        """Every request's record by id (None: never reported), each made when read."""
        return RecordsView(self._records)

    def record(self, req_id: int) -> RequestRecord:
        """Request `req_id` as it stands (a view: made when read, from the records' columns)."""
        return self._records.view(req_id)

    view = record

    def kept(self, req_id: int) -> bool:
        """Whether request `req_id` was reported (it started or ended): else it has no record."""
        return self._records.kept(req_id)

    def record_fields(self) -> Iterator[RecordFields | None]:
        """Every request's fields in id order, None for one never reported: an export's read."""
        return self._records.fields(self.total)

    def span(self, req_id: int) -> tuple[int | None, int | None, Outcome | None]:
        """(start, end, outcome) of request `req_id`, with no record made: a timeline's bar."""
        return self._records.span(req_id)

    def ran(self) -> Iterator[tuple[int, Outcome, int, int]]:
        """(req_id, outcome, start, end) of every request that started and ended, in id order."""
        return self._records.ran()

    def target(self, req_id: int) -> Target:
        return self._records.target(req_id)

    @property
    def closed_by(self) -> RunEnded | None:
        return self._records.closed_by

    def worker(self, info: ThreadInfo) -> int:
        return self.workers_.number(info)

    def per_process(self) -> list[ProcessFigures]:
        return self.workers_.per_process()

    def busy_share(self, number: int, now_ns: int | None = None) -> float:
        """Part of the run's wall time this worker spent inside requests (in-flight counts)."""
        worker = self.threads[number]
        elapsed = self.elapsed_ns(now_ns)
        if elapsed <= 0:
            return 0.0
        busy = worker.busy_ns
        if worker.current is not None:
            start = self._records.start_of(worker.current) or 0
            busy += (now_ns if now_ns is not None else time.perf_counter_ns()) - start
        return min(1.0, busy / elapsed)

    def parallel(self) -> float:
        """Cores of CPU the run's clients can spend at once: one per process with the GIL,
        the cores without it (what the run's own interpreter said; interpreter.parallelism)."""
        if self._parallel is not None:
            return self._parallel
        return interpreter.parallelism(self.python, self.processes)

    def gil_ceiling_rps(self) -> float | None:
        """The most req/s any worker count could reach: the CPU a request costs the client,
        paid on `parallel()` cores at once."""
        return self.workers_.ceiling_rps(self.parallel())

    def latency_ms(self) -> Latency:
        """p50/p90/p99/max of finished requests, in milliseconds."""
        return self.outcomes.latencies.latency(self.ended)

    def latency_mean_ms(self) -> float:
        ran = self.ok + self.failed
        return self._latency_ns / ran / 1e6 if ran else 0.0

    def by_url(self, limit: int | None = SUMMARY_URL_ROWS) -> list[UrlFigures]:
        """The first `limit` rows of the per-URL table, in list order (an ended run's are
        made once); every row, one at a time, is all_urls()'s."""
        if self.ended:
            if self._by_url is None:
                one_row = self.url_rows.count == 1  # its latencies are the run's, sorted already
                self._by_url = list(url_figures(self.url_rows, self._records, self.total, True,
                                                SUMMARY_URL_ROWS,
                                                self.outcomes.latencies.ordered() if one_row else None))
            return self._by_url[:limit] if limit is not None else self._by_url
        return list(url_figures(self.url_rows, self._records, self.total, False, limit))

    def all_urls(self) -> Iterator[UrlFigures]:
        """Every row of the per-URL table (an export's: a million URLs, one at a time)."""
        return url_figures(self.url_rows, self._records, self.total, self.ended)

    def check_states(self, now_ns: int | None = None) -> list[tuple[str, str, str]]:
        """Each --check as a live view shows it: (expr, "pass" | "fail" | "open", value).
        An ended run's are its summary's; while it runs a check is "fail" once a growing
        figure has crossed its bound for good, else "open" (a percentile is judged at the
        end; a URL's figures too)."""
        if not self.checks:
            return []
        if self.ended:
            return [(r.expr, "pass" if r.passed else "fail", r.shown) for r in self.summary().checks]
        ran = self.ok + self.failed
        live = RunSummary(self.total, self.ok, self.failed, self.cancelled, self.elapsed_s(now_ns),
                          self.rps(now_ns), self.latency_ms() if ran else Latency())
        out = []
        for check in self.checks:
            value = check.value(live) if check.url is None else None
            state = "fail" if check.url is None and check.failed_for_good(live) else "open"
            out.append((check.expr, state, check.shown(value) if value is not None else "…"))
        return out

    def limit(self, now_ns: int | None = None) -> Limit | None:
        """What bounds the run (core/stats/limit.py); None until enough requests ran."""
        return judge(self, now_ns)

    def connections(self) -> Connections:
        return self.phases.connections()

    def summary(self) -> RunSummary:
        """The summary of the run so far (the JSON export's, and every front end's); an
        ended run's carries its checks, judged."""
        summary = self._summary()
        if self.checks and self.ended:
            from fetchtui.core.checks import judge_all  # only a run given --check has any

            summary = replace(summary, checks=judge_all(self.checks, summary))
        return summary

    def _summary(self) -> RunSummary:
        ceiling = self.gil_ceiling_rps()
        outcomes = self.outcomes
        return RunSummary(
            submitted=self.total,
            ok=outcomes.ok,
            failed=outcomes.failed,
            cancelled=outcomes.cancelled,
            elapsed_s=round(self.elapsed_s(), 9),  # to the ns: a replay gives back its rps
            rps=round(self.rps(), 3),
            latency_ms=rounded(self.latency_ms()),
            cpu_share=round(self.workers_.cpu_share(), 4),
            cpu_ms_per_request=round(self.workers_.cpu_ms_per_request(), 4),
            gil_ceiling_rps=round(ceiling, 1) if ceiling else None,
            status_counts={str(k): v for k, v in sorted(outcomes.status_counts.items())},
            error_counts=dict(sorted(outcomes.error_counts.items())),
            connections=self.phases.connections(),
            http_versions=dict(sorted(outcomes.http_versions.items())),
            phases_ms={name: rounded(value) for name, value in self.phases.latency_ms(self.ended).items()},
            open_loop=self.open_loop(),
            # to the ns, as elapsed_s: rps leaves the paused time out, a resize starts a stage's
            # window, and a replay gives both back
            resizes=tuple((round(self.relative_s(r.t_ns) or 0.0, 9), r.workers)
                          for r in self.steering.resizes),
            pauses=tuple((round(self.relative_s(start) or 0.0, 9),
                          round(((end if end is not None else self.end_ns or start) - start) / 1e9, 9))
                         for start, end in self.steering.pauses),
            paused_s=round(self.paused_s(), 9),
            stages=tuple(self.steering.stage_figures(self.end_ns or time.perf_counter_ns(), self.ended)),
            limit=self.limit(),
            by_url=tuple(self.by_url()) if self.ended else (),
            url_count=self.url_rows.count if self.ended else 0,
            sample=self._sample() if self.ended else (),
            python=self.python,
        )

    def _sample(self) -> tuple[tuple[float, float], ...]:
        """(latency ms, CPU ms) of up to SAMPLE requests that ran, every k-th by id (an ended
        run's, made once)."""
        if self._sampled is None:
            self._sampled = self._take_sample()
        return self._sampled

    def _take_sample(self) -> tuple[tuple[float, float], ...]:
        records = self._records
        none, cancelled = NONE, CANCELLED
        ran = [req_id for req_id, (outcome, start)
               in enumerate(zip(records.outcome, records.start, strict=True))
               if outcome is not None and outcome is not cancelled and start != none]
        step = max(1, -(-len(ran) // SAMPLE))
        start_of, end_of, cpu_of = records.start, records.end, records.cpu_ns
        return tuple((round((end_of[req_id] - start_of[req_id]) / 1e6, 4), round(cpu_of(req_id) / 1e6, 4))
                     for req_id in ran[::step])
