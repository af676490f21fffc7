"""RunStats: every figure of a run, read from its fold (stats/fold.py) and its columns (stats/figures.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, overload

from fetchtui.core.input.targets import Target
from fetchtui.core.report.summary import Connections, Latency, Limit, OpenLoop, RunSummary, UrlFigures
from fetchtui.core.runs import interpreter
from fetchtui.core.runs.events import Outcome, RunEnded, ThreadInfo
from fetchtui.core.stats.fold import RunFold
from fetchtui.core.stats.limit import judge
from fetchtui.core.stats.record import RecordFields, RequestRecord
from fetchtui.core.stats.workers import ProcessFigures

if TYPE_CHECKING:
    from fetchtui.core.threadstates.figures import ThreadStates

SUMMARY_URL_ROWS = 1000  # per-URL rows a summary carries; an export writes every one
SAMPLE = 2000  # requests a history row keeps the latency and CPU of, for `fetchtui diff`


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
            if self._columns is not None:
                from fetchtui.core.stats.figures import in_flight_at

                in_flight_at_end = in_flight_at(self._columns, end)
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

    #: where the fetching threads' time went, given once the run has ended and its sampler
    #: stopped (core/threadstates/); the summary and the limit verdict read it
    thread_states: ThreadStates | None = None

    @property
    def records(self) -> RecordsView:
        """Every request's record by id (None: never reported), each made when read."""
        return RecordsView(self)

    def record(self, req_id: int) -> RequestRecord:
        """Request `req_id` as it stands (a view: made when read, from the columns)."""
        if self._columns is None:
            return RequestRecord(req_id, self.targets)
        return self._columns.view(req_id)

    view = record

    def kept(self, req_id: int) -> bool:
        """Whether request `req_id` was reported (it started or ended): else it has no record."""
        return self._columns is not None and self._columns.kept(req_id)

    def record_fields(self) -> Iterator[RecordFields | None]:
        """Every request's fields in id order, None for one never reported: an export's read."""
        return self.columns.fields(self.total)

    def span(self, req_id: int) -> tuple[int | None, int | None, Outcome | None]:
        """(start, end, outcome) of request `req_id`, with no record made: a timeline's bar."""
        return self._columns.span(req_id) if self._columns is not None else (None, None, None)

    def ran(self) -> Iterator[tuple[int, Outcome, int, int]]:
        """(req_id, outcome, start, end) of every request that started and ended, in id order."""
        return self._columns.ran() if self._columns is not None else iter(())

    def target(self, req_id: int) -> Target:
        return self.targets[req_id % len(self.targets)]

    @property
    def closed_by(self) -> RunEnded | None:
        return self._columns.closed_by if self._columns is not None else None

    # -- what views and reports read, rather than the parts -------------------------
    @property
    def url_count(self) -> int:
        """Distinct URLs of the list (rows of the per-URL table)."""
        return self.url_rows.count

    @property
    def rate(self) -> float | None:
        """The open loop's requests a second (-q), if it has one."""
        return self.pace.rate

    @property
    def timed_end(self) -> bool:
        """The run's duration ended it (what it cancelled ran out of time)."""
        return self.pace.timed_end

    @property
    def active_workers(self) -> int:
        """Workers in the pool now: seen, and not retired."""
        return self.workers_.active

    @property
    def worker_changes(self) -> int:
        """Moves each time a worker joins or leaves: a view regroups when it does."""
        return self.workers_.changes

    def in_pool(self) -> list[int]:
        """The numbers of the workers in the pool now."""
        return self.workers_.in_pool()

    def cpu_share(self) -> float:
        """CPU time the workers spent per wall-clock second of requests."""
        return self.workers_.cpu_share()

    def from_schedule_ms(self) -> Latency | None:
        """Latency from each request's scheduled time, with a rate (live, or exact once ended)."""
        return self.pace.from_schedule_ms(self.ended)

    def phase_latency_ms(self) -> dict[str, Latency]:
        """Each phase's p50/p90/p99/max (live, or exact once ended)."""
        return self.phases.latency_ms(self.ended)

    def setup_ms(self) -> float | None:
        """Mean DNS + connect + TLS of the requests that opened a connection."""
        return self.phases.setup_ms()

    def cancel_reasons(self) -> list[tuple[str, int]]:
        """Why requests were cancelled, the most common first (a few reasons at most)."""
        return self.outcomes.cancel_reasons.most_common()

    @property
    def out_of_fds(self) -> int:
        """Requests that failed for want of a file descriptor."""
        return self.outcomes.out_of_fds

    def worker(self, info: ThreadInfo) -> int:
        return self.workers_.number(info)

    def per_process(self) -> list[ProcessFigures]:
        return self.workers_.per_process()

    def busy_share(self, number: int, now_ns: int | None = None) -> float:
        """Part of the run's unpaused time this worker spent inside requests (in-flight
        counts): a pause is no worker's idleness, as it is no part of req/s."""
        worker = self.threads[number]
        elapsed = self.elapsed_ns(now_ns) - round(self.paused_s(now_ns) * 1e9)
        if elapsed <= 0:
            return 0.0
        busy = worker.busy_ns
        if worker.current is not None:
            start = self.columns.start_of(worker.current) or 0
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
        live = self.outcomes.latencies
        if live is None or not live.count:
            return Latency(0.0, 0.0, 0.0, 0.0)
        if not self.ended:
            return live.latency()
        if self._latency is None:
            from fetchtui.core.stats.figures import latency

            self._latency = latency(self.columns)
        return self._latency

    def latency_mean_ms(self) -> float:
        ran = self.ok + self.failed
        return self._latency_ns / ran / 1e6 if ran else 0.0

    def by_url(self, limit: int | None = SUMMARY_URL_ROWS) -> list[UrlFigures]:
        """The first `limit` rows of the per-URL table, in list order (an ended run's are
        made once); every row, one at a time, is all_urls()'s."""
        from fetchtui.core.stats.figures import url_figures

        if self.ended:
            if self._by_url is None:
                self._by_url = list(url_figures(self.url_rows, self._columns, self.total, True,
                                                SUMMARY_URL_ROWS))
            return self._by_url[:limit] if limit is not None else self._by_url
        return list(url_figures(self.url_rows, self._columns, self.total, False, limit))

    def all_urls(self) -> Iterator[UrlFigures]:
        """Every row of the per-URL table (an export's: a million URLs, one at a time)."""
        from fetchtui.core.stats.figures import url_figures

        return url_figures(self.url_rows, self._columns, self.total, self.ended)

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
        states = self.thread_states
        return judge(self, now_ns, states.shares if states is not None else None)

    def connections(self) -> Connections:
        return self.phases.connections()

    def summary(self) -> RunSummary:
        """The summary of the run so far (the JSON export's, and every front end's); an
        ended run's carries its checks, judged, and its thread states once they are given."""
        summary = _assembled(self)
        states = self.thread_states
        if states is not None:
            summary = replace(summary, thread_states=states.summed(), thread_states_why=states.why)
        if self.checks and self.ended:
            from fetchtui.core.report.checks import judge_all  # only a run given --check has any

            summary = replace(summary, checks=judge_all(self.checks, summary))
        return summary

    def _sample(self) -> tuple[tuple[float, float], ...]:
        """(latency ms, CPU ms) of up to SAMPLE requests that ran, every k-th by id (an ended
        run's, made once)."""
        if self._sampled is None:
            self._sampled = self._take_sample()
        return self._sampled

    def _take_sample(self) -> tuple[tuple[float, float], ...]:
        if self._columns is None:
            return ()
        from fetchtui.core.stats.figures import sample

        return sample(self._columns, SAMPLE)


