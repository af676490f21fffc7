"""Events in columns: how a batch crosses a pipe without pickling each event.

Pickling a frozen, slotted dataclass runs Python code per object (its __reduce__ and state),
about 3 us to dump and 4 us to load an event with its ThreadInfo and Phases: at 30,000
requests a second that is a core's third on each side of the pipe. A Packer writes the two
events every request makes, RequestStarted and RequestFinished, as fixed rows of struct
fields; a thread is a number into a table each side keeps (a new one crosses once); every
other event, and one that does not fit a row (an error's text, an odd version), crosses as
itself. An Unpacker gives back the same events, in the same order.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from fetchtui.core.events import Event, Outcome, Phases, RequestFinished, RequestStarted, ThreadInfo

_NONE = -(1 << 63)  # a field that is None
_STARTED = struct.Struct("<qqiq")  # req_id, t_ns, thread, due_ns
# req_id, t_ns, thread, outcome, status, nbytes, cpu_ns, version, has phases,
# dns, connect, tls, wait, receive, conn_id, conn_reused (-1 None, 0, 1)
_FINISHED = struct.Struct("<qqiBhqqBB6qb")
_OUTCOMES = tuple(Outcome)
_OUTCOME_CODE = {outcome: code for code, outcome in enumerate(_OUTCOMES)}
_VERSIONS: tuple[str | None, ...] = (None, "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3")
_VERSION_CODE = {version: code for code, version in enumerate(_VERSIONS)}
STARTED, FINISHED, OTHER = 0, 1, 2  # what each event of a batch is, in order


@dataclass(frozen=True, slots=True)
class Packed:
    """One batch as it crosses: each event's kind in order, the rows, the threads first seen
    in it, and the events that cross as themselves."""

    run_id: int
    kinds: bytes
    started: bytes
    finished: bytes
    threads: tuple[ThreadInfo, ...]
    others: tuple[Event, ...]


def _n(value: int | None) -> int:
    return _NONE if value is None else value


def _v(value: int) -> int | None:
    return None if value == _NONE else value


class Packer:
    """The sending side of one stream of batches (a run's, or a worker process's)."""

    def __init__(self) -> None:
        self._threads: dict[ThreadInfo, int] = {}

    def _thread(self, info: ThreadInfo | None, new: list[ThreadInfo]) -> int:
        if info is None:
            return -1
        number = self._threads.get(info)
        if number is None:
            number = self._threads[info] = len(self._threads)
            new.append(info)
        return number

    def pack(self, run_id: int, events: Sequence[Event]) -> Packed:
        kinds = bytearray()
        started, finished = bytearray(), bytearray()
        new: list[ThreadInfo] = []
        others: list[Event] = []
        for event in events:
            try:
                if isinstance(event, RequestStarted):
                    started += _STARTED.pack(event.req_id, event.t_ns, self._thread(event.thread, new),
                                             _n(event.due_ns))
                    kinds.append(STARTED)
                    continue
                if isinstance(event, RequestFinished) and event.error is None and event.error_kind is None \
                        and event.http_version in _VERSION_CODE:
                    finished += self._finished(event, new)
                    kinds.append(FINISHED)
                    continue
            except (struct.error, TypeError):  # a value no row holds (a huge number): as itself
                pass
            others.append(event)
            kinds.append(OTHER)
        return Packed(run_id, bytes(kinds), bytes(started), bytes(finished), tuple(new), tuple(others))

    def _finished(self, event: RequestFinished, new: list[ThreadInfo]) -> bytes:
        phases = event.phases
        status = -1 if event.status is None else event.status
        head = (event.req_id, event.t_ns, self._thread(event.thread, new), _OUTCOME_CODE[event.outcome],
                status, event.nbytes, event.cpu_ns, _VERSION_CODE[event.http_version])
        if phases is None:
            return _FINISHED.pack(*head, 0, _NONE, _NONE, _NONE, _NONE, _NONE, _NONE, -1)
        reused = -1 if phases.conn_reused is None else int(phases.conn_reused)
        return _FINISHED.pack(*head, 1, _n(phases.dns_ns), _n(phases.connect_ns), _n(phases.tls_ns),
                              _n(phases.wait_ns), _n(phases.receive_ns), _n(phases.conn_id), reused)


class Unpacker:
    """The receiving side of one stream: the same events, in the same order."""

    def __init__(self) -> None:
        self._threads: list[ThreadInfo] = []

    def unpack(self, packed: Packed) -> list[Event]:
        threads = self._threads
        threads.extend(packed.threads)
        started = _STARTED.iter_unpack(packed.started)
        finished = _FINISHED.iter_unpack(packed.finished)
        others = iter(packed.others)
        out: list[Event] = []
        add = out.append
        for kind in packed.kinds:
            if kind == FINISHED:
                (req_id, t_ns, thread, outcome, status, nbytes, cpu_ns, version, has_phases,
                 dns, connect, tls, wait, receive, conn, reused) = next(finished)
                phases = Phases(_v(dns), _v(connect), _v(tls), _v(wait), _v(receive), _v(conn),
                                None if reused < 0 else bool(reused)) if has_phases else None
                add(RequestFinished(req_id, t_ns, threads[thread] if thread >= 0 else None,
                                    _OUTCOMES[outcome], None if status < 0 else status, nbytes,
                                    None, None, cpu_ns, phases, _VERSIONS[version]))
            elif kind == STARTED:
                req_id, t_ns, thread, due = next(started)
                add(RequestStarted(req_id, t_ns, threads[thread], _v(due)))
            else:
                add(next(others))
        return out
