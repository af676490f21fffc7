"""What is known of each request, by id, in columns: kept for those that started or ended,
read on demand for the rest."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from fetchtui.core.events import ErrorKind, Outcome, PhaseFields, Phases, RunEnded, ThreadInfo
from fetchtui.core.targets import Target

#: A plan bigger than this grows its columns as requests start, instead of up front.
PREALLOCATE_UP_TO = 1_000_000
NONE = -(1 << 63)  # a cell of a time column with no value


@dataclass(slots=True)
class RequestRecord:
    """One request as it stands, read from the columns; `start_ns`/`end_ns` are perf_counter_ns stamps."""

    req_id: int
    listed: Sequence[Target] = field(repr=False, compare=False)  # the run's list: `url` reads its line
    thread: ThreadInfo | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    outcome: Outcome | None = None
    status: int | None = None
    nbytes: int = 0
    error_kind: ErrorKind | None = None
    error: str | None = None
    cpu_ns: int = 0
    phase_fields: PhaseFields | None = None  # its Phases' fields: a row's are a tuple, no Phases made
    http_version: str | None = None
    due_ns: int | None = None  # its scheduled time, in a run with a rate

    @property
    def url(self) -> str:
        """The URL as shown (credentials masked). Read when shown, not made as the request
        starts: a list line is rebuilt from the compact list, ~2 us a request in the fold."""
        listed = self.listed
        return listed[self.req_id % len(listed)].display

    @property
    def phases(self) -> Phases | None:
        """Where its time went, made when read (a view, an export): not once a request in the fold."""
        fields = self.phase_fields
        return None if fields is None else Phases(*fields)

    @property
    def elapsed_ns(self) -> int | None:
        if self.start_ns is None or self.end_ns is None:
            return None
        return self.end_ns - self.start_ns


class Records:
    """Every request's fields by id, a column a field (arrays of numbers: no object a request,
    so nothing the cyclic collector walks; a record object a request made a million-request
    run's collections take 0.25 s each). A request nobody reported has no cells: after a
    close-out it is one the close-out cancelled, and view() says so (an export of a million
    cancelled requests reads them one at a time)."""

    def __init__(self, targets: Sequence[Target], info_of: Callable[[int], ThreadInfo]) -> None:
        self.targets = targets
        self._info_of = info_of  # a worker's number -> its ThreadInfo (the workers number them)
        self.closed_by: RunEnded | None = None  # the close-out that cancelled what was left
        self.size = 0  # the ids the columns hold
        self.worker = array("i")  # the number of the worker that started it; -1: never started
        self.start = array("q")
        self.due = array("q")
        self.end = array("q")
        self.outcome: list[Outcome | None] = []  # None: not ended
        self.status = array("i")  # -1: none
        self.nbytes = array("q")
        self.cpu = array("q")
        self.phases: list[PhaseFields | None] = []  # tuples of numbers: the collector soon stops walking them
        self.versions: list[str | None] = []
        self.errors: dict[int, tuple[ErrorKind | None, str | None]] = {}  # the few that have one

    def target(self, req_id: int) -> Target:
        """The list line request `req_id` fetches (a duration repeats the list)."""
        return self.targets[req_id % len(self.targets)]

    def reserve(self, count: int) -> None:
        if count > self.size and count <= PREALLOCATE_UP_TO:
            self._grow(count)

    def _grow(self, size: int) -> None:
        more = size - self.size
        self.worker.extend(array("i", [-1]) * more)
        for column in (self.start, self.due, self.end):
            column.extend(array("q", [NONE]) * more)
        self.outcome.extend([None] * more)
        self.status.extend(array("i", [-1]) * more)
        self.nbytes.frombytes(bytes(8 * more))
        self.cpu.frombytes(bytes(8 * more))
        self.phases.extend([None] * more)
        self.versions.extend([None] * more)
        self.size = size

    # -- the fold writes ------------------------------------------------------------------
    def started(self, req_id: int, worker: int, t_ns: int, due_ns: int | None) -> None:
        if req_id >= self.size:
            self._grow(max(req_id + 1, self.size * 2))
        self.worker[req_id], self.start[req_id] = worker, t_ns
        if due_ns is not None:
            self.due[req_id] = due_ns

    def ended(self, req_id: int, t_ns: int, outcome: Outcome, status: int | None, nbytes: int,
              cpu_ns: int, phases: PhaseFields | None, version: str | None) -> tuple[int, int, int]:
        """Write a request's end; answers its (worker number, start, due) cells."""
        if req_id >= self.size:
            self._grow(max(req_id + 1, self.size * 2))
        self.end[req_id], self.outcome[req_id] = t_ns, outcome
        self.nbytes[req_id], self.cpu[req_id] = nbytes, cpu_ns
        if status is not None:
            self.status[req_id] = status
        self.phases[req_id], self.versions[req_id] = phases, version
        return self.worker[req_id], self.start[req_id], self.due[req_id]

    def started_rows(self, req_ids: Sequence[int], workers: Sequence[int], t_ns: Sequence[int],
                     dues: Sequence[int]) -> None:
        """Rows' starts, a column a field (`dues` NONE where a start had none)."""
        top = max(req_ids)
        if top >= self.size:
            self._grow(max(top + 1, self.size * 2))
        worker, start = self.worker, self.start
        for req_id, number, t in zip(req_ids, workers, t_ns, strict=True):
            worker[req_id] = number
            start[req_id] = t
        if max(dues) != NONE:
            due = self.due
            for req_id, t in zip(req_ids, dues, strict=True):
                if t != NONE:
                    due[req_id] = t

    def ended_rows(self, req_ids: Sequence[int], t_ns: Sequence[int], outcomes: Sequence[Outcome],
                   statuses: Sequence[int], nbytes: Sequence[int], cpu_ns: Sequence[int],
                   phases: Sequence[PhaseFields | None], versions: Sequence[str | None],
                   ) -> tuple[list[int], list[int], list[int]]:
        """Rows' ends, a column a field (`statuses` -1 where none); answers the (worker
        number, start, due) columns of the same requests."""
        top = max(req_ids)
        if top >= self.size:
            self._grow(max(top + 1, self.size * 2))
        end, outcome, status, sizes, cpu = self.end, self.outcome, self.status, self.nbytes, self.cpu
        phases_, versions_ = self.phases, self.versions
        for req_id, t, out, code, size, spent, fields, version in zip(
                req_ids, t_ns, outcomes, statuses, nbytes, cpu_ns, phases, versions, strict=True):
            end[req_id] = t
            outcome[req_id] = out
            status[req_id] = code  # -1, as a cell with no status holds
            sizes[req_id] = size
            cpu[req_id] = spent
            phases_[req_id] = fields
            versions_[req_id] = version
        return (list(map(self.worker.__getitem__, req_ids)), list(map(self.start.__getitem__, req_ids)),
                list(map(self.due.__getitem__, req_ids)))

    def failed_with(self, req_id: int, kind: ErrorKind | None, error: str | None) -> None:
        self.errors[req_id] = (kind, error)

    # -- reading --------------------------------------------------------------------------
    def kept(self, req_id: int) -> bool:
        """Whether the request was reported (it started or ended)."""
        return req_id < self.size and (self.start[req_id] != NONE or self.outcome[req_id] is not None)

    def start_of(self, req_id: int) -> int | None:
        t = self.start[req_id] if req_id < self.size else NONE
        return None if t == NONE else t

    def span(self, req_id: int) -> tuple[int | None, int | None, Outcome | None]:
        """(start, end, outcome) of a reported request: what a timeline's bar needs."""
        if req_id >= self.size:
            return None, None, None
        start, end = self.start[req_id], self.end[req_id]
        return None if start == NONE else start, None if end == NONE else end, self.outcome[req_id]

    def view(self, req_id: int) -> RequestRecord:
        """Request `req_id` as it stands (a never-started one after a close-out: cancelled)."""
        if not self.kept(req_id):
            rec = RequestRecord(req_id, self.targets)
            if self.closed_by is not None:
                rec.end_ns, rec.outcome = self.closed_by.t_ns, Outcome.CANCELLED
                rec.error = self.closed_by.error_for(started=False)
            return rec
        worker, start, due, end = self.worker[req_id], self.start[req_id], self.due[req_id], self.end[req_id]
        status = self.status[req_id]
        kind, error = self.errors.get(req_id, (None, None))
        return RequestRecord(
            req_id, self.targets, self._info_of(worker) if worker >= 0 else None,
            None if start == NONE else start, None if end == NONE else end,
            self.outcome[req_id], None if status < 0 else status,
            self.nbytes[req_id], kind, error, self.cpu[req_id], self.phases[req_id],
            self.versions[req_id], None if due == NONE else due)

    def ran(self) -> Iterator[tuple[int, Outcome, int, int]]:
        """(req_id, outcome, start, end) of every request that started and ended, in id order."""
        none = NONE
        for req_id, (outcome, start, end) in enumerate(zip(self.outcome, self.start, self.end, strict=True)):
            if outcome is not None and start != none:
                yield req_id, outcome, start, end


class RecordsView(Sequence[RequestRecord | None]):
    """The records as a sequence by id: a reported request's view, None for the rest."""

    def __init__(self, records: Records) -> None:
        self._records = records

    def __len__(self) -> int:
        return self._records.size

    @overload
    def __getitem__(self, index: int) -> RequestRecord | None: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord | None]: ...

    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord | None] | None:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]  # negative from the end; IndexError past it
        return self._records.view(index) if self._records.kept(index) else None
