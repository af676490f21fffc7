"""Rows folded a column at a time make the figures their events make folded one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core.events import (
    ERROR_KINDS,
    Event,
    Outcome,
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
    each_request_event,
)
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats
from fetchtui.core.stats.samples import percentile
from fetchtui.core.targets import parse_targets

WORKERS = [ThreadInfo(10 + n, f"worker-{n}", 500, 9, n) for n in range(3)]
maybe_ns = st.none() | st.integers(0, 10**7)
phases = st.none() | st.builds(Phases, maybe_ns, maybe_ns, maybe_ns, maybe_ns, maybe_ns,
                               st.none() | st.integers(0, 5), st.none() | st.booleans())
# what a run does next: a worker starts or ends its request (how, and with what), a request
# ends that never started, the pool is resized, paused or resumed, a worker retires, a batch ends
step = st.one_of(
    st.tuples(st.just("start"), st.integers(0, 2)),
    st.tuples(st.just("end"), st.integers(0, 2), st.sampled_from(list(Outcome)),
              st.none() | st.sampled_from([200, 404, 503]), phases,
              st.sampled_from([None, "HTTP/1.1", "HTTP/2"]), st.none() | st.sampled_from(ERROR_KINDS)),
    st.tuples(st.just("unstarted"), st.sampled_from(list(Outcome))),
    st.tuples(st.just("resize"), st.integers(1, 3)),
    st.tuples(st.just("pause"), st.booleans()),
    st.tuples(st.just("retire"), st.integers(0, 2)),
    st.tuples(st.just("cut")),
)


@dataclass
class Run:
    """A run's events as a pool makes them: one request at a time a worker, stamps rising."""

    total: int
    paced: bool
    t: int = 1_000
    next_id: int = 0
    busy: dict[int, int] = field(default_factory=dict)  # worker -> its request in flight
    batches: list[list[Event]] = field(default_factory=lambda: [[]])

    def emit(self, event: Event) -> None:
        self.batches[-1].append(event)

    def play(self, steps: list[tuple[object, ...]], gaps: list[int]) -> None:
        for (kind, *args), gap in zip(steps, gaps, strict=False):
            self.t += gap
            if kind == "start" and args[0] not in self.busy and self.next_id < self.total:
                worker = int(args[0])  # type: ignore[call-overload]
                due = self.t - gap // 2 if self.paced else None
                self.emit(RequestStarted(self.next_id, self.t, WORKERS[worker], due))
                self.busy[worker], self.next_id = self.next_id, self.next_id + 1
            elif kind == "end" and args[0] in self.busy:
                worker, outcome, status, fields, version, kind = args
                req_id = self.busy.pop(worker)  # type: ignore[call-overload]
                error = None if kind is None else f"{kind} error"  # such an end crosses as its event
                self.emit(RequestFinished(req_id, self.t, WORKERS[worker], outcome, status,  # type: ignore
                                          req_id * 7, kind, error, gap * 3, fields, version))
            elif kind == "unstarted" and self.next_id < self.total:
                self.emit(RequestFinished(self.next_id, self.t, None, args[0]))  # type: ignore[arg-type]
                self.next_id += 1
            elif kind == "resize":
                self.emit(PoolResized(self.t, args[0]))  # type: ignore[arg-type]
            elif kind == "pause":
                self.emit(RunPaused(self.t, args[0]))  # type: ignore[arg-type]
            elif kind == "retire" and args[0] not in self.busy:
                self.emit(WorkerRetired(self.t, WORKERS[args[0]]))  # type: ignore[index]
            elif kind == "cut":
                self.batches.append([])


def state(stats: RunStats) -> dict[str, object]:
    """Everything the fold leaves: records, summary, workers, stretches, pace and floors."""
    return {
        "records": list(stats.records),
        "summary": stats.summary().to_json(),
        "workers": [(w.info, w.requests, w.busy_ns, w.cpu_ns, w.current, list(w.recent), list(w.done),
                     w.first_ns, w.retired_ns) for w in stats.threads.values()],
        "changes": stats.workers_.changes,
        "segments": [(s.workers, s.start_ns, s.requests, s.latency_ns, list(s.latencies.values))
                     for s in stats.steering.segments],
        "pace": (list(stats.pace.lag.values), list(stats.pace.from_due.values), stats.pace.last_lag_ns),
        "phases": ({name: list(s.values) for name, s in stats.phases.samples.items()},
                   stats.phases.opened, stats.phases.reused, stats.phases.setup_ms()),
        "latencies": list(stats.outcomes.latencies.values),
        "queueing": stats.floors.queueing(),
        "counts": (stats.outcomes.started, stats.outcomes.in_flight, dict(stats.outcomes.cancel_reasons),
                   stats.total),
    }


@settings(max_examples=250, deadline=None)
@given(st.lists(step, max_size=120), st.lists(st.integers(0, 5_000), min_size=120, max_size=120),
       st.booleans(), st.booleans(), st.booleans())
def test_rows_folded_by_columns_leave_every_figure_their_events_leave(
        steps: list[tuple[object, ...]], gaps: list[int], paced: bool, two_lines: bool, ends: bool) -> None:
    targets = parse_targets("http://127.0.0.1:9/a x30\nhttp://127.0.0.1:9/b x30" if two_lines
                            else "http://127.0.0.1:9/a x60")
    run = Run(len(targets), paced)
    run.emit(RunStarted(len(targets), 2, 1_000, rate=50.0 if paced else None))
    run.play(steps, gaps)
    if ends:
        run.emit(RunEnded(run.t + 1, cancelled=True))
    packer, unpacker = Packer(), Unpacker()
    crossed = [unpacker.unpack(packer.pack(1, batch)) for batch in run.batches]
    as_rows, as_events = RunStats(targets), RunStats(targets)
    for batch in crossed:
        as_rows.apply(batch)
        as_events.apply(each_request_event(batch))
    with mock.patch("time.perf_counter_ns", return_value=run.t + 10):  # a live summary reads "now"
        assert state(as_rows) == state(as_events)


