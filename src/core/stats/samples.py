"""Durations in ns, read as percentiles: by their µs counts while a run is live, by one sort after."""

from __future__ import annotations

import bisect
import itertools
import operator
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

from fetchtui.core.summary import Latency

#: A live read counts durations by the µs (the panel shows a tenth of a ms); the end's is exact.
LIVE_UNIT_NS = 1_000
#: A live read walks the counts by buckets of this many units, then one bucket's units: a
#: walk of every distinct µs (up to 20,000 of them) in six samples each frame was 13% of
#: the live UI's CPU in a long -P 2 run.
BUCKET = 100
#: Past this many buckets (a spread of 0.2 s by the µs), a live read counts ten times
#: coarser, so a frame does not grow with a wide run's spread, nor the counts without end.
LIVE_KEYS = 2_000


def percentile(ordered: Sequence[int], q: float) -> int:
    """Nearest-rank percentile of an ordered sequence (q in 0..100)."""
    if not ordered:
        return 0
    return ordered[_rank(len(ordered), q) - 1]


def _rank(n: int, q: float) -> int:
    return int(max(1, -(-n * q // 100)))  # ceil without floats drifting


def rounded(lat: Latency) -> Latency:
    """To the µs, as exports keep them."""
    return Latency(*(round(v, 3) for v in (lat.p50, lat.p90, lat.p99, lat.max)))


class Samples:
    """Durations in ns, read in order: by their µs counts while a run is live, by one sort after.

    A live read costs a count per new value (in C) and a walk of the distinct µs values; the
    SortedList it replaces cost ~1 µs a value in Python, three values a request, and was the
    live panel's largest cost (8 of a frame's 38 ms at 28,000 req/s).
    """

    def __init__(self) -> None:
        # an array, not a list of int objects: 8 bytes a sample, and nothing for the cyclic
        # collector to walk (a list's million items were most of a full collection's time)
        self.values = array("q")
        self._final_sorted = False
        self._counts: Counter[int] = Counter()  # live: values by unit
        self._buckets: Counter[int] = Counter()  # live: values by bucket of BUCKET units
        self._keys: list[int] = []  # the counted buckets, in order
        self._unit = LIVE_UNIT_NS
        self._counted = 0  # values counted so far
        self._max = 0

    def add(self, value: int) -> None:
        self.values.append(value)

    def add_all(self, values: Iterable[int]) -> None:
        self.values.extend(values)

    def ordered(self) -> Sequence[int]:
        """Every value in order (sorted once, in place: call it once the run has ended)."""
        if not self._final_sorted:
            self.values = array("q", sorted(self.values))
            self._final_sorted = True
        return self.values

    def latency(self, final: bool) -> Latency:
        """p50/p90/p99/max in milliseconds: exact once `final`, to the µs while live."""
        if final:
            ordered = self.ordered()
            return Latency(p50=percentile(ordered, 50) / 1e6, p90=percentile(ordered, 90) / 1e6,
                           p99=percentile(ordered, 99) / 1e6, max=(ordered[-1] if ordered else 0) / 1e6)
        return self._live()

    def _live(self) -> Latency:
        values, counts, buckets = self.values, self._counts, self._buckets
        if self._counted != len(values):
            fresh = values[self._counted:]
            units = list(map(operator.floordiv, fresh, itertools.repeat(self._unit)))
            counts.update(units)
            buckets.update(map(operator.floordiv, units, itertools.repeat(BUCKET)))
            self._max = max(self._max, max(fresh))
            self._counted = len(values)
            if len(buckets) != len(self._keys):
                while len(self._buckets) > LIVE_KEYS:
                    self._coarsen()
                self._keys = sorted(self._buckets)
        if not self._keys:
            return Latency(0.0, 0.0, 0.0, 0.0)
        counts, buckets, keys, unit = self._counts, self._buckets, self._keys, self._unit
        below = list(itertools.accumulate(map(buckets.__getitem__, keys)))
        n = below[-1]

        def at(q: float) -> float:
            rank = _rank(n, q)
            index = bisect.bisect_left(below, rank)
            first = keys[index] * BUCKET  # the bucket's first unit
            inside = list(itertools.accumulate(map(counts.get, range(first, first + BUCKET),
                                                   itertools.repeat(0))))
            step = bisect.bisect_left(inside, rank - (below[index - 1] if index else 0))
            return (first + step) * unit / 1e6

        return Latency(p50=at(50), p90=at(90), p99=at(99), max=self._max / 1e6)

    def _coarsen(self) -> None:
        """Count by a unit ten times larger, so the distinct units stay few."""
        coarser: Counter[int] = Counter()
        for key, count in self._counts.items():
            coarser[key // 10] += count
        self._counts = coarser
        self._buckets = Counter()
        for key, count in coarser.items():
            self._buckets[key // BUCKET] += count
        self._unit *= 10
