"""What is known of each request, by id, in columns: kept for those that started or ended,
read on demand for the rest."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from fetchtui.core.events import NONE_FIELD, ErrorKind, Outcome, PhaseFields, Phases, RunEnded, ThreadInfo
from fetchtui.core.targets import Target

#: A plan bigger than this grows its columns as requests start, instead of up front.
PREALLOCATE_UP_TO = 1_000_000
NONE = NONE_FIELD  # a cell with no value: a row's own, so the ends' columns take rows' cells as they are


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
        self.nbytes = array("q")
        self.place = array("q")  # its row in the ends' columns; -1: not ended
        # What only a view reads, in the order the ends came: written a batch at a time by
        # extending each column in C, where a cell by id is a store a request in Python
        # (and a tuple of phases a request was the fold's largest allocation).
        self.ends = _Ends()
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
        self.nbytes.frombytes(bytes(8 * more))
        self.place.extend(array("q", [-1]) * more)
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
        self.end[req_id], self.outcome[req_id], self.nbytes[req_id] = t_ns, outcome, nbytes
        self.place[req_id] = self.ends.add(status, cpu_ns, phases, version)
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
                   phase_columns: Sequence[Sequence[int]], reused: Sequence[int],
                   versions: Sequence[str | None]) -> tuple[list[int], list[int], list[int]]:
        """Rows' ends, a column a field (`statuses` -1 where none; the phases as FINISHED_ROW
        has them, `reused` NO_PHASES where a row has none); answers the (worker number,
        start, due) columns of the same requests."""
        top = max(req_ids)
        if top >= self.size:
            self._grow(max(top + 1, self.size * 2))
        end, outcome, sizes, place = self.end, self.outcome, self.nbytes, self.place
        first = self.ends.add_rows(statuses, cpu_ns, phase_columns, reused, versions)
        for req_id, t, out, size, row in zip(req_ids, t_ns, outcomes, nbytes,
                                             range(first, first + len(req_ids)), strict=True):
            end[req_id] = t
            outcome[req_id] = out
            sizes[req_id] = size
            place[req_id] = row
        return (list(map(self.worker.__getitem__, req_ids)), list(map(self.start.__getitem__, req_ids)),
                list(map(self.due.__getitem__, req_ids)))

    def cpu_ns(self, req_id: int) -> int:
        """The CPU time an ended request's worker spent on it (0: not ended)."""
        row = self.place[req_id] if req_id < self.size else -1
        return self.ends.cpu[row] if row >= 0 else 0

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
        status, cpu, phases, version = self.ends.read(self.place[req_id])
        kind, error = self.errors.get(req_id, (None, None))
        return RequestRecord(
            req_id, self.targets, self._info_of(worker) if worker >= 0 else None,
            None if start == NONE else start, None if end == NONE else end,
            self.outcome[req_id], status, self.nbytes[req_id], kind, error, cpu, phases,
            version, None if due == NONE else due)

    def fields(self, count: int) -> Iterator[RecordFields | None]:
        """What view() reads of each id below `count`, in order, with no record made (an
        export of a million requests reads them this way); None for one never reported."""
        errors, read, nothing = self.errors, self.ends.read, (None, None)
        columns = zip(range(min(count, self.size)), self.worker, self.start, self.due, self.end,
                      self.outcome, self.nbytes, self.place, strict=False)  # the ids end it
        for req_id, worker, start, due, end, outcome, nbytes, row in columns:
            if start == NONE and outcome is None:
                yield None
                continue
            status, cpu, phases, version = read(row)
            kind, error = errors.get(req_id, nothing)
            yield (worker, None if start == NONE else start, None if end == NONE else end, outcome,
                   status, nbytes, kind, error, cpu, phases, version, None if due == NONE else due)
        for _ in range(self.size, count):
            yield None

    def ran(self) -> Iterator[tuple[int, Outcome, int, int]]:
        """(req_id, outcome, start, end) of every request that started and ended, in id order."""
        none = NONE
        for req_id, (outcome, start, end) in enumerate(zip(self.outcome, self.start, self.end, strict=True)):
            if outcome is not None and start != none:
                yield req_id, outcome, start, end


#: A reported request's fields, as Records.fields reads them: worker number (-1: none), start,
#: end, outcome, status, bytes, error kind, error, CPU ns, phases, HTTP version, due.
RecordFields = tuple[int, int | None, int | None, Outcome | None, int | None, int, ErrorKind | None,
                     str | None, int, PhaseFields | None, str | None, int | None]
NO_PHASES = -2  # an end's `reused` cell when it recorded no phases at all
_REUSED: tuple[bool | None, ...] = (False, True, None)  # by a `reused` cell: 0, 1, -1


class _Ends:
    """What the ends said that only a view reads, a row an end in the order they came."""

    def __init__(self) -> None:
        self.status = array("q")  # -1: none
        self.cpu = array("q")
        self.versions: list[str | None] = []
        self.phases = [array("q") for _ in range(6)]  # dns .. conn_id, NONE where it had none
        self.reused = array("b")  # 1, 0, -1 (not known), NO_PHASES

    def add(self, status: int | None, cpu_ns: int, phases: PhaseFields | None, version: str | None) -> int:
        """One end's row; answers its place."""
        row = len(self.cpu)
        self.status.append(-1 if status is None else status)
        self.cpu.append(cpu_ns)
        self.versions.append(version)
        if phases is None:
            for column in self.phases:
                column.append(NONE)
            self.reused.append(NO_PHASES)
        else:
            for column, value in zip(self.phases, phases[:6], strict=True):
                column.append(NONE if value is None else value)
            self.reused.append(-1 if phases[6] is None else int(phases[6]))
        return row

    def add_rows(self, statuses: Sequence[int], cpu_ns: Sequence[int], phase_columns: Sequence[Sequence[int]],
                 reused: Sequence[int], versions: Sequence[str | None]) -> int:
        """Rows of ends, a column a field; answers the first one's place."""
        first = len(self.cpu)
        self.status.extend(statuses)
        self.cpu.extend(cpu_ns)
        self.versions.extend(versions)
        for column, values in zip(self.phases, phase_columns, strict=True):
            column.extend(values)
        self.reused.extend(reused)
        return first

    def read(self, row: int) -> tuple[int | None, int, PhaseFields | None, str | None]:
        """(status, CPU, phases, version) of the end in `row` (-1: it has not ended)."""
        if row < 0:
            return None, 0, None, None
        status, reused = self.status[row], self.reused[row]
        phases: PhaseFields | None = None
        if reused != NO_PHASES:
            dns, connect, tls, wait, receive, conn = (None if column[row] == NONE else column[row]
                                                      for column in self.phases)
            phases = (dns, connect, tls, wait, receive, conn, _REUSED[reused])
        return None if status < 0 else status, self.cpu[row], phases, self.versions[row]


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
