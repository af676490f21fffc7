"""Durations read as percentiles: live from log-spaced bucket counts, exact from the values at the end."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fetchtui.core.report.summary import Latency
from fetchtui.core.runs.events import NONE_FIELD

#: A live read counts durations by the µs up to 2**LINEAR_BITS µs (262 ms: the panel shows a
#: tenth of a ms, and reads as the exact figure's µs), then in 2**(SUB_BITS - 1) buckets a
#: doubling (within 1/2048 of a value): a few hundred thousand counts at most, whatever the
#: spread, and a frame's read one cumsum of them.
LINEAR_BITS, SUB_BITS = 18, 12
_LINEAR, _HALF = 1 << LINEAR_BITS, 1 << (SUB_BITS - 1)
_FIRST_SHIFT = LINEAR_BITS - SUB_BITS + 1  # the shift of the first doubling past the linear counts
QUANTILES = (50, 90, 99)

Ints = NDArray[np.int64]


def rank(n: int, q: float) -> int:
    """The nearest rank of percentile `q` (0..100) among `n` ordered values, from 1."""
    return int(max(1, -(-n * q // 100)))  # ceil without floats drifting


def exact(values: Ints) -> Latency:
    """p50/p90/p99/max of `values` (ns) in ms, by nearest rank (np.percentile's inverted_cdf
    agrees for these three, but not for every q: the rank is computed here, in integers)."""
    n = len(values)
    if not n:
        return Latency(0.0, 0.0, 0.0, 0.0)
    ranks = [rank(n, q) - 1 for q in QUANTILES]
    parted = np.partition(values, [*ranks, n - 1])
    p50, p90, p99, top = (int(parted[k]) for k in (*ranks, n - 1))
    return Latency(p50=p50 / 1e6, p90=p90 / 1e6, p99=p99 / 1e6, max=top / 1e6)


def nearest(ordered: Ints, q: float) -> int:
    """Nearest-rank percentile of sorted `ordered` (0 when empty)."""
    return int(ordered[rank(len(ordered), q) - 1]) if len(ordered) else 0


def _buckets(values_ns: Ints) -> Ints:
    us = np.maximum(values_ns, 0) // 1000
    if us.max() < _LINEAR:
        return us
    shift = np.maximum(np.frexp(us.astype(np.float64))[1] - SUB_BITS, _FIRST_SHIFT).astype(np.int64)
    logged: Ints = _LINEAR + (shift - _FIRST_SHIFT) * _HALF + (us >> shift) - _HALF
    return np.where(us < _LINEAR, us, logged)


def _floor_us(bucket: int) -> int:
    """The least µs a bucket counts."""
    if bucket < _LINEAR:
        return bucket
    doubling, step = divmod(bucket - _LINEAR, _HALF)
    shift = doubling + _FIRST_SHIFT
    return (step + _HALF) << shift


class LiveCounts:
    """Durations counted by log-spaced bucket as they come, read as percentiles live."""

    __slots__ = ("_counted", "_counts", "_pending", "_top")

    def __init__(self) -> None:
        self._counts: Ints = np.zeros(0, np.int64)
        #: counted when read (a figure nobody reads costs nothing), NONE cells dropped then
        self._pending: list[Ints] = []
        self._counted = 0
        self._top = 0

    def add(self, values_ns: Ints) -> None:
        """Durations, any of them NONE_FIELD (none: such a row had no such phase)."""
        if len(values_ns):
            self._pending.append(values_ns)

    @property
    def count(self) -> int:
        if self._pending:
            self._count()
        return self._counted

    def _count(self) -> None:
        fresh_values = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        self._pending.clear()
        if fresh_values.min() == NONE_FIELD:
            fresh_values = fresh_values[fresh_values != NONE_FIELD]
            if not len(fresh_values):
                return
        self._counted += len(fresh_values)
        self._top = max(self._top, int(fresh_values.max())) if len(self._counts) else int(fresh_values.max())
        fresh = np.bincount(_buckets(fresh_values))
        counts = self._counts
        if len(fresh) > len(counts):
            fresh[:len(counts)] += counts
            self._counts = fresh
        else:
            counts[:len(fresh)] += fresh

    @property
    def top(self) -> int:
        """The largest value, exact."""
        if self._pending:
            self._count()
        return self._top

    def latency(self) -> Latency:
        """p50/p90/p99 to the bucket (its least µs: never above the exact one), the exact max."""
        count = self.count
        if not count:
            return Latency(0.0, 0.0, 0.0, 0.0)
        below = np.cumsum(self._counts)
        at = np.searchsorted(below, [rank(count, q) for q in QUANTILES])
        p50, p90, p99 = (_floor_us(int(b)) * 1000 / 1e6 for b in at)
        return Latency(p50=p50, p90=p90, p99=p99, max=self._top / 1e6)
