"""The one serve loop: the fetch process and a worker process answer the same typed commands."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.child import last_error
from fetchtui.core.runs.counter import SharedCounter
from fetchtui.core.runs.events import Event, PoolResized, RunEnded, RunPaused
from fetchtui.core.runs.packing import Packed, Unpacker
from fetchtui.core.runs.wire import (
    CancelRun,
    Close,
    OpenRun,
    PauseRun,
    ResizeRun,
    RunReady,
    Spawned,
    StartRun,
    spawn,
)
from fetchtui.core.stats import RunStats

# each kind as its parent spawns it, and whether it serves a share of a run (ids from a counter)
KINDS = {
    "fetch process": ("fetchtui.core.runs.child_main", False),
    "worker process": ("fetchtui.core.runs.processes", True),
}
RUN = 7
E = TypeVar("E", bound=Event)


class Child:
    """A spawned process seen from its parent: commands out, what it answers read back."""

    def __init__(self, module: str) -> None:
        self.spawned: Spawned = spawn([sys.executable, "-m", module])
        self.unpacker = Unpacker()
        self.stats: RunStats | None = None  # what its batches fold into, once a run is open
        self.answers: list[object] = []  # RunReady and the like, as they came
        self.events: list[Event] = []  # every batch's events, unpacked, in order

    def send(self, command: object) -> None:
        self.spawned.commands.send(command)

    def read_until(self, condition: Callable[[], object], what: str, limit: float = 20.0) -> None:
        give_up = time.monotonic() + limit
        while not condition():
            left = give_up - time.monotonic()
            if left <= 0:
                said = last_error(self.spawned.stderr)
                raise AssertionError(f"waited {limit:g} s for {what}; it said: {said}")
            if self.spawned.batches.poll(min(left, 0.05)):
                message = self.spawned.batches.recv()
                if isinstance(message, Packed):
                    assert message.run_id == RUN
                    events = self.unpacker.unpack(message)
                    self.events += events
                    assert self.stats is not None
                    self.stats.apply(events)
                else:
                    self.answers.append(message)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def exit_code(self, limit: float = 10.0) -> int:
        return int(self.spawned.proc.wait(limit))

    def close(self) -> None:
        self.spawned.proc.kill()
        self.spawned.proc.wait()
        for closable in (self.spawned.commands, self.spawned.batches, self.spawned.stderr):
            closable.close()


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Child, str | None]]:
    module, shares = KINDS[request.param]
    counter = SharedCounter(str(tmp_path / "counter"), create=True) if shares else None
    child = Child(module)
    yield child, counter.path if counter is not None else None
    child.close()
    if counter is not None:
        counter.close()


def test_both_process_kinds_run_open_start_resize_pause_and_cancel_as_commanded(
        kind: tuple[Child, str | None], base: str) -> None:
    child, counter = kind
    targets = parse_targets(f"{base}/delay/100?test=serve x400")
    child.stats = stats = RunStats(targets)
    child.send(OpenRun(RUN, targets, RunConfig(2, limits=FetchLimits(timeout=30)), counter))
    child.read_until(lambda: child.answers, "its answer to OpenRun")
    assert child.answers == [RunReady(RUN)]

    child.send(StartRun(RUN, time.perf_counter_ns()))
    child.read_until(lambda: stats.ok >= 4, "requests to come back")

    child.send(ResizeRun(RUN, 3))
    child.read_until(lambda: child.of(PoolResized), "the resize")
    assert [e.workers for e in child.of(PoolResized)] == [3]

    child.send(PauseRun(RUN, True))
    child.read_until(lambda: child.of(RunPaused), "the pause")
    assert [e.paused for e in child.of(RunPaused)] == [True]

    child.send(CancelRun(RUN))
    child.read_until(lambda: child.of(RunEnded), "the run's end")
    ended = child.of(RunEnded)
    assert len(ended) == 1 and ended[0].cancelled
    assert stats.ended and stats.in_flight == 0 and stats.failed == 0
    assert 4 <= stats.ok < 400 and stats.cancelled > 0
    if counter is None:  # the fetch process waits for its next run, until told to go
        assert child.spawned.proc.poll() is None
        child.send(Close())
    assert child.exit_code() == 0  # a worker process goes once its one run is over


def test_a_run_cancelled_before_it_starts_ends_a_worker_process_but_not_the_fetch_process(
        kind: tuple[Child, str | None], base: str) -> None:
    child, counter = kind
    targets = parse_targets(f"{base}/delay/0?test=serve-unstarted x3")
    child.send(OpenRun(RUN, targets, RunConfig(1), counter))
    child.read_until(lambda: child.answers, "its answer to OpenRun")
    child.send(CancelRun(RUN))
    if counter is not None:  # a worker process serves its one run: nothing ran, and it goes
        assert child.exit_code() == 0
        assert child.events == []
        return
    child.send(OpenRun(RUN + 1, targets, RunConfig(1), None))  # the fetch process goes on serving
    child.read_until(lambda: len(child.answers) == 2, "its answer to the second OpenRun")
    assert child.answers == [RunReady(RUN), RunReady(RUN + 1)] and child.events == []
    child.send(Close())
    assert child.exit_code() == 0
