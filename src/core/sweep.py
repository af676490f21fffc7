"""The worker sweep: the same list at 1, 2, 4, 8 … workers, one run after another."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fetchtui.core.engine import MAX_WORKERS, Engine, RunConfig, drain
from fetchtui.core.history import History, RunRecord, list_key
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import Target

DEFAULT_SERIES = (1, 2, 4, 8, 16, 32)


def parse_series(text: str) -> list[int]:
    """`1,2,4,8` -> [1, 2, 4, 8]; raises ValueError with a message a user can act on."""
    values = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"worker counts must be whole numbers, got {part!r}")
        value = int(part)
        if not 1 <= value <= MAX_WORKERS:
            raise ValueError(f"worker counts must be from 1 to {MAX_WORKERS}, got {value}")
        values.append(value)
    if not values:
        raise ValueError("give at least one worker count, e.g. 1,2,4,8")
    return values


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One run of a sweep with the figures the chart and the table draw."""

    record: RunRecord
    speedup: float | None
    ideal_speedup: float
    ceiling_rps: float | None
    ideal_elapsed_s: float | None = None  # from the 1-worker run, when there is one
    ideal_rps: float | None = None


def points(history: History, runs: Sequence[RunRecord]) -> list[SweepPoint]:
    """Speedup against the 1-worker run, the ideal speedup, and the GIL ceiling.

    The ideal counts waves: 40 requests on 32 workers still take two request times, so
    their ideal speedup is 40 / 2 = 20, not 32.
    """
    result = []
    for record in runs:
        ceiling = record.summary.get("gil_ceiling_rps")
        n = max(1, int(record.summary.get("submitted", 1)))
        ideal = n / math.ceil(n / record.workers)
        base = history.baseline(record)
        result.append(SweepPoint(
            record, history.speedup(record), ideal, float(ceiling) if ceiling else None,
            base.elapsed_s / ideal if base else None,
            float(base.summary["rps"]) * ideal if base else None,
        ))
    return result


def mean_ceiling(swept: Sequence[SweepPoint]) -> float | None:
    """One GIL ceiling for a sweep: the mean of its runs' ceilings."""
    ceilings = [p.ceiling_rps for p in swept if p.ceiling_rps]
    return sum(ceilings) / len(ceilings) if ceilings else None


def run_once(targets: Sequence[Target], config: RunConfig) -> RunStats:
    """Run the list headless to the end and return its stats."""
    engine = Engine(targets, config)
    stats = RunStats(targets)
    engine.start()
    try:
        while not stats.ended:
            stats.apply(drain(engine.events, 0.1))
    finally:
        engine.close()
    return stats


def run_sweep(
    targets: Sequence[Target],
    series: Sequence[int],
    base: RunConfig,
    history: History | None = None,
    on_run: Callable[[RunRecord], None] | None = None,
) -> list[RunRecord]:
    """Run the list once per worker count; each run lands in `history` as it ends."""
    history = history if history is not None else History()
    key = list_key(targets)
    runs = []
    for workers in series:
        config = RunConfig(workers, base.backend, base.limits)
        stats = run_once(targets, config)
        record = history.add(workers, base.backend, key, stats.summary())
        runs.append(record)
        if on_run is not None:
            on_run(record)
    return runs
