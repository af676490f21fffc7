"""A timeline folded into figures: time on a core and runnable as schedstat counted it, the rest
(asleep) split by what the samples saw each thread wait in; a worker's wait outside any request
of its own counted idle, and only the threads that fetched kept."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence

from fetchtui.core.threadstates.figures import ThreadStates, ThreadTime
from fetchtui.core.threadstates.kinds import CPU, GIL, IDLE, RUNNABLE, RUNNING, STATES
from fetchtui.core.threadstates.timeline import Timeline

#: Each thread's requests as (start ns, end ns) on the perf_counter clock, by (pid, native id).
Spans = Mapping[tuple[int, int], Sequence[tuple[int, int]]]


class Busy:
    """When one thread was in a request: its spans merged, asked how much of a window they cover."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def covered(self, start: int, end: int) -> int:
        """How much of [start, end) lies in a request."""
        if end <= start:
            return 0
        i = max(0, bisect_right(self.starts, start) - 1)
        total, starts, ends = 0, self.starts, self.ends
        while i < len(starts) and starts[i] < end:
            total += max(0, min(end, ends[i]) - max(start, starts[i]))
            i += 1
        return total


def _busy(timeline: Timeline, spans: Spans | None) -> dict[int, Busy]:
    if spans is None:
        return {}
    return {n: Busy(spans.get((timeline.pid, tid), ())) for n, tid in enumerate(timeline.threads)}


def ticks(timeline: Timeline, spans: Spans | None = None) -> Iterator[tuple[int, int, int, int, float]]:
    """Each tick as (thread number, start µs, end µs, state its sample saw, the part of it
    outside the thread's requests): with no `spans`, that part is 0."""
    busy = _busy(timeline, spans)
    for thread, end, span, run, wait, state in zip(*timeline.columns, strict=True):
        start = end - span
        outside = 0.0
        if thread in busy and span > 0:
            outside = 1 - busy[thread].covered(start * 1000, end * 1000) / (span * 1000)
        if state == RUNNING:
            state = CPU if run >= wait and run > 0 else RUNNABLE
        yield thread, start, end, state, outside


def shown_state(state: int, outside: float) -> int:
    """The state a tick is drawn as: a wait mostly outside any request is idle (a GIL wait is
    not: the thread wants to work)."""
    return IDLE if outside > 0.5 and state not in (CPU, RUNNABLE, GIL) else state


def fold(timeline: Timeline, spans: Spans | None = None,
         keep: set[tuple[int, int]] | None = None) -> ThreadStates:
    """The figures of `timeline`'s threads (only those in `keep`, when given: the fetching ones).

    Time on a core and runnable are schedstat's sums (exact: a running thread's counters lag a
    little, and catch up); the rest of each thread's sampled time is asleep, split between the
    wait states in proportion to the samples that saw it in each."""
    # by thread number: [span, run, wait, then the µs of samples asleep in each state]
    sums: dict[int, list[float]] = {}
    busy = _busy(timeline, spans)
    for thread, end, span, run, wait, state in zip(*timeline.columns, strict=True):
        acc = sums.get(thread)
        if acc is None:
            acc = sums[thread] = [0.0] * (3 + len(STATES))
        acc[0] += span
        acc[1] += run
        acc[2] += wait
        if state >= 0:
            idle = 0.0
            if state != GIL and thread in busy and span > 0:
                idle = span * (1 - busy[thread].covered((end - span) * 1000, end * 1000) / (span * 1000))
            acc[3 + IDLE] += idle
            acc[3 + state] += span - idle
    for thread, over in timeline.overflow.items():
        acc = sums.setdefault(thread, [0.0] * (3 + len(STATES)))
        for i, summed in enumerate(over):
            acc[i] += summed
    by_tid: dict[int, list[float]] = {}  # a tid sampled twice (gone, then listed again) is one thread
    for number, acc in sums.items():
        tid = timeline.threads[number]
        if keep is not None and (timeline.pid, tid) not in keep:
            continue
        span, run, wait, seen = acc[0], acc[1], acc[2], acc[3:]
        seconds = [0.0] * len(STATES)
        seconds[CPU], seconds[RUNNABLE] = run, wait
        asleep, weight = max(0.0, span - run - wait), sum(seen)
        if weight > 0:
            for i, part in enumerate(seen):
                seconds[i] += asleep * part / weight
        else:  # on the run queue at every sample: what schedstat has not yet counted waited for a core
            seconds[RUNNABLE] += asleep
        total = by_tid.setdefault(tid, [0.0] * len(STATES))
        for i, value in enumerate(seconds):
            total[i] += value / 1e6
    threads = tuple(ThreadTime(timeline.pid, tid, tuple(v)) for tid, v in by_tid.items())
    return ThreadStates(threads, timeline.hz, timeline.gil)
