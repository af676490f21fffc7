"""Each fetching thread's sampled states as spans over time, and a lane's columns at a scale:
what the timeline (F9) draws under each thread's requests. The widget only draws these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fetchtui.core.threadstates.fold import Spans, shown_state, ticks
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.timeline import Timeline

#: A thread, by (pid, native id)
Key = tuple[int, int]
#: A run of one state on one thread: (start ns, end ns, state), on the perf_counter clock
Span = tuple[int, int, int]

NONE = -1  # a column no sample covers (before the thread's first tick, after its last)
_JOIN_NS = 2_000  # ticks this close are one run (their stamps are whole µs)


def state_spans(timeline: Timeline, requests: Spans | None = None,
                keep: set[Key] | None = None) -> dict[Key, list[Span]]:
    """`timeline`'s threads (those in `keep`, when given) as runs of the state each tick is
    shown in: a running tick cpu or runnable by schedstat, a wait mostly outside the thread's
    `requests` idle (fold.shown_state); consecutive ticks in one state merged."""
    pid, names = timeline.pid, timeline.threads
    out: dict[Key, list[Span]] = {}
    last: dict[Key, list[int]] = {}  # the run each thread is in: [start ns, end ns, state]
    for thread, start_us, end_us, state, outside in ticks(timeline, requests):
        key = (pid, names[thread])
        if keep is not None and key not in keep:
            continue
        state = shown_state(state, outside)
        start, end = start_us * 1000, end_us * 1000
        run = last.get(key)
        if run is not None and run[2] == state and start - run[1] <= _JOIN_NS:
            run[1] = end
            continue
        if run is not None:
            out.setdefault(key, []).append((run[0], run[1], run[2]))
        last[key] = [start, end, state]
    for key, run in last.items():
        out.setdefault(key, []).append((run[0], run[1], run[2]))
    return out


def column_states(spans: Sequence[Span], origin_ns: int, scale_s: float, width: int) -> list[int]:
    """The state of each of `width` columns of `scale_s` seconds from `origin_ns`: the one the
    thread spent most of that column's sampled time in (NONE where no sample covers it); a
    column past the end takes in what lies beyond it, as the last request bar does."""
    if width <= 0 or scale_s <= 0:
        return []
    col_ns = scale_s * 1e9
    time = [[0.0] * len(STATES) for _ in range(width)]
    for start, end, state in spans:
        first = int((start - origin_ns) / col_ns)
        last = int((end - origin_ns) / col_ns)
        if last < 0 or first >= width or end <= start:
            continue
        for col in range(max(0, first), min(width - 1, last) + 1):
            lo = max(start, origin_ns + col * col_ns)
            hi = end if col == width - 1 else min(end, origin_ns + (col + 1) * col_ns)
            if hi > lo:
                time[col][state] += hi - lo
    out = []
    for spent in time:
        most = max(spent)
        out.append(spent.index(most) if most > 0 else NONE)
    return out


@dataclass(frozen=True, slots=True)
class StateLanes:
    """A snapshot of the fetching threads' states over the run so far: their spans by (pid,
    native id), or why there are none (`why`). `gil`: a GIL wait was told from other locks."""

    spans: Mapping[Key, Sequence[Span]] = field(default_factory=dict)
    gil: bool = False
    why: str | None = None

    @classmethod
    def unknown(cls, why: str) -> StateLanes:
        return cls(why=why)

    def shares(self, key: Key) -> dict[str, float]:
        """One thread's share of its sampled time in each state (empty: not sampled)."""
        spent = [0] * len(STATES)
        for start, end, state in self.spans.get(key, ()):
            spent[state] += end - start
        total = sum(spent)
        return {name: spent[i] / total for i, name in enumerate(STATES) if spent[i]} if total else {}

    def top(self, key: Key) -> tuple[str, float] | None:
        """The state the thread spent the most of its sampled time in, with its share."""
        shares = self.shares(key)
        return max(shares.items(), key=lambda item: item[1]) if shares else None


def lanes_of(timelines: Iterable[Timeline], requests: Spans, fetching: set[Key]) -> StateLanes:
    """The `fetching` threads' spans from each sampled process's timeline, against the
    threads' `requests` (in flight ones up to now)."""
    spans: dict[Key, list[Span]] = {}
    gil, any_ = True, False
    for timeline in timelines:
        any_, gil = True, gil and timeline.gil
        for key, runs in state_spans(timeline, requests, fetching).items():
            spans.setdefault(key, []).extend(runs)
    return StateLanes(spans, gil and any_)
