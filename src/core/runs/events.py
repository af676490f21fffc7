"""The events worker threads put on the queue: the only link from the pool to any front end."""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal, get_args

from fetchtui.core.runs.interpreter import PythonInfo


class Outcome(str, Enum):
    """How a request ended; every request ends in exactly one of these."""

    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"


ErrorKind = Literal["http", "timeout", "connect", "reset", "tls", "redirects", "too_large", "invalid"]
#: Error kinds of a failed request.
ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """Who ran a request: Python's thread ident, its name, the OS thread id and the pid, and
    under asyncio the task (many tasks share the loop's one thread: that is the lesson)."""

    ident: int
    name: str
    native_id: int
    pid: int
    task: int | None = None

    @property
    def worker(self) -> tuple[int, int, int | None]:
        """What tells workers apart: thread idents repeat across processes and tasks."""
        return (self.pid, self.ident, self.task)


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A run began: how many requests and at which `perf_counter_ns` instant.

    `total` is None for a run whose count is open: its list repeated until a duration ends.
    An open-loop run says its pace: `rate` requests per second in all, and `duration_s`.
    """

    total: int | None
    workers: int
    t_ns: int
    rate: float | None = None
    duration_s: float | None = None
    cut_at_end: bool = False  # at the duration's end, requests in flight are cut, not waited for
    processes: int = 1  # worker processes (each its own GIL): the GIL ceiling counts them
    stages: tuple[tuple[int, float], ...] = ()  # --stages: (workers, seconds), one after another
    python: PythonInfo | None = None  # the fetch process's interpreter, read there as the run began
    parallel: float | None = None  # cores of CPU its clients can spend at once (interpreter.parallelism)


@dataclass(frozen=True, slots=True)
class RequestStarted:
    """A worker thread took request `req_id` off the list."""

    req_id: int
    t_ns: int
    thread: ThreadInfo
    due_ns: int | None = None  # when a run with a rate scheduled it; t_ns - due_ns is its lag


@dataclass(frozen=True, slots=True)
class Phases:
    """Where one request's time went, in ns (None: that phase did not happen, as DNS for an
    IP literal or connect and TLS on a reused connection), and the connection it used."""

    dns_ns: int | None = None
    connect_ns: int | None = None
    tls_ns: int | None = None
    wait_ns: int | None = None
    receive_ns: int | None = None
    conn_id: int | None = None  # unique within the run
    conn_reused: bool | None = None

    @property
    def fields(self) -> PhaseFields:
        """Its fields, in order: what a source that reports an ok end by its fields gives."""
        return (self.dns_ns, self.connect_ns, self.tls_ns, self.wait_ns, self.receive_ns, self.conn_id,
                self.conn_reused)

    def spans(self) -> tuple[tuple[str, int | None], ...]:
        """(name, ns) in the order they happen."""
        return (("dns", self.dns_ns), ("connect", self.connect_ns), ("tls", self.tls_ns),
                ("wait", self.wait_ns), ("receive", self.receive_ns))


PHASE_NAMES = ("dns", "connect", "tls", "wait", "receive")


#: A request's phases as Phases' fields, in its order: dns, connect, tls, wait and receive (ns,
#: or None), conn_id, conn_reused. What a source that reports an ok end by its fields gives.
PhaseFields = tuple[int | None, int | None, int | None, int | None, int | None, int | None, bool | None]


@dataclass(frozen=True, slots=True)
class RequestFinished:
    """Request `req_id` reached its terminal state (`thread` is None if it never started)."""

    req_id: int
    t_ns: int
    thread: ThreadInfo | None
    outcome: Outcome
    status: int | None = None
    nbytes: int = 0
    error_kind: ErrorKind | None = None
    error: str | None = None
    cpu_ns: int = 0
    phases: Phases | None = None
    http_version: str | None = None  # "HTTP/1.1", "HTTP/2"


@dataclass(frozen=True, slots=True)
class RunEnded:
    """Nothing more will come from this run; it closes the run out.

    A run that ended by itself has reported every request. One that was cancelled, or lost
    (`lost` says why: its process died), did not: every request without a RequestFinished by
    now is cancelled by this one event, in flight or never started. One event, not one per
    request, so cancelling a million queued requests costs what cancelling ten does.
    """

    t_ns: int
    cancelled: bool
    lost: str | None = None
    total: int | None = None  # an open run's count, fixed when its duration ended
    timed: bool = False  # the run's duration ended: what it cancels ran out of time

    def error_for(self, started: bool) -> str:
        """The error of a request this event cancelled."""
        if self.lost is not None:
            return self.lost
        if self.timed:
            return "cut at the end of the duration" if started else "not started before the duration ended"
        return "cancelled while in flight" if started else "cancelled before it started"


@dataclass(frozen=True, slots=True)
class PoolResized:
    """The pool's size changed while the run ran: `workers` in all from `t_ns` on (a key
    press, or stage `stage` of --stages beginning). Growing starts workers at once;
    shrinking retires workers as their requests finish, each with a WorkerRetired."""

    t_ns: int
    workers: int
    stage: int | None = None


@dataclass(frozen=True, slots=True)
class WorkerRetired:
    """A worker left the pool between two requests (it shrank): its lane ends at `t_ns`."""

    t_ns: int
    thread: ThreadInfo


@dataclass(frozen=True, slots=True)
class RunPaused:
    """From `t_ns`, no new request starts (`paused`), or they start again; requests in
    flight finish either way. Paused time is no part of req/s or of a duration."""

    t_ns: int
    paused: bool


NONE_FIELD = -(1 << 63)  # a row's field that is None
# Every field of a row is an int64, so that a batch of rows reads as columns with no row
# made (row_columns): unpacking a tuple a row, then zipping them into columns, was a third
# of the fold's time.
#: A start as a row: req_id, t_ns, thread (a number into the stream's table), due_ns.
STARTED_ROW = struct.Struct("<4q")
#: An end as a row: req_id, t_ns, thread (-1: None), outcome, status (-1: None), nbytes, cpu_ns,
#: version, has phases, dns, connect, tls, wait, receive, conn_id, conn_reused (-1 None, 0, 1),
#: error kind, error. A text a row cannot number (an error's, an odd version or kind) is in the
#: batch's side table, `texts`: its field is -2 - its index there. Version: VERSIONS' index;
#: error kind: -1 None, else ERROR_KINDS' index; error: -1 None.
FINISHED_ROW = struct.Struct("<18q")
_NATIVE_INT64 = sys.byteorder == "little" and memoryview(b"\0" * 8).cast("q").itemsize == 8


def row_columns(row: struct.Struct, data: bytes) -> list[list[int]]:
    """Rows of int64 fields (STARTED_ROW or FINISHED_ROW) as a list a field, read in C."""
    width = row.size // 8
    if _NATIVE_INT64:
        view = memoryview(data).cast("q")
        return [view[field::width].tolist() for field in range(width)]
    return [list(column) for column in zip(*row.iter_unpack(data), strict=True)] or [[] for _ in range(width)]


def renumber_threads(row: struct.Struct, data: bytes, mine: Sequence[int]) -> bytes:
    """Rows (STARTED_ROW or FINISHED_ROW) with each thread number t (field 2) made mine[t]
    (-1, no thread, stays -1): a stream's rows passed on into another's."""
    width = row.size // 8
    if not _NATIVE_INT64:
        rows = [list(fields) for fields in row.iter_unpack(data)]
        return b"".join(row.pack(*f[:2], mine[f[2]] if f[2] >= 0 else -1, *f[3:]) for f in rows)
    out = bytearray(data)
    view = memoryview(out).cast("q")
    view[2::width] = array("q", [mine[t] if t >= 0 else -1 for t in view[2::width].tolist()])
    return bytes(out)


def renumber_texts(data: bytes, mine: Sequence[int]) -> bytes:
    """FINISHED_ROW rows with each text field (version, error kind, error: -2 - i) made mine[i]:
    a batch's rows passed on into another batch, whose side table numbers its texts anew."""
    rows = [list(fields) for fields in FINISHED_ROW.iter_unpack(data)]
    for fields in rows:
        for at in (7, 16, 17):
            if fields[at] <= -2:
                fields[at] = mine[-2 - fields[at]]
    return b"".join(FINISHED_ROW.pack(*fields) for fields in rows)


