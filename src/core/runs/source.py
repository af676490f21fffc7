"""The one seam a front end drives: a run source (start, cancel, its event queue) and where runs live."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import Event
from fetchtui.core.runs.ledger import Ledger

if TYPE_CHECKING:
    from fetchtui.core.runs.packing import Packed, Unpacker
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates

#: The message queue: batches of events, in the order and the grouping they were sent in.
EventQueue = queue.SimpleQueue[list[Event]]

#: The most events one drain returns, so a front end's frame stays bounded.
DRAIN_LIMIT = 50_000
#: With the events as rows (fold_rows), the longest a drain waits for the next batch: a trace
#: shows its lines, and a bar its pace, this often.
ROWS_EVERY_S = 0.05


class RunSource:
    """One run, wherever its requests are fetched (or were: a replay).

    A front end calls start() once, cancel() whenever, and drains `events` until it has
    folded a RunEnded; `lost` says why a run was cut short from outside (its process died).
    Every subclass closes its run out through its Ledger, so the accounting exists once.
    """

    replayed = False  # a replay shows a run that happened before: it is no new run to record
    recorded_states: ThreadStates | None = None  # a replay's: the states its run recorded
    _unpacker: Unpacker | None = None  # set by fold_rows()

    def __init__(self, targets: Sequence[Target], config: RunConfig) -> None:
        self.targets = targets
        self.config = config
        self.events: EventQueue = queue.SimpleQueue()
        self.ledger = Ledger(len(targets), self.events.put, config)

    def start(self) -> None:
        """Begin the run; returns at once."""
        raise NotImplementedError

    def cancel(self) -> None:
        """Cancel the run: every request not finished is accounted as cancelled; never waits."""
        raise NotImplementedError

    def close(self) -> None:
        """Cancel whatever is left and let go of what the run holds; never waits on the network."""
        self.cancel()

    def resize(self, workers: int) -> bool:
        """Grow or shrink the running pool to `workers` (per process under processes): new
        workers start at once, retiring ones leave after their request. False if this run
        cannot be steered (a replay) or has ended; never waits."""
        return False

    def pause(self, paused: bool) -> bool:
        """Hold new requests (in flight ones finish), or let them go again; False as resize's."""
        return False

    def now_ns(self) -> int:
        """The run's clock, on the scale of its events' `t_ns` (a replay has its own)."""
        return time.perf_counter_ns()

    @property
    def ended(self) -> bool:
        return self.ledger.ended

    def progress(self) -> tuple[int, float]:
        """(requests accounted, per second so far), from the ledger: see Ledger.progress."""
        return self.ledger.progress()

    @property
    def cancelled(self) -> bool:
        return self.ledger.cancelled

    @property
    def lost(self) -> str | None:
        return self.ledger.lost

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run has ended (every request accounted); True if it has."""
        return self.ledger.wait(timeout)

    def drain(self, timeout: float = 0.0, limit: int = DRAIN_LIMIT) -> list[Event]:
        """The events queued now, in order (waiting up to `timeout` for the first batch); after
        fold_rows(), the frame the ledger has written since the last drain, unpacked."""
        if self._unpacker is None:
            return drain(self.events, timeout, limit)
        frame = self.ledger.take_frame(0)
        if frame is None and timeout > 0:
            self.ledger.wait(min(timeout, ROWS_EVERY_S))  # the run's end, or the next batch's time
            frame = self.ledger.take_frame(0)
        return [] if frame is None else self._unpacker.unpack(frame)

    def fold_rows(self) -> None:
        """Have drain() give the run's events as a pipe would, for a fold in this process: a
        request's start, and an ok end its source reports by its fields, are written as rows
        under the ledger's lock, with no event object made and no queue, as the fetch process
        does. Every source that fetches here calls it as it is made; the others (a child's, a
        replay, worker processes gathered) hand rows already. Before start()."""
        from fetchtui.core.runs.packing import Unpacker

        self.frame_for_pipe()
        self._unpacker = Unpacker()

    def frame_for_pipe(self) -> None:
        """Have the run's events written as packed batches for a pipe (take_frame), not queued:
        a request's start, and an ok end where the source reports it by its fields, go in as
        rows with no event object made. Before start()."""
        from fetchtui.core.runs.packing import Packer  # only where events cross a pipe

        self.ledger.write_into(Packer())

    def take_frame(self, run_id: int) -> Packed | None:
        """The run's events since the last take, packed for the pipe (None: none came); after
        frame_for_pipe()."""
        return self.ledger.take_frame(run_id)


def drain(events: EventQueue, timeout: float = 0.0, limit: int = DRAIN_LIMIT) -> list[Event]:
    """Take the batches `events` holds now, flattened, stopping once `limit` is passed."""
    out: list[Event] = []
    try:
        out.extend(events.get(timeout=timeout) if timeout > 0 else events.get_nowait())
        while len(out) < limit:
            out.extend(events.get_nowait())
    except queue.Empty:
        pass
    return out


def fold_to_end(source: RunSource, stats: RunStats, *, within: float | None = None,
                cancel_if: Callable[[], bool] | None = None,
                on_batch: Callable[[list[Event]], None] | None = None, poll: float = 0.1,
                live: bool = True) -> bool:
    """Drain `source` and fold its events into `stats` until the run has ended: the one loop
    every front end and test runs. `cancel_if` is asked before each drain (a signal came);
    `within` bounds the wait in seconds. True once the run has ended.

    `live=False`, where nothing reads `stats` before the run ends (headless with no trace or
    open loop's pace to show, whose bar reads progress(); a sweep's runs): the batches are
    held and folded once the source has ended, so the fold takes no CPU (in one process, no
    GIL) from the fetching while it fetches. The stats are the same: a fold reads only the
    events' own stamps."""
    give_up = None if within is None else time.monotonic() + within
    held: list[list[Event]] = []
    while not stats.ended:
        if give_up is not None and time.monotonic() >= give_up:
            return False
        if cancel_if is not None and not source.cancelled and cancel_if():
            source.cancel()
        batch = source.drain(poll)
        if not live and not source.ended:
            held.append(batch)
            continue
        for earlier in held:
            stats.apply(earlier)
        held.clear()
        stats.apply(batch)
        if on_batch is not None:
            on_batch(batch)
    return True


class Sources(Protocol):
    """Where a front end's runs live: opens one source per run."""

    def open(self, targets: Sequence[Target], config: RunConfig) -> RunSource:
        """A source for one run of `targets`; call its start() to begin."""
        ...

    def warm(self, python: str | None = None) -> None:
        """Get ready for a first run on `python` (None: this one): a fetch process imports meanwhile."""
        ...

    def close(self) -> None:
        """Let go of everything: runs still going are cut off; never waits on the network."""
        ...
