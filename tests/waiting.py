"""Waiting on a condition with a deadline and a description: never a fixed pause."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from fetchtui.core.runs.source import RunSource
from fetchtui.core.stats import RunStats

STEP_S = 0.02  # one step of a bounded poll


def wait_until(condition: Callable[[], object], what: str, limit: float = 20.0) -> None:
    """Poll `condition` until it holds; fail naming `what` after `limit` seconds."""
    give_up = time.monotonic() + limit
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"waited {limit:g} s for {what}")
        time.sleep(STEP_S)


def fold_until(source: RunSource, stats: RunStats, condition: Callable[[], object], what: str,
               limit: float = 20.0) -> None:
    """Fold the source's events into `stats` until `condition` holds (the queue wakes us)."""
    give_up = time.monotonic() + limit
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"waited {limit:g} s for {what}")
        stats.apply(source.drain(0.05))


async def pilot_until(pilot: Pilot[int], condition: Callable[[], object], what: str,
                      limit: float = 20.0) -> None:
    """Let the app run until `condition` holds; fail naming `what` after `limit` seconds."""
    give_up = time.monotonic() + limit
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"waited {limit:g} s for {what}")
        await pilot.pause(STEP_S)
