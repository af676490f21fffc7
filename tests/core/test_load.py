"""A thousand workers against the demo server: no crash, no pool churn, exact accounting."""

from __future__ import annotations

import logging

import pytest

from fetchtui.core.input.config import ClientName, FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.stats import RunStats

from ..waiting import fold_until


@pytest.mark.parametrize("client", ["requests", "requests-per-thread"])
def test_a_thousand_workers_account_exactly_without_pool_churn(
    base: str, client: ClientName, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="urllib3")
    targets = parse_targets(f"{base}/delay/50 x3000")
    source = PoolSource(targets, RunConfig(1000, client, FetchLimits(timeout=60)))
    stats = RunStats(targets)
    source.start()
    fold_until(source, stats, lambda: stats.ended, "3,000 requests on 1,000 workers", limit=120)
    source.close()
    assert (stats.ok, stats.failed, stats.cancelled) == (3000, 0, 0), stats.error_counts
    assert len(stats.threads) > 100  # the pool really grew past the default sizes
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_cancel_while_a_thousand_threads_are_still_starting(base: str) -> None:
    targets = parse_targets(f"{base}/hang x5000")
    source = PoolSource(targets, RunConfig(1000, "requests", FetchLimits(timeout=60)))
    stats = RunStats(targets)
    source.start()
    source.cancel()
    fold_until(source, stats, lambda: stats.ended, "the cancelled run to end", limit=10)
    assert stats.ok + stats.failed + stats.cancelled == 5000
    assert stats.in_flight == 0
