"""Each fetching thread's sampled states as spans over time, and a lane's columns at a scale:
what the timeline (F9) draws under each thread's requests. The widget only draws these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fetchtui.core.threadstates.fold import Spans
from fetchtui.core.threadstates.kinds import CPU, GIL, IDLE, RUNNABLE, RUNNING, STATES
from fetchtui.core.threadstates.timeline import Timeline

if TYPE_CHECKING:
    import numpy as np

# numpy is imported where these run: in the process that folds a run's stats (the live
# monitor), never in a fetch process or the sampler

#: A thread, by (pid, native id)
Key = tuple[int, int]
#: A run of one state on one thread: (start ns, end ns, state), on the perf_counter clock
Span = tuple[int, int, int]

NONE = -1  # a column no sample covers (before the thread's first tick, after its last)
_JOIN_NS = 2_000  # ticks this close are one run (their stamps are whole µs)


def _covered(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How much of the sorted, disjoint intervals [starts, ends) lies before each time in `at`."""
    import numpy as np

    if len(starts) == 0:
        return np.zeros(len(at))
    total = np.concatenate(([0], np.cumsum(ends - starts)))  # before interval i: total[i]
    i = np.searchsorted(starts, at, side="right")  # the intervals begun by then
    last = np.maximum(i - 1, 0)
    part = np.clip(at - starts[last], 0, ends[last] - starts[last])
    return np.where(i > 0, total[last] + part, 0).astype(np.float64)


def _busy(requests: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """A thread's requests merged into sorted, disjoint intervals (ns), as fold.Busy merges
    them (touching ones are one), in arrays: an instant run has a thousand a second."""
    import numpy as np

    if not requests:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    table = np.asarray(requests, dtype=np.int64).reshape(-1, 2)
    table = table[np.argsort(table[:, 0], kind="stable")]
    starts, ends = table[:, 0], table[:, 1]
    reach = np.maximum.accumulate(ends)
    begins = np.flatnonzero(np.concatenate(([True], starts[1:] > reach[:-1])))
    return starts[begins], np.maximum.reduceat(ends, begins)


def state_spans(timeline: Timeline, requests: Spans | None = None,
                keep: set[Key] | None = None) -> dict[Key, list[Span]]:
    """`timeline`'s threads (those in `keep`, when given) as runs of the state each tick is
    shown in: a running tick cpu or runnable by schedstat, a wait mostly outside the thread's
    `requests` idle (as fold.ticks and fold.shown_state say, in arrays: a live view makes these
    again every half second, over the whole run so far); consecutive ticks in one state merged."""
    import numpy as np

    number, end_us, span_us, run_us, wait_us, seen = (np.frombuffer(c, dtype=c.typecode) if len(c) else
                                                      np.zeros(0, dtype=c.typecode) for c in timeline.columns)
    order = np.argsort(number, kind="stable")  # each thread's rows together, in tick order
    bounds = np.searchsorted(number[order], np.arange(len(timeline.threads) + 1))
    out: dict[Key, list[Span]] = {}
    for n, tid in enumerate(timeline.threads):
        key = (timeline.pid, tid)
        rows = order[bounds[n]:bounds[n + 1]]
        if (keep is not None and key not in keep) or len(rows) == 0:
            continue
        end = end_us[rows].astype(np.int64) * 1000
        span = span_us[rows].astype(np.int64) * 1000
        start = end - span
        state = seen[rows].astype(np.int16)
        cpu = (run_us[rows] >= wait_us[rows]) & (run_us[rows] > 0)
        state = np.where(state == RUNNING, np.where(cpu, CPU, RUNNABLE), state)
        if requests is not None:
            starts, ends = _busy(requests.get(key, ()))
            inside = _covered(starts, ends, end) - _covered(starts, ends, start)
            outside = 1 - inside / np.maximum(span, 1)
            waiting = ~np.isin(state, (CPU, RUNNABLE, GIL)) & (span > 0)
            state = np.where(waiting & (outside > 0.5), IDLE, state)
        breaks = np.flatnonzero((state[1:] != state[:-1]) | (start[1:] - end[:-1] > _JOIN_NS)) + 1
        first = np.concatenate(([0], breaks))
        last = np.concatenate((breaks - 1, [len(state) - 1]))
        out.setdefault(key, []).extend(zip(start[first].tolist(), end[last].tolist(), state[first].tolist(),
                                           strict=True))
    return out


def column_states(spans: Sequence[Span], origin_ns: int, scale_s: float, width: int) -> list[int]:
    """The state of each of `width` columns of `scale_s` seconds from `origin_ns`: the one the
    thread spent most of that column's sampled time in (NONE where no sample covers it); a
    column past the end takes in what lies beyond it, as the last request bar does."""
    import numpy as np

    if width <= 0 or scale_s <= 0:
        return []
    if not spans:
        return [NONE] * width
    table = np.asarray(spans, dtype=np.int64).reshape(-1, 3)
    table = table[np.argsort(table[:, 0], kind="stable")]
    edges = origin_ns + np.arange(width + 1, dtype=np.float64) * scale_s * 1e9
    edges[-1] = max(edges[-1], float(table[:, 1].max()))
    spent = np.zeros((len(STATES), width))
    for state in np.unique(table[:, 2]):
        mine = table[table[:, 2] == state]
        spent[state] = np.diff(_covered(mine[:, 0], mine[:, 1], edges))
    most = spent.argmax(axis=0)
    shown: list[int] = np.where(spent.max(axis=0) > 0, most, NONE).tolist()
    return shown


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
