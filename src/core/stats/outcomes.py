"""How the requests ended: the outcome counts, statuses, error kinds, protocols and latency."""

from __future__ import annotations

from collections import Counter

from fetchtui.core.events import Outcome, RequestFinished
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

    def finished(self, event: RequestFinished, start_ns: int | None) -> None:
        if start_ns is not None:
            self.in_flight -= 1
        if event.outcome is Outcome.CANCELLED:
            self.cancelled += 1
            self.cancelled_because(event.error or "cancelled", 1)
        else:
            if event.outcome is Outcome.OK:
                self.ok += 1
            else:
                self.failed += 1
            if start_ns is not None:
                self.latencies.add(event.t_ns - start_ns)
        if event.http_version is not None:
            self.http_versions[event.http_version] += 1
        if event.status is not None:
            self.status_counts[event.status] += 1
        if event.error_kind is not None:
            self.error_counts[event.error_kind] += 1
