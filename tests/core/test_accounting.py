"""Accounting under cancellation at any point: one terminal state per request, always.

The requests are answered by a fake client from a plan Hypothesis draws, and the cancel
comes from inside the request the plan names, so a failing example replays exactly.
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import Outcome, RequestFinished
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.stats import RunStats

from .fake_client import FakeClient, Step, factory, fake_url

steps = st.one_of(
    st.tuples(st.just("status"), st.sampled_from([200, 204, 404, 503])),
    st.tuples(st.just("fail"), st.sampled_from(["timeout", "connect", "reset", "tls", "invalid"])),
)


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[Step], int | None]:
    """A plan, and the request whose start cancels the run (None: it runs to its end).

    Requests after the cancelling one may hang: the cancel is sure to come and cut them.
    """
    plan: list[Step] = draw(st.lists(steps, max_size=60))
    cancel_at = draw(st.one_of(st.none(), st.integers(0, len(plan) - 1))) if plan else None
    if cancel_at is not None:
        for index in range(cancel_at + 1, len(plan)):
            if draw(st.booleans()):
                plan[index] = ("hang", None)
    return plan, cancel_at


def planned(step: Step) -> tuple[Outcome, str | None]:
    what, arg = step
    if what == "status":
        assert isinstance(arg, int)
        return (Outcome.OK, None) if arg < 400 else (Outcome.FAILED, "http")
    return Outcome.FAILED, str(arg)


@settings(max_examples=60, deadline=None)
@given(drawn=plans(), workers=st.integers(1, 16))
def test_submitted_equals_ok_failed_cancelled_wherever_the_cancel_comes(
        drawn: tuple[list[Step], int | None], workers: int) -> None:
    plan, cancel_at = drawn
    targets = parse_targets("\n".join(fake_url(i) for i in range(len(plan))))
    source: PoolSource | None = None

    def on_start(index: int) -> None:
        if index == cancel_at and source is not None:
            source.cancel()

    client = FakeClient(plan, on_start)
    source = PoolSource(targets, RunConfig(workers, "requests"), factory(client))  # type: ignore[arg-type]
    stats = RunStats(targets)
    terminal: list[int] = []
    source.start()
    give_up = time.monotonic() + 20
    while not stats.ended:
        assert time.monotonic() < give_up, "the run did not end within 20 s"
        batch = source.drain(0.05)
        terminal += [e.req_id for e in batch if isinstance(e, RequestFinished)]
        stats.apply(batch)
    source.close()

    assert stats.total == stats.ok + stats.failed + stats.cancelled == len(plan)
    assert stats.in_flight == 0
    assert len(terminal) == len(set(terminal))  # never two outcomes for one request
    for req_id, step in enumerate(plan):
        rec = stats.view(req_id)
        if cancel_at is None:
            assert (rec.outcome, rec.error_kind) == planned(step)
        elif rec.outcome is not Outcome.CANCELLED:  # it finished before the cancel came
            assert req_id != cancel_at and (rec.outcome, rec.error_kind) == planned(step)
    assert client.closed.wait(5), "the client was never closed"
