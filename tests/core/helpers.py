"""Run a list to the end in this process and fold its events, as every front end does; the
fault table every model's integration tests share."""

from __future__ import annotations

from fetchtui.core.input.config import FetchLimits, RunConfig, check_client
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.runs.source import RunSource, fold_to_end
from fetchtui.core.stats import RunStats

#: (path, the error kind it must give, the limits that make it so), for the demo server.
FAULTS = [
    ("/status/404", "http", {}),
    ("/status/503", "http", {}),
    ("/redirect-loop", "redirects", {"max_redirects": 5}),
    ("/bytes/200000", "too_large", {"max_bytes": 1000}),
    ("/reset", "reset", {}),
    ("/reset-body", "reset", {}),
    ("/truncated", "reset", {}),
    ("/garbage", "invalid", {}),
    ("/hang", "timeout", {"timeout": 0.5}),
    ("/stall", "timeout", {"timeout": 0.5}),
    # a drip answers every read within the timeout: only a total deadline makes it a timeout
    ("/drip?bytes=20&interval_ms=200", "timeout", {"timeout": 0.7}),
    ("/chunked-forever", "too_large", {"max_bytes": 200_000}),
]


def finish(source: RunSource, stats: RunStats, wall_limit: float = 30.0) -> RunStats:
    """Start `source` and fold its events until the run ends; then close it."""
    source.start()
    fold_to_end(source, stats, within=wall_limit, poll=0.05)
    source.close()
    assert stats.ended, f"the run did not end within {wall_limit} s"
    return stats


def run_list(text: str, workers: int = 4, client: str = "requests", wall_limit: float = 30.0,
             **limits: object) -> RunStats:
    targets = parse_targets(text)
    source = PoolSource(targets, RunConfig(workers, check_client(client), FetchLimits(**limits)))  # type: ignore[arg-type]
    return finish(source, RunStats(targets), wall_limit)


def pids_of(stats: RunStats) -> list[int]:
    """The processes the run's workers ran in, in order of appearance."""
    return list(dict.fromkeys(w.info.pid for w in stats.threads.values()))
