"""The one fold of a run: request rows into numpy columns and live counters, control events into the parts."""

from __future__ import annotations

import errno
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from fetchtui.core.input.targets import Target
from fetchtui.core.report.summary import Connections, Latency, UrlFigures
from fetchtui.core.runs.events import (
    OUTCOMES,
    PHASE_NAMES,
    Event,
    Outcome,
    PoolResized,
    RequestFinished,
    RequestRows,
    RequestStarted,
    RunEnded,
    RunPaused,
    RunStarted,
    ThreadInfo,
    WorkerRetired,
    cancelled_rows,
)
from fetchtui.core.runs.interpreter import PythonInfo
from fetchtui.core.stats.by_url import UrlRows
from fetchtui.core.stats.limit import Floors
from fetchtui.core.stats.pace import Pace
from fetchtui.core.stats.steering import Steering
from fetchtui.core.stats.workers import Workers, WorkerStats

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from fetchtui.core.report.checks import Check
    from fetchtui.core.stats.batch import Ends, Starts
    from fetchtui.core.stats.columns import Columns
    from fetchtui.core.stats.hist import LiveCounts

MAX_REASONS = 8
OUT_OF_FDS = os.strerror(errno.EMFILE)  # `Too many open files` (ENFILE's says it too)
_OK, _CANCELLED = OUTCOMES.index(Outcome.OK), OUTCOMES.index(Outcome.CANCELLED)


class Outcomes:
    """ok + failed + cancelled, and what the ones that ran answered."""

    def __init__(self) -> None:
        self.ok = self.failed = self.cancelled = self.started = self.in_flight = 0
        self.status_counts: Counter[int] = Counter()
        self.error_counts: Counter[str] = Counter()
        self.http_versions: Counter[str] = Counter()
        self.latencies: LiveCounts | None = None  # made with the columns
        #: why requests were cancelled (a cancel, a dead worker process, a client that could
        #: not be set up), a few distinct reasons at most: what a summary says beside the count
        self.cancel_reasons: Counter[str] = Counter()
        #: failed for want of a file descriptor (EMFILE, ENFILE): what a summary says once
        self.out_of_fds = 0

    @property
    def done(self) -> int:
        return self.ok + self.failed + self.cancelled

    def cancelled_because(self, reason: str, count: int) -> None:
        if reason in self.cancel_reasons or len(self.cancel_reasons) < MAX_REASONS:
            self.cancel_reasons[reason] += count


class PhaseStats:
    """Each phase's live counts, and connections opened against reused."""

    def __init__(self) -> None:
        self.live: list[LiveCounts] = []  # a phase each, in PHASE_NAMES' order (made with the columns)
        self.columns: Columns | None = None
        self.opened = self.reused = 0
        self._setup_ns = 0  # DNS + connect + TLS of the requests that opened a connection

    def setup_ms(self) -> float | None:
        """Mean DNS + connect + TLS of the requests that opened a connection (ms): what each
        request that reused one did not wait for."""
        return self._setup_ns / self.opened / 1e6 if self.opened else None

    def latency_ms(self, final: bool) -> dict[str, Latency]:
        """p50/p90/p99/max of each phase, over the requests that had it (ms)."""
        if not self.live or self.columns is None:
            return {name: Latency(0.0, 0.0, 0.0, 0.0) for name in PHASE_NAMES}
        if not final:
            return {name: live.latency() for name, live in zip(PHASE_NAMES, self.live, strict=True)}
        from fetchtui.core.stats.figures import phase_latency

        return {name: phase_latency(self.columns, k) if live.count else Latency(0.0, 0.0, 0.0, 0.0)
                for k, (name, live) in enumerate(zip(PHASE_NAMES, self.live, strict=True))}

    def connections(self) -> Connections:
        return Connections(self.opened, self.reused)


class Counted:
    """What a fold counted, read from its outcomes and workers (RunFold's read side)."""

    outcomes: Outcomes
    workers_: Workers

    @property
    def threads(self) -> dict[int, WorkerStats]:
        """The workers by number, in order of appearance (threads, or asyncio's tasks)."""
        return self.workers_.by_number

    @property
    def ok(self) -> int:
        return self.outcomes.ok

    @property
    def failed(self) -> int:
        return self.outcomes.failed

    @property
    def cancelled(self) -> int:
        return self.outcomes.cancelled

    @property
    def in_flight(self) -> int:
        return self.outcomes.in_flight

    @property
    def done(self) -> int:
        return self.outcomes.done

    @property
    def status_counts(self) -> Counter[int]:
        return self.outcomes.status_counts

    @property
    def error_counts(self) -> Counter[str]:
        return self.outcomes.error_counts


