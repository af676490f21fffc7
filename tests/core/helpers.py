"""Run a list to the end in this process and fold its events, as every front end does."""

from __future__ import annotations

import time

from fetchtui.core.config import FetchLimits, RunConfig, check_backend
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import parse_targets


def run_list(text: str, workers: int = 4, backend: str = "requests", wall_limit: float = 30.0,
             **limits: object) -> RunStats:
    targets = parse_targets(text)
    source = PoolSource(targets, RunConfig(workers, check_backend(backend), FetchLimits(**limits)))  # type: ignore[arg-type]
    stats = RunStats(targets)
    source.start()
    give_up = time.monotonic() + wall_limit
    while not stats.ended and time.monotonic() < give_up:
        stats.apply(source.drain(0.05))
    source.close()
    assert stats.ended, f"the run did not end within {wall_limit} s"
    return stats