OUTCOMES = tuple(Outcome)
VERSIONS: tuple[str | None, ...] = (None, "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3")
STARTED, FINISHED = 0, 1  # what each row of RequestRows is, in order
#: A start's fields as RequestStarted has them; an end's: req_id, t_ns, thread, outcome, status,
#: nbytes, cpu_ns, its phases as Phases' fields, version, error kind, error.
StartFields = tuple[int, int, ThreadInfo, int | None]
EndFields = tuple[int, int, ThreadInfo | None, Outcome, int | None, int, int, PhaseFields | None, str | None,
                  str | None, str | None]


@dataclass(frozen=True, slots=True)
class RequestRows:
    """Requests' starts and ends as rows, in order: the one form a request takes from where
    it is fetched to the stats (fields() reads them back, for a trace or a test).

    A worker process sends its requests this way, and the process that gathers them folds the
    rows as they came: at tens of thousands of requests a second, making two frozen events a
    request was a third of that process's CPU. `threads` is the stream's table its rows'
    thread numbers index (it only grows).
    """

    kinds: bytes  # STARTED or FINISHED, a byte a row
    started: bytes  # STARTED_ROW rows
    finished: bytes  # FINISHED_ROW rows
    threads: Sequence[ThreadInfo]
    texts: Sequence[str] = ()  # the side table a row's text field (-2 - i) points into

    def __len__(self) -> int:
        return len(self.kinds)

    def fields(self) -> Iterator[StartFields | EndFields]:
        """Each row's fields, in order (kinds says which a row is)."""
        threads, none = self.threads, NONE_FIELD
        started = STARTED_ROW.iter_unpack(self.started)
        finished = FINISHED_ROW.iter_unpack(self.finished)
        for kind in self.kinds:
            if kind == FINISHED:  # each field spelled out, not through a call: twice a request
                (req_id, t_ns, thread, outcome, status, nbytes, cpu_ns, version, has_phases,
                 dns, connect, tls, wait, receive, conn, reused, kind, error) = next(finished)
                phases = (None if dns == none else dns, None if connect == none else connect,
                          None if tls == none else tls, None if wait == none else wait,
                          None if receive == none else receive, None if conn == none else conn,
                          None if reused < 0 else reused == 1) if has_phases else None
                yield (req_id, t_ns, threads[thread] if thread >= 0 else None, OUTCOMES[outcome],
                       None if status < 0 else status, nbytes, cpu_ns, phases, self._text(version, VERSIONS),
                       self._text(kind, ERROR_KINDS), None if error == -1 else self.texts[-2 - error])
            else:
                req_id, t_ns, thread, due = next(started)
                yield req_id, t_ns, threads[thread], None if due == none else due

    def _text(self, code: int, known: Sequence[str | None]) -> str | None:
        return None if code == -1 else known[code] if code >= 0 else self.texts[-2 - code]


