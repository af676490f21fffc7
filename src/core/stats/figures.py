"""Figures read from a run's columns with numpy: pure functions, the fold's state untouched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from fetchtui.core.report.summary import Latency, UrlFigures
from fetchtui.core.runs.events import OUTCOMES, Outcome
from fetchtui.core.stats.batch import NONE
from fetchtui.core.stats.by_url import UrlRows
from fetchtui.core.stats.columns import CANCELLED, NOT_ENDED, Columns
from fetchtui.core.stats.hist import exact, nearest

Ints = NDArray[np.int64]
OK = OUTCOMES.index(Outcome.OK)


def latencies(cols: Columns) -> Ints:
    """End minus start of every request that ran and was not cancelled, in id order."""
    timed = cols.timed_mask()
    return cols.end[timed] - cols.start[timed]


def latency(cols: Columns) -> Latency:
    return exact(latencies(cols))


def phase_latency(cols: Columns, phase: int) -> Latency:
    """A phase's p50/p90/p99/max over the ended requests that had it."""
    values = cols.phases[phase][cols.outcome != NOT_ENDED]
    return exact(values[values != NONE])


def schedule_latency(cols: Columns, lag: bool) -> Latency:
    """Send minus scheduled time (`lag`) of each request that started on a schedule; else
    latency from the schedule of each that ran, not cancelled."""
    scheduled = cols.due != NONE
    if lag:
        began = scheduled & (cols.start != NONE)
        return exact(np.maximum(cols.start[began] - cols.due[began], 0))
    timed = scheduled & cols.timed_mask()
    return exact(cols.end[timed] - cols.due[timed])


def sample(cols: Columns, most: int) -> tuple[tuple[float, float], ...]:
    """(latency ms, CPU ms) of up to `most` requests that ran, every k-th by id."""
    ran = np.flatnonzero(cols.timed_mask())
    step = max(1, -(-len(ran) // most))
    taken = ran[::step]
    took, cpu = (cols.end[taken] - cols.start[taken]).tolist(), cols.cpu[taken].tolist()
    return tuple((round(t / 1e6, 4), round(c / 1e6, 4)) for t, c in zip(took, cpu, strict=True))


def in_flight_at(cols: Columns, t_ns: int) -> int:
    """Requests that had started by `t_ns` and had not ended by then."""
    start, end = cols.start, cols.end
    return int(np.count_nonzero((start != NONE) & (start < t_ns) & ((end == NONE) | (end > t_ns))))


def throughput(cols: Columns, t0_ns: int, elapsed_s: float, buckets: int) -> list[float]:
    """Requests that started and ended, per second, in `buckets` equal slices of `elapsed_s`."""
    width = elapsed_s / buckets
    seconds = (cols.end[cols.ran_mask()] - t0_ns) / 1e9
    slices = np.clip(np.trunc(seconds / width), 0, buckets - 1).astype(np.int64)
    return [c / width for c in np.bincount(slices, minlength=buckets).tolist()]


def histogram(cols: Columns, bins: int) -> tuple[list[float], list[int]]:
    """Latency bin edges (ms, left edges) and counts over every request that ran."""
    values = latencies(cols)
    if not len(values) or bins <= 0:
        return [], []
    low, high = int(values.min()) / 1e6, int(values.max()) / 1e6
    width = (high - low) / bins or 1.0
    index = np.minimum(((values / 1e6 - low) / width).astype(np.int64), bins - 1)
    return [round(low + i * width, 1) for i in range(bins)], np.bincount(index, minlength=bins).tolist()


def _sum_by(keys: Ints, values: Ints, count: int) -> list[int]:
    out = np.zeros(count, np.int64)
    np.add.at(out, keys, values)
    sums: list[int] = out.tolist()
    return sums


def url_figures(rows: UrlRows, cols: Columns | None, total: int, final: bool, limit: int | None = None
                ) -> Iterator[UrlFigures]:
    """The per-URL table, in list order (the first `limit` rows, when given), one row at a time."""
    count = rows.count if limit is None else min(limit, rows.count)
    planned = rows.planned(total)
    zeros = [0] * count
    ok, failed, cancelled, nbytes = zeros, zeros, zeros, zeros
    errors: dict[int, Counter[str]] = {}
    took, bounds = np.zeros(0, np.int64), [*zeros, 0]
    size = cols.size if cols is not None else 0
    if cols is not None and size:
        row = rows.rows_of(size)
        outcome, start = cols.outcome[:size], cols.start[:size]
        listed = row < count
        is_cancelled = (outcome == CANCELLED) & listed
        counted = (outcome != NOT_ENDED) & (outcome != CANCELLED) & listed  # ok or failed
        is_failed = counted & (outcome != OK)
        ok = np.bincount(row[counted & (outcome == OK)], minlength=count).tolist()
        failed = np.bincount(row[is_failed], minlength=count).tolist()
        cancelled = np.bincount(row[is_cancelled], minlength=count).tolist()
        nbytes = _sum_by(row[counted], cols.nbytes[:size][counted], count)
        if is_failed.any():  # failures, by their error's kind
            kinds = cols.codes.kinds
            width = len(kinds) + 1
            tally = np.bincount(row[is_failed] * width + cols.kind[:size][is_failed] + 1)
            for key in np.flatnonzero(tally).tolist():
                where, kind = divmod(key, width)
                errors.setdefault(where, Counter())[kinds[kind - 1] if kind else "invalid"] += int(tally[key])
        timed = counted & (start != NONE)
        took, where = cols.end[:size][timed] - start[timed], row[timed]
        order = np.lexsort((took, where))  # by row, then by latency
        took = took[order]
        bounds = np.searchsorted(where[order], np.arange(count + 1)).tolist()
    for at in range(count):
        mine = took[bounds[at]:bounds[at + 1]]
        p50, p90, p99 = (round(nearest(mine, q) / 1e6, 3) for q in (50, 90, 99))
        lat = Latency(p50, p90, p99, round((int(mine[-1]) if len(mine) else 0) / 1e6, 3))
        # a request never started (a cancel, the end of a duration) has no record: it is
        # this row's all the same
        unaccounted = max(0, planned[at] - ok[at] - failed[at] - cancelled[at]) if final else 0
        yield UrlFigures(rows.url(at), planned[at], ok[at], failed[at], cancelled[at] + unaccounted, lat,
                         nbytes[at], dict(sorted(errors.get(at, Counter()).items())))
