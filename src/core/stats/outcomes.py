"""How the requests ended: the outcome counts, statuses, error kinds, protocols and latency."""

from __future__ import annotations

from collections import Counter

from fetchtui.core.events import Outcome
from fetchtui.core.stats.records import RequestRecord
from fetchtui.core.stats.samples import Samples

MAX_REASONS = 8


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

    @property
    def done(self) -> int:
        return self.ok + self.failed + self.cancelled

    def cancelled_because(self, reason: str, count: int) -> None:
        if reason in self.cancel_reasons or len(self.cancel_reasons) < MAX_REASONS:
            self.cancel_reasons[reason] += count

    def began(self) -> None:
        self.started += 1
        self.in_flight += 1

    def finished(self, rec: RequestRecord) -> None:
        """A request ended: its record, with its end written in."""
        start_ns = rec.start_ns
        if start_ns is not None:
            self.in_flight -= 1
        if rec.outcome is Outcome.CANCELLED:
            self.cancelled += 1
            self.cancelled_because(rec.error or "cancelled", 1)
        else:
            if rec.outcome is Outcome.OK:
                self.ok += 1
            else:
                self.failed += 1
            if start_ns is not None and rec.end_ns is not None:
                self.latencies.add(rec.end_ns - start_ns)
        if rec.http_version is not None:
            self.http_versions[rec.http_version] += 1
        if rec.status is not None:
            self.status_counts[rec.status] += 1
        if rec.error_kind is not None:
            self.error_counts[rec.error_kind] += 1