class RunFold(Counted):
    """The one fold of a run's events: requests, as rows, into the columns and the live
    counters; control events into the parts. Nothing after a RunEnded counts."""

    def __init__(self, targets: Sequence[Target], checks: Sequence[Check] = ()) -> None:
        self.targets = targets
        self.checks = tuple(checks)  # --check: judged in an ended run's summary
        self.outcomes = Outcomes()
        self.workers_ = Workers()
        self.phases = PhaseStats()
        self.pace = Pace()
        self.steering = Steering()
        self.url_rows = UrlRows(targets)
        self.floors = Floors(self.url_rows)
        self._columns: Columns | None = None
        self._by_url: list[UrlFigures] | None = None  # an ended run's, made once
        self._sampled: tuple[tuple[float, float], ...] | None = None  # likewise
        self._latency: Latency | None = None  # likewise
        self._latency_ns = 0  # the sum over requests that ran
        self.total = len(targets)  # an open run's: the requests made so far
        self.open = False  # the count is open until the run's duration ends
        self.processes = 1  # worker processes the run was given
        self.python: PythonInfo | None = None  # the interpreter that ran it, as it said
        self._parallel: float | None = None  # cores its clients could spend at once, as it said
        self.workers = 0  # the concurrency the run was started with
        self.t0_ns: int | None = None
        self.end_ns: int | None = None
        self.ended = False
        self.interrupted = False  # the run was cancelled or lost, not run to its end
        # numpy is imported here, as a run is about to start, not at its first fold: by then
        # its requests may hold every file descriptor the import needs (`ulimit -n 16`)
        self.columns  # noqa: B018

    @property
    def columns(self) -> Columns:
        """The run's requests by id (made, numpy imported, with the stats)."""
        if self._columns is None:
            from fetchtui.core.stats.batch import Codes
            from fetchtui.core.stats.columns import Columns
            from fetchtui.core.stats.hist import LiveCounts

            self._columns = Columns(self.targets, Codes(), self._info_of)
            self._columns.reserve(self.total)
            self.outcomes.latencies = LiveCounts()
            self.phases.live = [LiveCounts() for _ in PHASE_NAMES]
            self.pace.lag, self.pace.from_due = LiveCounts(), LiveCounts()
            self.pace.columns = self.phases.columns = self.workers_.columns = self._columns
        return self._columns

    def _info_of(self, number: int) -> ThreadInfo:
        return self.workers_.by_number[number].info

    # -- folding -------------------------------------------------------------------
    def apply(self, events: Iterable[Event]) -> None:
        """Fold a batch of events (in queue order): requests come as rows, nothing else."""
        for event in events:
            if self.ended:
                return
            if isinstance(event, RequestRows):
                from fetchtui.core.stats.batch import from_rows

                self._fold(*from_rows(event, self.columns.codes))
            elif isinstance(event, RunStarted):
                self._run_started(event)
            elif isinstance(event, RunEnded):
                self._ended(event)
            elif isinstance(event, PoolResized):
                self.steering.resized(event)
            elif isinstance(event, WorkerRetired):
                self.workers_.retired(event.thread, event.t_ns)
            elif isinstance(event, RunPaused):
                self.steering.paused_or_resumed(event)
            elif isinstance(event, (RequestStarted, RequestFinished)):
                # only a field no int64 holds crosses a pipe as an event (packing.py): no
                # column could hold it either
                raise TypeError(f"a request reaches the fold as rows, not as {type(event).__name__}")

    def _run_started(self, event: RunStarted) -> None:
        self.t0_ns, self.workers, self.processes = event.t_ns, event.workers, event.processes
        self.python, self._parallel = event.python, event.parallel
        self.pace.run_started(event)
        self.steering.run_started(event)
        self.open = event.total is None
        self.total = event.total if event.total is not None else 0
        if self._columns is not None:
            self._columns.reserve(self.total)

    def _fold(self, starts: Starts | None, ends: Ends | None) -> None:
        """A batch's rows, a column at a time: every start, then every end. The figures come
        out as folding them one by one in order would: an end reads only what its own start
        wrote, a worker runs one request at a time, and no figure depends on the order of
        two requests' ends but a worker's list and the latest latencies, which keep it."""
        if starts is not None and len(starts.req_id):
            self._started(starts)
        if ends is not None and len(ends):
            self._finished(ends)

    def _started(self, starts: Starts) -> None:
        import numpy as np

        from fetchtui.core.stats.batch import NONE

        index = starts.thread
        table = self.workers_.numbered(starts.infos) or \
            self.workers_.numbers(starts.infos, np.flatnonzero(np.bincount(index)).tolist())
        numbers = np.asarray(table, np.int64)[index]
        self.columns.started(starts, numbers)
        self.workers_.began(starts.infos, index, numbers, starts.req_id, starts.t_ns)
        if self.open:
            self.total = max(self.total, int(starts.req_id.max()) + 1)
        self.outcomes.started += len(numbers)
        self.outcomes.in_flight += len(numbers)
        due = starts.due
        if due.max() != NONE:
            scheduled = due != NONE
            lags = np.maximum(starts.t_ns[scheduled] - due[scheduled], 0)
            self.pace.last_lag_ns = int(lags[-1])
            assert self.pace.lag is not None
            self.pace.lag.add(lags)

    def _finished(self, ends: Ends) -> None:
        import numpy as np

        from fetchtui.core.stats.batch import NONE

        cols, outcomes, ids = self.columns, self.outcomes, ends.req_id
        cols.ended(ends)
        starts, code = cols.start[ids], ends.outcome
        n_ok, n_failed, n_cancelled = np.bincount(code, minlength=3).tolist()
        every_ran = starts.min() != NONE
        ran = None if every_ran else starts != NONE
        outcomes.in_flight -= len(ids) if ran is None else int(np.count_nonzero(ran))
        outcomes.ok += n_ok
        outcomes.failed += n_failed
        if n_cancelled:
            outcomes.cancelled += n_cancelled
            for row in np.flatnonzero(code == _CANCELLED).tolist():
                outcomes.cancelled_because(ends.errors.get(row) or "cancelled", 1)
        for row, text in ends.errors.items():
            if code[row] != _OK and code[row] != _CANCELLED and OUT_OF_FDS in text:
                outcomes.out_of_fds += 1
        self._count(ends)
        if ran is None and not n_cancelled:  # the usual batch: every end is of a request that ran
            self._timed(ids, ends.t_ns, starts, cols.due[ids])
            return
        timed = (code != _CANCELLED) if ran is None else ran & (code != _CANCELLED)
        if timed.any():
            self._timed(ids[timed], ends.t_ns[timed], starts[timed], cols.due[ids[timed]])

    def _timed(self, ids: NDArray[np.int64], t_ns: NDArray[np.int64], starts: NDArray[np.int64],
               dues: NDArray[np.int64]) -> None:
        """What the ends of requests that ran, not cancelled, count in."""
        from fetchtui.core.stats.batch import NONE

        took = t_ns - starts
        assert self.outcomes.latencies is not None and self.pace.from_due is not None
        self.outcomes.latencies.add(took)
        if dues.max() != NONE:
            scheduled = dues != NONE
            self.pace.from_due.add(t_ns[scheduled] - dues[scheduled])
        self.steering.finished(starts, took)
        self.floors.add(ids, took)
        self._latency_ns += int(took.sum())

    def _count(self, ends: Ends) -> None:
        """The ends' statuses, versions, error kinds and phases."""
        import numpy as np

        from fetchtui.core.stats.batch import NONE

        codes, outcomes = self.columns.codes, self.outcomes
        versions = np.bincount(ends.version)
        for at in np.flatnonzero(versions).tolist():
            if codes.versions[at] is not None:
                outcomes.http_versions[codes.versions[at]] += int(versions[at])
        if ends.kind.max() >= 0:
            kinds = np.bincount(ends.kind[ends.kind >= 0])
            for at in np.flatnonzero(kinds).tolist():
                outcomes.error_counts[codes.kinds[at]] += int(kinds[at])
        status = ends.status if ends.status.min() >= 0 else ends.status[ends.status >= 0]
        if len(status) and status.max() < 1024:  # HTTP's: counted in C, by value
            statuses = np.bincount(status)
            for value in np.flatnonzero(statuses).tolist():
                outcomes.status_counts[value] += int(statuses[value])
        elif len(status):  # np.unique would import numpy.ma: a run may have no descriptor left for it
            outcomes.status_counts.update(Counter(status.tolist()))
        phases = self.phases
        for live, column in zip(phases.live, ends.phases[:5], strict=True):
            live.add(column)
        phases.reused += int(np.count_nonzero(ends.reused == 1))
        opened = ends.reused == 0
        if opened.any():
            phases.opened += int(np.count_nonzero(opened))
            setup = ends.phases[:3, opened]
            phases._setup_ns += int(np.where(setup == NONE, 0, setup).sum())

    def _ended(self, event: RunEnded) -> None:
        """Close the run out: whatever has not finished is cancelled, in flight or never begun."""
        if event.total is not None:
            self.total = event.total
        self.open, self.pace.timed_end = False, event.timed
        cut = [(worker.current, worker.info) for worker in self.workers_.by_number.values()
               if worker.current is not None]
        if cut:
            from fetchtui.core.stats.batch import from_rows

            self._fold(*from_rows(cancelled_rows(cut, event.t_ns, event.error_for(started=True)),
                                  self.columns.codes))
        left = self.total - self.outcomes.done
        if left:
            self.columns.closed_by = event
            self.outcomes.cancelled += left  # counted in bulk; a view tells each one apart when asked
            self.outcomes.cancelled_because(event.error_for(started=False), left)
        self.end_ns, self.ended, self.interrupted = event.t_ns, True, event.cancelled
