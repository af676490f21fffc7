"""What is known of each request, by id: kept for those that started, read on demand for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fetchtui.core.events import ErrorKind, Outcome, PhaseFields, Phases, RunEnded, ThreadInfo
from fetchtui.core.targets import Target

#: A plan bigger than this grows its records as requests start, instead of up front.
PREALLOCATE_UP_TO = 10_000_000


@dataclass(slots=True)
class RequestRecord:
    """What is known of one request; `start_ns`/`end_ns` are perf_counter_ns stamps."""

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
    """Every request's record, by id. A request nobody reported has none: after a close-out
    it is one the close-out cancelled, and view() says so (an export of a million cancelled
    requests reads them one at a time)."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = targets
        self.items: list[RequestRecord | None] = [None] * len(targets)
        self.closed_by: RunEnded | None = None  # the close-out that cancelled what was left

    def target(self, req_id: int) -> Target:
        """The list line request `req_id` fetches (a duration repeats the list)."""
        return self.targets[req_id % len(self.targets)]

    def reserve(self, count: int) -> None:
        if count > len(self.items) and count <= PREALLOCATE_UP_TO:
            self.items.extend([None] * (count - len(self.items)))

    def record(self, req_id: int) -> RequestRecord:
        """The kept record of `req_id`, made on first use."""
        items = self.items
        if req_id >= len(items):
            items.extend([None] * (max(req_id + 1, len(items) * 2) - len(items)))
        rec = items[req_id]
        if rec is None:  # made here, not through view(), as it is once a request
            rec = items[req_id] = RequestRecord(req_id, self.targets) if self.closed_by is None \
                else self.view(req_id)
        return rec

    def view(self, req_id: int) -> RequestRecord:
        """Request `req_id` as it stands, without keeping a record for one that never started."""
        rec = self.items[req_id] if req_id < len(self.items) else None
        if rec is not None:
            return rec
        rec = RequestRecord(req_id, self.targets)
        if self.closed_by is not None:
            rec.end_ns, rec.outcome = self.closed_by.t_ns, Outcome.CANCELLED
            rec.error = self.closed_by.error_for(started=False)
        return rec
