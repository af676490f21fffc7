"""How the requests ended: the outcome counts, statuses, error kinds, protocols and latency."""

from __future__ import annotations

import errno
import os
from collections import Counter
from collections.abc import Sequence
from typing import cast

from fetchtui.core.events import ErrorKind, Outcome
from fetchtui.core.stats.samples import Samples

MAX_REASONS = 8
OUT_OF_FDS = os.strerror(errno.EMFILE)  # `Too many open files` (ENFILE's says it too)
OK, CANCELLED = Outcome.OK, Outcome.CANCELLED  # a module's name: an Enum's member costs 70 ns to look up


class Outcomes:
    """ok + failed + cancelled, and what the ones that ran answered and how long they took."""

    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self.cancelled = 0
        self.started = 0
        self.in_flight = 0
        self.status_counts: Counter[int] = Counter()
        self.error_counts: Counter[str] = Counter()
        self.http_versions: Counter[str] = Counter()
        self.latencies = Samples()
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

    def began(self) -> None:
        self.started += 1
        self.in_flight += 1

    def finished(self, outcome: Outcome, latency_ns: int | None, version: str | None,
                 status: int | None, error_kind: ErrorKind | None, error: str | None) -> None:
        """A request ended (`latency_ns` None: it never started)."""
        if latency_ns is not None:
            self.in_flight -= 1
        if outcome is CANCELLED:
            self.cancelled += 1
            self.cancelled_because(error or "cancelled", 1)
        else:
            if outcome is OK:
                self.ok += 1
            else:
                self.failed += 1
                if error is not None and OUT_OF_FDS in error:
                    self.out_of_fds += 1
            if latency_ns is not None:
                self.latencies.add(latency_ns)
        if version is not None:
            self.http_versions[version] += 1
        if status is not None:
            self.status_counts[status] += 1
        if error_kind is not None:
            self.error_counts[error_kind] += 1

    def finished_rows(self, outcomes: Sequence[Outcome], latencies: Sequence[int | None],
                      versions: Sequence[str | None], statuses: Sequence[int]) -> None:
        """Requests that ended as rows (none with an error's text), a column a field: as
        finished() for each, counted in C (`statuses` -1 where none)."""
        counts = Counter(outcomes)
        cancelled, ok = counts.pop(CANCELLED, 0), counts.pop(OK, 0)
        self.ok += ok
        self.failed += sum(counts.values())
        never_ran = latencies.count(None)
        self.in_flight -= len(latencies) - never_ran
        if cancelled:
            self.cancelled += cancelled
            self.cancelled_because("cancelled", cancelled)
        if not cancelled and not never_ran:
            self.latencies.add_all(cast("Sequence[int]", latencies))
        else:
            self.latencies.add_all(latency for outcome, latency in zip(outcomes, latencies, strict=True)
                                   if outcome is not CANCELLED and latency is not None)
        self.http_versions.update(filter(None, versions))
        self.status_counts.update(statuses)
        self.status_counts.pop(-1, None)
