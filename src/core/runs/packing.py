"""Events in columns: how a batch crosses a pipe without pickling each event.

Pickling a frozen, slotted dataclass runs Python code per object (its __reduce__ and state),
about 3 us to dump and 4 us to load an event with its ThreadInfo and Phases: at 30,000
requests a second that is a core's third on each side of the pipe. A Packer writes the two
events every request makes, RequestStarted and RequestFinished, as fixed rows of struct
fields; a thread is a number into a table each side keeps (a new one crosses once); a text
(an error's, an odd version) is a number into the batch's side table; every other event, and
a request whose number fits no int64, crosses as itself. An Unpacker gives back the same
events, in the same order, the rows between two others as one RequestRows: the receiving
side folds them as rows, with no event made.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fetchtui.core.runs.events import (
    ERROR_KINDS,
    FINISHED,
    FINISHED_ROW,
    NONE_FIELD,
    OUTCOMES,
    STARTED,
    STARTED_ROW,
    VERSIONS,
    Event,
    Outcome,
    PhaseFields,
    RequestFinished,
    RequestRows,
    RequestStarted,
    RunEnded,
    ThreadInfo,
    renumber_texts,
    renumber_threads,
)

if TYPE_CHECKING:
    from fetchtui.core.fetching.result import Ending

_OUTCOME_CODE = {outcome: code for code, outcome in enumerate(OUTCOMES)}
_VERSION_CODE = {version: code for code, version in enumerate(VERSIONS)}
_KIND_CODE: dict[str, int] = {kind: code for code, kind in enumerate(ERROR_KINDS)}
OTHER = 2  # what each event of a batch is, in order: a row of STARTED, FINISHED, or this
_OTHER, _A_START = bytes([OTHER]), bytes([STARTED])
_OK, _FAILED = _OUTCOME_CODE[Outcome.OK], _OUTCOME_CODE[Outcome.FAILED]
_NO_PHASES = (NONE_FIELD, NONE_FIELD, NONE_FIELD, NONE_FIELD, NONE_FIELD, NONE_FIELD, -1)


@dataclass(frozen=True, slots=True)
class Packed:
    """One batch as it crosses: each event's kind in order, the rows, the threads first seen
    in it, the events that cross as themselves, and the texts its rows point to."""

    run_id: int
    kinds: bytes
    started: bytes
    finished: bytes
    threads: tuple[ThreadInfo, ...]
    others: tuple[Event, ...]
    texts: tuple[str, ...] = ()

    @property
    def ends_run(self) -> bool:
        """Its last event is the run's RunEnded: nothing of the run follows it."""
        return bool(self.kinds) and self.kinds[-1] == OTHER and isinstance(self.others[-1], RunEnded)


def _n(value: int | None) -> int:
    return NONE_FIELD if value is None else value


