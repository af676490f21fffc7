"""Requests as the fold takes them, rows, made from a test's events; and rows read back as tuples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from fetchtui.core.runs.events import (
    FINISHED,
    EndFields,
    ErrorKind,
    Event,
    Outcome,
    PhaseFields,
    RequestFinished,
    RequestRows,
    RequestStarted,
    StartFields,
    ThreadInfo,
)
from fetchtui.core.runs.packing import Packer, Unpacker


class Start(NamedTuple):
    """A start row's fields, named as RequestStarted names them."""

    req_id: int
    t_ns: int
    thread: ThreadInfo
    due_ns: int | None


class End(NamedTuple):
    """An end row's fields, named as RequestFinished names them (phases as Phases.fields)."""

    req_id: int
    t_ns: int
    thread: ThreadInfo | None
    outcome: Outcome
    status: int | None
    nbytes: int
    cpu_ns: int
    phases: PhaseFields | None
    http_version: str | None
    error_kind: ErrorKind | str | None
    error: str | None


def as_rows(events: Sequence[Event]) -> list[Event]:
    """`events` as a source hands them to the fold: each request's start and end as rows."""
    return Unpacker().unpack(Packer().pack(0, events))


def read_rows(events: Sequence[Event]) -> list[Event | Start | End]:
    """`events` with each request's start and end as a Start or End (rows read row by row,
    a test's own dataclass events mapped), every other event as itself."""
    out: list[Event | Start | End] = []
    for event in events:
        if isinstance(event, RequestRows):
            for kind, fields in zip(event.kinds, event.fields(), strict=True):
                out.append(End(*fields) if kind == FINISHED else Start(*fields))
        elif isinstance(event, RequestStarted):
            start: StartFields = (event.req_id, event.t_ns, event.thread, event.due_ns)
            out.append(Start(*start))
        elif isinstance(event, RequestFinished):
            phases = None if event.phases is None else event.phases.fields
            end: EndFields = (event.req_id, event.t_ns, event.thread, event.outcome, event.status,
                              event.nbytes, event.cpu_ns, phases, event.http_version, event.error_kind,
                              event.error)
            out.append(End(*end))
        else:
            out.append(event)
    return out