def test_a_run_of_many_workers_crosses_as_rows_and_folds_as_its_events() -> None:
    """The common batch: hundreds of ok ends, a dozen or more a worker, a connection opened then reused."""
    slots = [ThreadInfo(7, f"transfer-{n}", 8, 9, n) for n in range(16)]
    targets = parse_targets("http://127.0.0.1:9/ x2000")
    events: list[Event] = [RunStarted(2000, 16, 0)]
    for req_id in range(2000):
        slot = slots[req_id % 16]
        events.append(RequestStarted(req_id, 10 * req_id + 1, slot))
        if req_id >= 16:
            done = req_id - 16
            fields = Phases(30, 40, None, 50 + done % 9, 5, done % 16, done >= 16)
            events.append(RequestFinished(done, 10 * req_id + 2, slots[done % 16], Outcome.OK, 200, 2,
                                          cpu_ns=90, phases=fields, http_version="HTTP/1.1"))
    packer, unpacker = Packer(), Unpacker()
    crossed = [unpacker.unpack(packer.pack(1, events[k:k + 400])) for k in range(0, len(events), 400)]
    assert all(isinstance(e, RequestRows) for batch in crossed for e in batch[1:])
    as_rows, as_events = RunStats(targets), RunStats(targets)
    for batch in crossed:
        as_rows.apply(batch)
        as_events.apply(each_request_event(batch))
    assert as_rows.ok == 2000 - 16 and as_rows.outcomes.in_flight == 16
    with mock.patch("time.perf_counter_ns", return_value=20_000):
        assert state(as_rows) == state(as_events)


def urls_one_by_one(stats: RunStats) -> list[tuple[str, int, int, int, int, list[int], dict[str, int]]]:
    """Each URL's figures read from its requests' records one at a time: the reference."""
    rows: dict[str, list[object]] = {}
    for req_id, record in enumerate(stats.records):
        if record is None or record.outcome is None:
            continue
        row = rows.setdefault(stats.target(req_id).display, [0, 0, 0, 0, [], {}])
        if record.outcome is Outcome.CANCELLED:
            row[2] += 1  # type: ignore[operator]
            continue
        if record.outcome is Outcome.OK:
            row[0] += 1  # type: ignore[operator]
        else:
            row[1] += 1  # type: ignore[operator]
            kinds: dict[str, int] = row[5]  # type: ignore[assignment]
            kinds[record.error_kind or "invalid"] = kinds.get(record.error_kind or "invalid", 0) + 1
        row[3] += record.nbytes  # type: ignore[operator]
        if record.elapsed_ns is not None:
            row[4].append(record.elapsed_ns)  # type: ignore[attr-defined]
    return [(url, *row[:4], sorted(row[4]), row[5]) for url, row in rows.items()]  # type: ignore[misc]


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=120), st.lists(st.integers(0, 5_000), min_size=120, max_size=120),
       st.booleans())
def test_each_urls_figures_are_what_its_requests_records_say(
        steps: list[tuple[object, ...]], gaps: list[int], one_url: bool) -> None:
    """Per-URL figures, read a span of ids at a time, against a read of every record: a URL
    on two lines is one row, and the list repeats (30 requests of a 10-line list); a list of
    one URL, whose row takes the run's own sorted latencies."""
    targets = parse_targets("http://127.0.0.1:9/a x10" if one_url else
                            "http://127.0.0.1:9/a x4\nhttp://127.0.0.1:9/b x3\nhttp://127.0.0.1:9/a x3")
    run = Run(30, False)
    run.emit(RunStarted(30, 2, 1_000))
    run.play(steps, gaps)
    run.emit(RunEnded(run.t + 1, cancelled=True))
    stats = RunStats(targets)
    for batch in run.batches:
        stats.apply(batch)
    expected = {url: row for url, *row in urls_one_by_one(stats)}
    for figures in stats.by_url():
        ok, failed, cancelled, nbytes, latencies, errors = expected.get(figures.url, [0, 0, 0, 0, [], {}])
        assert (figures.ok, figures.failed, figures.bytes) == (ok, failed, nbytes)
        assert figures.error_counts == errors
        assert figures.cancelled >= cancelled  # and those the close-out cancelled unreported
        assert figures.latency_ms.max == round((latencies[-1] if latencies else 0) / 1e6, 3)
        assert figures.latency_ms.p50 == round(percentile(latencies, 50) / 1e6, 3)
        assert figures.latency_ms.p90 == round(percentile(latencies, 90) / 1e6, 3)
    assert stats.summary().sample == tuple(  # fetchtui diff's: each request that ran, in id order
        (round(r.elapsed_ns / 1e6, 4), round(r.cpu_ns / 1e6, 4)) for r in stats.records
        if r is not None and r.outcome not in (None, Outcome.CANCELLED) and r.elapsed_ns is not None)
    assert sum(f.requests for f in stats.by_url()) == 30
    assert sum(f.ok + f.failed + f.cancelled for f in stats.by_url()) == 30