class Packer:
    """The sending side of one stream of batches (a run's, or a worker process's).

    A batch is written as its events come (add), or a request's start and end straight from
    their fields (started, finished: no event object is made for them), and take() hands the
    batch written so far on. pack() is both at once. Not locked: one writer at a time (a
    ledger writes into its own under its lock).
    """

    def __init__(self) -> None:
        self._threads: dict[int, tuple[ThreadInfo, int]] = {}  # id(info) -> (info, its number)
        self._clear()

    def _clear(self) -> None:
        self._kinds, self._started, self._finished = bytearray(), bytearray(), bytearray()
        self._new: list[ThreadInfo] = []
        self._others: list[Event] = []
        self._texts: dict[str, int] = {}  # a text -> its field (-2 - its index in the side table)

    def _text(self, text: str) -> int:
        code = self._texts.get(text)
        if code is None:
            code = self._texts[text] = -2 - len(self._texts)
        return code

    def _thread(self, info: ThreadInfo | None) -> int:
        if info is None:
            return -1
        # by identity: a ThreadInfo's hash is Python over its five fields, asked twice a
        # request, and a source hands the same object for a thread every time
        known = self._threads.get(id(info))
        if known is None:
            known = self._threads[id(info)] = (info, len(self._threads))  # held: its id stays its
            self._new.append(info)
        return known[1]

    def pack(self, run_id: int, events: Sequence[Event]) -> Packed:
        """`events` as one batch."""
        self.add(events)
        return self.take(run_id)

    def take(self, run_id: int) -> Packed:
        """The batch written since the last take (it may be empty)."""
        packed = Packed(run_id, bytes(self._kinds), bytes(self._started), bytes(self._finished),
                        tuple(self._new), tuple(self._others), tuple(self._texts))
        self._clear()
        return packed

    @property
    def empty(self) -> bool:
        return not self._kinds

    def add(self, events: Sequence[Event]) -> None:
        """Write `events` into the batch, in order."""
        for event in events:
            if isinstance(event, RequestRows):  # a worker process's rows, on into a fetch process's
                self._add_rows(event)
                continue
            try:
                if isinstance(event, RequestStarted) and self.started(event.req_id, event.t_ns, event.thread,
                                                                      event.due_ns):
                    continue
                if isinstance(event, RequestFinished):
                    kind, error = event.error_kind, event.error
                    self._finished_row(event.req_id, event.t_ns, event.thread, _OUTCOME_CODE[event.outcome],
                                       -1 if event.status is None else event.status, event.nbytes,
                                       event.cpu_ns, self._version(event.http_version),
                                       None if event.phases is None else event.phases.fields,
                                       self._kind(kind),
                                       -1 if error is None else self._text(error))
                    continue
            except (struct.error, TypeError):  # a value no row holds (a huge number): as itself
                pass
            self._others.append(event)
            self._kinds.append(OTHER)

    def _add_rows(self, rows: RequestRows) -> None:
        """Another stream's rows, as rows: only their thread numbers change to this stream's."""
        mine = [self._thread(info) for info in rows.threads]  # each has crossed that stream
        self._started += renumber_threads(STARTED_ROW, rows.started, mine)
        finished = renumber_threads(FINISHED_ROW, rows.finished, mine)
        if rows.texts:
            finished = renumber_texts(finished, [self._text(text) for text in rows.texts])
        self._finished += finished
        self._kinds += rows.kinds

    def started(self, req_id: int, t_ns: int, thread: ThreadInfo, due_ns: int | None) -> bool:
        """What RequestStarted(req_id, t_ns, thread, due_ns) says, as a row; False if a field
        fits no row (a huge number): then the caller sends the event itself."""
        try:
            row = STARTED_ROW.pack(req_id, t_ns, self._thread(thread), _n(due_ns))
        except struct.error:
            return False
        self._started += row
        self._kinds.append(STARTED)
        return True

    def finished(self, req_id: int, t_ns: int, thread: ThreadInfo, cpu_ns: int, ending: Ending) -> bool:
        """How a request that ran ended (`result.ending`'s fields), as a row, its texts in the
        batch's side table; False if a field fits no row (a huge number): then the caller sends
        the event itself."""
        status, nbytes, kind, error, phases, http_version = ending
        try:
            self._finished_row(req_id, t_ns, thread, _OK if kind is None else _FAILED,
                               -1 if status is None else status, nbytes, cpu_ns, self._version(http_version),
                               phases, self._kind(kind), -1 if error is None else self._text(error))
        except struct.error:
            return False
        return True

    def _kind(self, text: str | None) -> int:
        if text is None:
            return -1
        code = _KIND_CODE.get(text)
        return self._text(text) if code is None else code

    def _version(self, text: str | None) -> int:
        code = _VERSION_CODE.get(text)
        return self._text(str(text)) if code is None else code

    def _finished_row(self, req_id: int, t_ns: int, thread: ThreadInfo | None, outcome: int, status: int,
                      nbytes: int, cpu_ns: int, version: int, phases: PhaseFields | None, kind: int = -1,
                      error: int = -1) -> None:
        number = self._thread(thread)
        none = NONE_FIELD
        if phases is None:
            row = FINISHED_ROW.pack(req_id, t_ns, number, outcome, status, nbytes, cpu_ns, version, 0,
                                    *_NO_PHASES, kind, error)
        else:  # spelled out, not through _n() and a head tuple: this runs once a request
            dns, connect, tls, wait, receive, conn_id, reused = phases
            row = FINISHED_ROW.pack(req_id, t_ns, number, outcome, status, nbytes, cpu_ns, version, 1,
                                    none if dns is None else dns, none if connect is None else connect,
                                    none if tls is None else tls, none if wait is None else wait,
                                    none if receive is None else receive,
                                    none if conn_id is None else conn_id,
                                    -1 if reused is None else int(reused), kind, error)
        self._finished += row  # only once the row is whole: a struct.error leaves no half of it
        self._kinds.append(FINISHED)


class Unpacker:
    """The receiving side of one stream: the same events, in the same order; the rows between
    two events that crossed as themselves come as one RequestRows."""

    def __init__(self) -> None:
        self._threads: list[ThreadInfo] = []  # the stream's table: every RequestRows reads it

    def unpack(self, packed: Packed) -> list[Event]:
        threads = self._threads
        threads.extend(packed.threads)
        kinds, started, finished = packed.kinds, packed.started, packed.finished
        out: list[Event] = []
        others = iter(packed.others)
        at = started_at = finished_at = 0
        while at < len(kinds):  # by bytes.find and slices: no Python per row
            other = kinds.find(_OTHER, at)
            end = len(kinds) if other < 0 else other
            if end > at:
                rows = kinds[at:end]
                starts = rows.count(_A_START)
                started_end = started_at + starts * STARTED_ROW.size
                finished_end = finished_at + (len(rows) - starts) * FINISHED_ROW.size
                out.append(RequestRows(rows, started[started_at:started_end],
                                       finished[finished_at:finished_end], threads, packed.texts))
                started_at, finished_at = started_end, finished_end
            if other < 0:
                break
            out.append(next(others))
            at = other + 1
        return out
