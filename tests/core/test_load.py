"""A thousand workers against the demo server: no crash, no pool churn, exact accounting."""

from __future__ import annotations

import logging
import time

import pytest

from fetchtui.core.backends import FetchLimits
from fetchtui.core.engine import Engine, RunConfig, drain
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import parse_targets


@pytest.mark.parametrize("backend", ["requests", "requests-per-thread"])
def test_a_thousand_workers_account_exactly_without_pool_churn(
    base: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="urllib3")
    targets = parse_targets(f"{base}/delay/50 x3000")
    engine = Engine(targets, RunConfig(1000, backend, FetchLimits(timeout=60)))
    stats = RunStats(targets)
    engine.start()
    give_up = time.monotonic() + 120
    while not stats.ended and time.monotonic() < give_up:
        stats.apply(drain(engine.events, 0.1))
    engine.close()
    assert stats.ended
    assert (stats.ok, stats.failed, stats.cancelled) == (3000, 0, 0), stats.error_counts
    assert len(stats.threads) > 100  # the pool really grew past the default sizes
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_cancel_while_a_thousand_threads_are_still_starting(base: str) -> None:
    targets = parse_targets(f"{base}/hang x5000")
    engine = Engine(targets, RunConfig(1000, "requests", FetchLimits(timeout=60)))
    stats = RunStats(targets)
    engine.start()
    engine.cancel()
    while not stats.ended:
        stats.apply(drain(engine.events, 0.1))
    assert stats.ok + stats.failed + stats.cancelled == 5000
    assert stats.in_flight == 0
