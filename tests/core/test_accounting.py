"""Accounting under cancellation at random moments: one terminal event per request, always."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fetchtui.core.backends import BACKENDS, FetchLimits
from fetchtui.core.engine import Engine, RunConfig, drain
from fetchtui.core.events import RequestFinished
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import parse_targets


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    delays=st.lists(st.sampled_from([0, 1, 5, 20, 50]), min_size=0, max_size=60),
    workers=st.integers(1, 16),
    backend=st.sampled_from(BACKENDS),
    cancel_after=st.one_of(st.none(), st.floats(0, 0.15)),
)
def test_submitted_equals_ok_failed_cancelled_whenever_cancel_comes(
    base: str, delays: list[int], workers: int, backend: str, cancel_after: float | None
) -> None:
    text = "\n".join(f"{base}/delay/{d}" if d != 50 else f"{base}/status/500" for d in delays)
    targets = parse_targets(text)
    engine = Engine(targets, RunConfig(workers, backend, FetchLimits(timeout=5)))
    stats = RunStats(targets)
    engine.start()
    if cancel_after is not None:
        time.sleep(cancel_after)
        engine.cancel()
    terminal: list[int] = []
    give_up = time.monotonic() + 20
    while not stats.ended and time.monotonic() < give_up:
        batch = drain(engine.events, 0.05)
        terminal += [e.req_id for e in batch if isinstance(e, RequestFinished)]
        stats.apply(batch)
    engine.close()
    assert stats.ended
    assert sorted(terminal) == list(range(len(targets)))
    assert stats.total == stats.ok + stats.failed + stats.cancelled == len(targets)
    assert stats.in_flight == 0