#: An event that stands for itself alone (what a recording replays).
SingleEvent = (RunStarted | RequestStarted | RequestFinished | RunEnded | PoolResized | WorkerRetired
               | RunPaused)
Event = SingleEvent | RequestRows


def ended_ids(events: Sequence[Event]) -> list[int]:
    """The ids of the requests whose ends `events` holds, in order (read from the rows: a trace)."""
    out: list[int] = []
    for event in events:
        if isinstance(event, RequestRows):
            out += row_columns(FINISHED_ROW, event.finished)[0]
        elif isinstance(event, RequestFinished):
            out.append(event.req_id)
    return out


def cancelled_rows(lost: Sequence[tuple[int, ThreadInfo | None]], t_ns: int, error: str) -> RequestRows:
    """Requests (id, who ran it) cancelled at `t_ns` with `error`, as rows: a dead worker
    process's requests, or those a close-out cut in flight."""
    threads: list[ThreadInfo] = []
    numbers: dict[int, int] = {}  # id(info) -> its number in `threads`
    finished = bytearray()
    cancelled, none = OUTCOMES.index(Outcome.CANCELLED), NONE_FIELD
    for req_id, who in lost:
        number = -1
        if who is not None:
            number = numbers.setdefault(id(who), len(threads))
            if number == len(threads):
                threads.append(who)
        finished += FINISHED_ROW.pack(req_id, t_ns, number, cancelled, -1, 0, 0, 0, 0, none, none, none, none,
                                      none, none, -1, -1, -2)
    return RequestRows(bytes([FINISHED]) * len(lost), b"", bytes(finished), tuple(threads), (error,))
