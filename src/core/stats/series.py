"""The run over time, read from the stats: one worker's lane, throughput by slice, the latency histogram."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fetchtui.core.stats.run_stats import RunStats

Bar = tuple[int, float, float, str]  # (req_id, start_s, end_s, outcome or "running")


def lane(stats: RunStats, number: int, now_ns: int | None = None) -> list[Bar]:
    """One worker's timeline, its in-flight request last."""
    worker = stats.threads[number]
    bars = []
    for req_id in worker.done:
        start_ns, end_ns, outcome = stats.span(req_id)
        start, end = stats.relative_s(start_ns), stats.relative_s(end_ns)
        if start is not None and end is not None and outcome is not None:
            bars.append((req_id, start, end, outcome.value))
    if worker.current is not None:
        start = stats.relative_s(stats.span(worker.current)[0])
        if start is not None:
            bars.append((worker.current, start, stats.elapsed_s(now_ns), "running"))
    return bars


def throughput(stats: RunStats, buckets: int, now_ns: int | None = None) -> list[float]:
    """Requests finished per second in `buckets` equal slices of the run so far."""
    elapsed = stats.elapsed_s(now_ns)
    if buckets <= 0 or elapsed <= 0:
        return []
    if stats._columns is None:
        return [0.0] * buckets
    from fetchtui.core.stats.figures import throughput as per_slice

    return per_slice(stats._columns, stats.t0_ns or 0, elapsed, buckets)


def resize_marks(stats: RunStats) -> list[tuple[float, int]]:
    """(seconds into the run, workers after) for each change of the pool's size."""
    return [(stats.relative_s(r.t_ns) or 0.0, r.workers) for r in stats.steering.resizes]


def latency_histogram(stats: RunStats, bins: int) -> tuple[list[float], list[int]]:
    """Latency bin edges (ms, left edges) and counts over every finished request."""
    if stats._columns is None or bins <= 0:
        return [], []
    from fetchtui.core.stats.figures import histogram

    return histogram(stats._columns, bins)
