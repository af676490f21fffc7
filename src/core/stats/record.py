"""One request as it stands, read from the fold's columns when asked (no object a request in the fold)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import ErrorKind, Outcome, PhaseFields, Phases, ThreadInfo


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
    phase_fields: PhaseFields | None = None  # its Phases' fields: made into Phases only when read
    http_version: str | None = None
    due_ns: int | None = None  # its scheduled time, in a run with a rate

    @property
    def url(self) -> str:
        """The URL as shown (credentials masked), read from the compact list when shown."""
        listed = self.listed
        return listed[self.req_id % len(listed)].display

    @property
    def phases(self) -> Phases | None:
        """Where its time went, made when read (a view, an export)."""
        fields = self.phase_fields
        return None if fields is None else Phases(*fields)

    @property
    def elapsed_ns(self) -> int | None:
        if self.start_ns is None or self.end_ns is None:
            return None
        return self.end_ns - self.start_ns


#: A reported request's fields, as the columns read them: worker number (-1: none), start,
#: end, outcome, status, bytes, error kind, error, CPU ns, phases, HTTP version, due.
RecordFields = tuple[int, int | None, int | None, Outcome | None, int | None, int, ErrorKind | None,
                     str | None, int, PhaseFields | None, str | None, int | None]
