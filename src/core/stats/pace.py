"""An open-loop run's pace: its rate and duration, how far behind it fell, latency from the schedule."""

from __future__ import annotations

from collections.abc import Sequence

from fetchtui.core.events import NONE_FIELD, RunStarted
from fetchtui.core.stats.samples import Samples
from fetchtui.core.summary import Latency


class Pace:
    """The schedule a run was given (-q, -z) and how it was kept."""

    def __init__(self) -> None:
        self.rate: float | None = None
        self.duration_s: float | None = None
        self.cut_at_end = False
        self.timed_end = False  # the duration ended the run
        self.from_due = Samples()  # latency from the scheduled time (with a rate)
        self.lag = Samples()  # send minus scheduled time
        self.last_lag_ns = 0

    @property
    def paced(self) -> bool:
        return self.rate is not None or self.duration_s is not None

    def run_started(self, event: RunStarted) -> None:
        self.rate, self.duration_s, self.cut_at_end = event.rate, event.duration_s, event.cut_at_end

    def began(self, t_ns: int, due_ns: int | None) -> None:
        if due_ns is not None:
            self.last_lag_ns = max(0, t_ns - due_ns)
            self.lag.add(self.last_lag_ns)

    def finished(self, t_ns: int, due_ns: int | None) -> None:
        if due_ns is not None:
            self.from_due.add(t_ns - due_ns)

    def finished_rows(self, t_ns: Sequence[int], dues: Sequence[int]) -> None:
        """Ends of requests that ran, as rows (`dues` NONE_FIELD where a request had none)."""
        if max(dues, default=NONE_FIELD) != NONE_FIELD:
            self.from_due.add_all(t - due for t, due in zip(t_ns, dues, strict=True) if due != NONE_FIELD)

    def due_by(self, elapsed_ns: int) -> int:
        """How many requests the schedule has made due after `elapsed_ns` (with a rate)."""
        return int(elapsed_ns * (self.rate or 0) / 1e9) + 1

    def from_schedule_ms(self, final: bool) -> Latency | None:
        """Latency from each request's scheduled time (p50/p90/p99/max, ms), with a rate."""
        return self.from_due.latency(final) if self.rate is not None else None

    def lag_ms(self, final: bool) -> Latency:
        return self.lag.latency(final)
