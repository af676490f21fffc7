"""Run the engine to the end and fold its events, as every front end does."""

from __future__ import annotations

import time

from fetchtui.core.backends import FetchLimits
from fetchtui.core.engine import Engine, RunConfig, drain
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import parse_targets


def run_list(text: str, workers: int = 4, backend: str = "requests", wall_limit: float = 30.0,
             **limits: object) -> RunStats:
    targets = parse_targets(text)
    engine = Engine(targets, RunConfig(workers, backend, FetchLimits(**limits)))  # type: ignore[arg-type]
    stats = RunStats(targets)
    engine.start()
    give_up = time.monotonic() + wall_limit
    while not stats.ended and time.monotonic() < give_up:
        stats.apply(drain(engine.events, 0.05))
    engine.close()
    assert stats.ended, "the run did not end"
    return stats