def _assembled(stats: RunStats) -> RunSummary:
    """The run's figures as the summary declares them (summary() adds the checks and states)."""
    ceiling = stats.gil_ceiling_rps()
    outcomes = stats.outcomes
    return RunSummary(
        submitted=stats.total,
        ok=outcomes.ok,
        failed=outcomes.failed,
        cancelled=outcomes.cancelled,
        elapsed_s=round(stats.elapsed_s(), 9),  # to the ns: a replay gives back its rps
        rps=round(stats.rps(), 3),
        latency_ms=rounded(stats.latency_ms()),
        cpu_share=round(stats.workers_.cpu_share(), 4),
        cpu_ms_per_request=round(stats.workers_.cpu_ms_per_request(), 4),
        gil_ceiling_rps=round(ceiling, 1) if ceiling else None,
        status_counts={str(k): v for k, v in sorted(outcomes.status_counts.items())},
        error_counts=dict(sorted(outcomes.error_counts.items())),
        connections=stats.phases.connections(),
        http_versions=dict(sorted(outcomes.http_versions.items())),
        # null, not 0.0, for a phase no request had (no DNS on an IP address): as the text's "-"
        phases_ms={name: rounded(value) if value.max else None
                   for name, value in stats.phases.latency_ms(stats.ended).items()},
        open_loop=stats.open_loop(),
        # to the ns, as elapsed_s: rps leaves the paused time out, a resize starts a stage's
        # window, and a replay gives both back
        resizes=tuple((round(stats.relative_s(r.t_ns) or 0.0, 9), r.workers)
                      for r in stats.steering.resizes),
        pauses=tuple((round(stats.relative_s(start) or 0.0, 9),
                      round(((end if end is not None else stats.end_ns or start) - start) / 1e9, 9))
                     for start, end in stats.steering.pauses),
        paused_s=round(stats.paused_s(), 9),
        stages=tuple(stats.steering.stage_figures(stats.end_ns or time.perf_counter_ns(), stats.ended)),
        limit=stats.limit(),
        by_url=tuple(stats.by_url()) if stats.ended else (),
        url_count=stats.url_rows.count if stats.ended else 0,
        sample=stats._sample() if stats.ended else (),
        python=stats.python,
    )


def rounded(lat: Latency) -> Latency:
    """To the µs, as exports keep them."""
    return Latency(*(round(v, 3) for v in (lat.p50, lat.p90, lat.p99, lat.max)))


class RecordsView(Sequence[RequestRecord | None]):
    """The records as a sequence by id: a reported request's view, None for the rest."""

    def __init__(self, stats: RunStats) -> None:
        self._stats = stats

    def __len__(self) -> int:
        return self._stats.columns.room if self._stats._columns is not None else 0

    @overload
    def __getitem__(self, index: int) -> RequestRecord | None: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord | None]: ...

    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord | None] | None:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]  # negative from the end; IndexError past it
        return self._stats.record(index) if self._stats.kept(index) else None
