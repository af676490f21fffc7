"""The numpy fold against a naive one: a few thousand random events, folded one by one in plain
Python, give the summary, the per-URL table and the workers the stats give, exactly."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st

from fetchtui.core.input.targets import Target, parse_targets
from fetchtui.core.runs.events import (
    ERROR_KINDS,
    PHASE_NAMES,
    Event,
    Outcome,
    Phases,
    PoolResized,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunPaused,
    RunStarted,
    ThreadInfo,
    WorkerRetired,
)
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats

WORKERS = [ThreadInfo(10 + n, f"worker-{n}", 500, 9, n) for n in range(3)]
maybe_ns = st.none() | st.integers(0, 10**7)
phases = st.none() | st.builds(Phases, maybe_ns, maybe_ns, maybe_ns, maybe_ns, maybe_ns,
                               st.none() | st.integers(0, 5), st.none() | st.booleans())
#: what a run does next, as hypothesis draws it (Run.play's steps)
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
    workers: list[ThreadInfo] = field(default_factory=lambda: WORKERS)
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
                self.emit(RequestStarted(self.next_id, self.t, self.workers[worker], due))
                self.busy[worker], self.next_id = self.next_id, self.next_id + 1
            elif kind == "end" and args[0] in self.busy:
                worker, outcome, status, fields, version, kind = args
                req_id = self.busy.pop(worker)  # type: ignore[call-overload]
                error = None if kind is None else f"{kind} error"
                self.emit(RequestFinished(req_id, self.t, self.workers[worker], outcome, status,  # type: ignore
                                          req_id * 7, kind, error, gap * 3, fields, version))
            elif kind == "unstarted" and self.next_id < self.total:
                self.emit(RequestFinished(self.next_id, self.t, None, args[0]))  # type: ignore[arg-type]
                self.next_id += 1
            elif kind == "resize":
                self.emit(PoolResized(self.t, args[0]))  # type: ignore[arg-type]
            elif kind == "pause":
                self.emit(RunPaused(self.t, args[0]))  # type: ignore[arg-type]
            elif kind == "retire" and args[0] not in self.busy:
                self.emit(WorkerRetired(self.t, self.workers[args[0]]))  # type: ignore[index]
            elif kind == "cut":
                self.batches.append([])


def random_steps(rng: random.Random, count: int, workers: int) -> list[tuple[object, ...]]:
    """What a run does next, `count` times: a worker starts or ends its request (how, and
    with what), a request ends that never started, the pool is steered, a batch ends."""
    def maybe() -> int | None:
        return None if rng.random() < 0.3 else rng.randint(0, 10**7)

    steps: list[tuple[object, ...]] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            steps.append(("start", rng.randrange(workers)))
        elif roll < 0.88:
            phases = None if rng.random() < 0.2 else Phases(maybe(), maybe(), maybe(), maybe(), maybe(),
                                                             rng.choice([None, 1, 2]),
                                                             rng.choice([None, True, False]))
            steps.append(("end", rng.randrange(workers), rng.choice([Outcome.OK] * 5 + list(Outcome)),
                          rng.choice([None, 200, 404, 503]), phases,
                          rng.choice([None, "HTTP/1.1", "HTTP/2", "HTTP/0.9"]),
                          None if rng.random() < 0.7 else rng.choice(ERROR_KINDS)))
        elif roll < 0.91:
            steps.append(("unstarted", rng.choice(list(Outcome))))
        elif roll < 0.93:
            steps.append(("resize", rng.randint(1, workers)))
        elif roll < 0.95:
            steps.append(("pause", rng.random() < 0.5))
        elif roll < 0.96:
            steps.append(("retire", rng.randrange(workers)))
        else:
            steps.append(("cut",))
    return steps


def _rank(ordered: list[int], q: int) -> int:
    if not ordered:
        return 0
    k = max(1, -(-len(ordered) * q // 100))
    return ordered[k - 1]


def _ms(values: list[int]) -> tuple[float, float, float, float]:
    ordered = sorted(values)
    return tuple(round(v / 1e6, 3) for v in (_rank(ordered, 50), _rank(ordered, 90), _rank(ordered, 99),
                                             ordered[-1] if ordered else 0))  # type: ignore[return-value]


def reference(targets: list[Target], events: list[Event]) -> dict[str, object]:
    """Every figure, from the events one at a time, with nothing but dicts and lists."""
    started: dict[int, RequestStarted] = {}
    ended: dict[int, RequestFinished] = {}
    total, closed = len(targets), None
    for event in events:
        if isinstance(event, RequestStarted):
            started[event.req_id] = event
        elif isinstance(event, RequestFinished):
            ended[event.req_id] = event
        elif isinstance(event, RunEnded):
            closed = event
            for req_id, start in started.items():
                if req_id not in ended:
                    ended[req_id] = RequestFinished(req_id, event.t_ns, start.thread, Outcome.CANCELLED,
                                                    error=event.error_for(started=True))
            break
    assert closed is not None
    ends = list(ended.values())
    timed = {r.req_id: r.t_ns - started[r.req_id].t_ns for r in ends
             if r.outcome is not Outcome.CANCELLED and r.req_id in started}
    ran = [r for r in ends if r.req_id in started]  # what each worker counts, cancelled ones too
    busy = sum(r.t_ns - started[r.req_id].t_ns for r in ran)
    cpu = sum(r.cpu_ns for r in ran)
    phases = {name: [getattr(r.phases, f"{name}_ns") for r in ends if r.phases is not None]
              for name in PHASE_NAMES}
    sampled = sorted(timed)
    step = max(1, -(-len(sampled) // 2000))
    urls: dict[str, list[object]] = {}
    for target in targets:
        urls.setdefault(target.display, [0, 0, 0, 0, 0, [], Counter()])
    for req_id in range(total):
        row = urls[targets[req_id % len(targets)].display]
        row[0] += 1  # type: ignore[operator]
        end = ended.get(req_id)
        if end is None or end.outcome is Outcome.CANCELLED:
            row[3] += 1  # type: ignore[operator]
            continue
        row[1 if end.outcome is Outcome.OK else 2] += 1  # type: ignore[operator]
        row[4] += end.nbytes  # type: ignore[operator]
        if end.outcome is Outcome.FAILED:
            row[6][end.error_kind or "invalid"] += 1  # type: ignore[index]
        if req_id in timed:
            row[5].append(timed[req_id])  # type: ignore[attr-defined]
    workers: dict[tuple[int, int, int | None], list[object]] = {}
    came = {id(event): at for at, event in enumerate(events)}
    for end in sorted(ran, key=lambda r: came.get(id(r), len(events))):
        mine = workers.setdefault(started[end.req_id].thread.worker, [0, 0, 0, []])
        mine[0] += 1  # type: ignore[operator]
        mine[1] += end.t_ns - started[end.req_id].t_ns  # type: ignore[operator]
        mine[2] += end.cpu_ns  # type: ignore[operator]
        mine[3].append(end.req_id)  # type: ignore[attr-defined]
    return {
        "counts": (total, sum(r.outcome is Outcome.OK for r in ends),
                   sum(r.outcome is Outcome.FAILED for r in ends),
                   total - sum(r.outcome is not Outcome.CANCELLED for r in ends)),
        "latency": _ms(list(timed.values())),
        "statuses": {str(k): v for k, v in sorted(Counter(r.status for r in ends
                                                           if r.status is not None).items())},
        "errors": dict(sorted(Counter(r.error_kind for r in ends if r.error_kind is not None).items())),
        "versions": dict(sorted(Counter(r.http_version for r in ends if r.http_version is not None).items())),
        "connections": (sum(r.phases is not None and r.phases.conn_reused is False for r in ends),
                        sum(r.phases is not None and r.phases.conn_reused is True for r in ends)),
        "phases": {name: _ms(had) if (had := [v for v in values if v is not None]) and max(had) else None
                   for name, values in phases.items()},
        "cpu": (round(cpu / busy, 4) if busy else 0.0, round(cpu / len(ran) / 1e6, 4) if ran else 0.0),
        "sample": tuple((round(timed[i] / 1e6, 4), round(ended[i].cpu_ns / 1e6, 4)) for i in sampled[::step]),
        "by_url": [(url, *row[:5], _ms(row[5]), dict(sorted(row[6].items())))  # type: ignore[call-overload]
                   for url, row in urls.items()],
        "workers": sorted((key, *figures[:3], figures[3]) for key, figures in workers.items()),  # type: ignore[misc]
    }


def folded(stats: RunStats) -> dict[str, object]:
    """The same figures, as the stats give them."""
    s = stats.summary()
    lat = s.latency_ms
    return {
        "counts": (s.submitted, s.ok, s.failed, s.cancelled),
        "latency": (lat.p50, lat.p90, lat.p99, lat.max),
        "statuses": dict(s.status_counts), "errors": dict(s.error_counts), "versions": dict(s.http_versions),
        "connections": (s.connections.opened, s.connections.reused),
        "phases": {name: (p.p50, p.p90, p.p99, p.max) if p else None for name, p in s.phases_ms.items()},
        "cpu": (s.cpu_share, s.cpu_ms_per_request),
        "sample": s.sample,
        "by_url": [(u.url, u.requests, u.ok, u.failed, u.cancelled, u.bytes,
                    (u.latency_ms.p50, u.latency_ms.p90, u.latency_ms.p99, u.latency_ms.max),
                    dict(u.error_counts))
                   for u in s.by_url],
        "workers": sorted((w.info.worker, w.requests, w.busy_ns, w.cpu_ns, list(w.done))
                          for w in stats.threads.values()),
    }


@pytest.mark.parametrize("seed", range(4))
def test_the_fold_gives_what_a_naive_fold_of_the_same_events_gives(seed: int) -> None:
    rng = random.Random(seed)
    workers = [ThreadInfo(10 + n, f"worker-{n}", 500 + n, 9 + n % 2, n if n % 3 else None) for n in range(12)]
    lines = "\n".join(f"http://127.0.0.1:9/{rng.choice('abcd')} x{rng.randint(1, 300)}" for _ in range(8))
    targets = list(parse_targets(lines))
    run = Run(len(targets), paced=seed % 2 == 1, workers=workers)
    run.emit(RunStarted(len(targets), len(workers), 1_000, rate=50.0 if run.paced else None))
    run.play(random_steps(rng, 6_000, len(workers)),
             [rng.choice([0, 3, 900, 40_000, 2_000_000, 30_000_000]) for _ in range(6_000)])
    run.emit(RunEnded(run.t + 1, cancelled=True))
    events = [event for batch in run.batches for event in batch]
    assert sum(isinstance(e, (RequestStarted, RequestFinished)) for e in events) > 2_000
    expected = reference(targets, events)
    packer, unpacker = Packer(), Unpacker()
    stats = RunStats(targets)
    for batch in run.batches:  # as rows that crossed a pipe: the one form the fold takes requests in
        stats.apply(unpacker.unpack(packer.pack(1, batch)))
    assert stats.ended
    got = folded(stats)
    for key, value in expected.items():
        assert got[key] == value, key
