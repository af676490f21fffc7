"""Every request of a run by id, a numpy column a field (grown by doubling), and the order of the ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import cast

import numpy as np
from numpy.typing import NDArray

from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import OUTCOMES, ErrorKind, Outcome, PhaseFields, RunEnded, ThreadInfo
from fetchtui.core.stats.batch import NO_PHASES, NONE, Codes, Ends, Starts
from fetchtui.core.stats.record import RecordFields, RequestRecord

Ints = NDArray[np.int64]
#: A plan bigger than this grows its columns as requests start, instead of up front.
PREALLOCATE_UP_TO = 1_000_000
NOT_ENDED = -1  # an `outcome` cell
CANCELLED = OUTCOMES.index(Outcome.CANCELLED)
_REUSED: tuple[bool | None, ...] = (False, True, None)  # by a `reused` cell: 0, 1, -1
_READ = 65_536  # ids a read of every request takes from the columns at once
_CHUNK = 65_536  # ids whose cells are filled at once, when the first of them is reached


class Columns:
    """The run's requests by id: no object a request, so nothing the cyclic collector walks.
    A request nobody reported has no cells: after a close-out it is one the close-out
    cancelled, and view() says so."""

    _FILLS = {"worker": -1, "start": NONE, "due": NONE, "end": NONE, "outcome": NOT_ENDED, "status": -1,
              "nbytes": 0, "cpu": 0, "version": 0, "reused": NO_PHASES, "kind": -1}

    def __init__(self, targets: Sequence[Target], codes: Codes, info_of: Callable[[int], ThreadInfo]) -> None:
        self.targets = targets
        self.codes = codes
        self._info_of = info_of  # a worker's number -> its ThreadInfo
        self.closed_by: RunEnded | None = None  # the close-out that cancelled what was left
        self.size = 0  # ids with cells (filled): every column's length
        self.room = 0  # ids allocated (as the records count them): `size` grows into it, chunk by chunk
        self._rooms: dict[str, NDArray[np.generic]] = {}  # the allocation behind each column
        self.worker = np.zeros(0, np.int32)
        self.start, self.due, self.end = (np.zeros(0, np.int64) for _ in range(3))
        self.outcome = np.zeros(0, np.int8)
        self.status, self.nbytes, self.cpu = (np.zeros(0, np.int64) for _ in range(3))
        self.version = np.zeros(0, np.int8)
        self.phases = np.zeros((6, 0), np.int64)
        self._phases_room = self.phases
        self.reused = np.zeros(0, np.int8)
        self.kind = np.zeros(0, np.int8)
        self.errors: dict[int, str] = {}  # an error's text by id: the few that have one
        self._order = np.zeros(0, np.int64)  # the ids as their ends came
        self.ends = 0

    def reserve(self, count: int) -> None:
        if self.room < count <= PREALLOCATE_UP_TO:
            self._allocate(count)

    def _allocate(self, room: int) -> None:
        """Room for `room` ids, left unwritten past the filled ones: a large array is mmap'd,
        so a page no id has reached costs no memory (a run cancelled early holds only its
        chunks, not a million ids' fill values)."""
        for name in self._FILLS:
            old = getattr(self, name)
            new = np.empty(room, old.dtype)
            new[:self.size] = old
            self._rooms[name] = new
            setattr(self, name, new[:self.size])
        phases = np.empty((6, room), np.int64)
        phases[:, :self.size] = self.phases
        self._phases_room, self.phases = phases, phases[:, :self.size]
        self.room = room

    def _fit(self, top: int) -> None:
        """Cells for every id up to `top`, their fill values written a chunk at a time: the
        columns (views of the rooms) stop at the last filled id, so no read sees an unwritten cell."""
        if top < self.size:
            return
        if top >= self.room:
            self._allocate(max(top + 1, self.room * 2))
        size = min(self.room, -(-(top + 1) // _CHUNK) * _CHUNK)
        for name, fill in self._FILLS.items():
            room = self._rooms[name]
            room[self.size:size] = fill
            setattr(self, name, room[:size])
        phases = self._phases_room
        phases[:, self.size:size] = NONE
        self.phases, self.size = phases[:, :size], size

    # -- the fold writes ------------------------------------------------------------------
    @staticmethod
    def _cells(ids: Ints) -> Ints | slice:
        """Where a batch's rows go: a slice when its ids run one after another (a batch of
        starts, as ids are dispensed in order, or ends that came in order), which numpy
        copies at memory speed; else the ids, scattered."""
        lo, n = int(ids[0]), len(ids)
        if int(ids[-1]) - lo + 1 == n and (n < 3 or bool(np.all(ids[1:] - ids[:-1] == 1))):
            return slice(lo, lo + n)
        return ids

    def started(self, starts: Starts, numbers: Ints) -> None:
        ids = starts.req_id
        self._fit(int(ids.max()))
        at = self._cells(ids)
        self.worker[at], self.start[at] = numbers, starts.t_ns
        due = starts.due
        if due.max() != NONE:
            scheduled = due != NONE
            self.due[ids[scheduled]] = due[scheduled]

    def ended(self, ends: Ends) -> None:
        ids = ends.req_id
        self._fit(int(ids.max()))
        at = self._cells(ids)
        self.end[at], self.outcome[at], self.status[at] = ends.t_ns, ends.outcome, ends.status
        self.nbytes[at], self.cpu[at], self.version[at] = ends.nbytes, ends.cpu, ends.version
        self.reused[at] = ends.reused
        phases = self.phases
        for k in range(6):  # a row at a time: numpy scatters one 2-D row and column pick slowly
            phases[k][at] = ends.phases[k]
        if ends.errors or ends.kind.max() >= 0:  # a row has none: its cells are the fill's
            self.kind[at] = ends.kind
        for row, text in ends.errors.items():
            self.errors[int(ids[row])] = text
        order, count = self._order, self.ends + len(ids)
        if count > len(order):
            self._order = np.zeros(max(count, 2 * len(order), 1024), np.int64)
            self._order[:self.ends] = order[:self.ends]
        self._order[self.ends:count] = ids
        self.ends = count

    # -- reading --------------------------------------------------------------------------
    @property
    def order(self) -> Ints:
        """The ids of the ends, in the order they came."""
        return self._order[:self.ends]

    def target(self, req_id: int) -> Target:
        """The list line request `req_id` fetches (a duration repeats the list)."""
        return self.targets[req_id % len(self.targets)]

    def kept(self, req_id: int) -> bool:
        """Whether the request was reported (it started or ended)."""
        return req_id < self.size and bool(self.start[req_id] != NONE or self.outcome[req_id] != NOT_ENDED)

    def start_of(self, req_id: int) -> int | None:
        t = int(self.start[req_id]) if req_id < self.size else NONE
        return None if t == NONE else t

    def span(self, req_id: int) -> tuple[int | None, int | None, Outcome | None]:
        """(start, end, outcome) of a reported request: what a timeline's bar needs."""
        if req_id >= self.size:
            return None, None, None
        start, end, outcome = int(self.start[req_id]), int(self.end[req_id]), int(self.outcome[req_id])
        return (None if start == NONE else start, None if end == NONE else end,
                None if outcome == NOT_ENDED else OUTCOMES[outcome])

    def ran_mask(self) -> NDArray[np.bool_]:
        """Requests that started and ended."""
        ran: NDArray[np.bool_] = (self.outcome != NOT_ENDED) & (self.start != NONE)
        return ran

    def timed_mask(self) -> NDArray[np.bool_]:
        """Requests that started and ended, not cancelled: what latencies count."""
        outcome = self.outcome
        timed: NDArray[np.bool_] = (outcome != NOT_ENDED) & (outcome != CANCELLED) & (self.start != NONE)
        return timed

    def ran(self) -> Iterator[tuple[int, Outcome, int, int]]:
        """(req_id, outcome, start, end) of every request that started and ended, in id order."""
        ids = np.flatnonzero(self.ran_mask())
        outcomes = [OUTCOMES[code] for code in self.outcome[ids].tolist()]
        return zip(ids.tolist(), outcomes, self.start[ids].tolist(), self.end[ids].tolist(), strict=True)

    def view(self, req_id: int) -> RequestRecord:
        """Request `req_id` as it stands (a never-started one after a close-out: cancelled)."""
        if not self.kept(req_id):
            rec = RequestRecord(req_id, self.targets)
            if self.closed_by is not None:
                rec.end_ns, rec.outcome = self.closed_by.t_ns, Outcome.CANCELLED
                rec.error = self.closed_by.error_for(started=False)
            return rec
        fields = next(self._fields(req_id, req_id + 1))
        assert fields is not None
        worker = fields[0]
        thread = self._info_of(worker) if worker >= 0 else None
        return RequestRecord(req_id, self.targets, thread, *fields[1:])

    def fields(self, count: int) -> Iterator[RecordFields | None]:
        """What view() reads of each id below `count`, in order, with no record made (an
        export of a million requests reads them this way); None for one never reported."""
        for begin in range(0, min(count, self.size), _READ):
            yield from self._fields(begin, min(count, self.size, begin + _READ))
        for _ in range(self.size, count):
            yield None

    def _fields(self, begin: int, stop: int) -> Iterator[RecordFields | None]:
        cut = slice(begin, stop)
        versions, kinds, errors, none = self.codes.versions, self.codes.kinds, self.errors, NONE
        phases = self.phases[:, cut].T.tolist()
        columns = (self.worker[cut].tolist(), self.start[cut].tolist(), self.end[cut].tolist(),
                   self.outcome[cut].tolist(), self.status[cut].tolist(), self.nbytes[cut].tolist(),
                   self.kind[cut].tolist(), self.cpu[cut].tolist(), phases, self.reused[cut].tolist(),
                   self.version[cut].tolist(), self.due[cut].tolist())
        for req_id, (worker, start, end, outcome, status, nbytes, kind, cpu, phase, reused, version,
                     due) in enumerate(zip(*columns, strict=True), begin):
            if start == none and outcome == NOT_ENDED:
                yield None
                continue
            if outcome == NOT_ENDED:
                yield (worker, start, None, None, None, nbytes, None, errors.get(req_id), 0, None, None,
                       None if due == none else due)
                continue
            fields: PhaseFields | None = None
            if reused != NO_PHASES:
                dns, connect, tls, wait, receive, conn = (None if v == none else v for v in phase)
                fields = (dns, connect, tls, wait, receive, conn, _REUSED[reused])
            yield (worker, None if start == none else start, None if end == none else end, OUTCOMES[outcome],
                   None if status < 0 else status, nbytes,
                   cast("ErrorKind | None", None if kind < 0 else kinds[kind]),
                   errors.get(req_id), cpu, fields, versions[version], None if due == none else due)
