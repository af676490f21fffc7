"""An open-loop run's pace: its rate and duration, how far behind it fell, latency from the schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fetchtui.core.report.summary import Latency
from fetchtui.core.runs.events import RunStarted

if TYPE_CHECKING:
    from fetchtui.core.stats.columns import Columns
    from fetchtui.core.stats.hist import LiveCounts


class Pace:
    """The schedule a run was given (-q, -z) and how it was kept: live counts as the rows
    come, exact figures from the columns once the run has ended."""

    def __init__(self) -> None:
        self.rate: float | None = None
        self.duration_s: float | None = None
        self.cut_at_end = False
        self.timed_end = False  # the duration ended the run
        self.last_lag_ns = 0
        self.lag: LiveCounts | None = None  # send minus scheduled time (made with the columns)
        self.from_due: LiveCounts | None = None  # latency from the scheduled time
        self.columns: Columns | None = None

    @property
    def paced(self) -> bool:
        return self.rate is not None or self.duration_s is not None

    def run_started(self, event: RunStarted) -> None:
        self.rate, self.duration_s, self.cut_at_end = event.rate, event.duration_s, event.cut_at_end

    def due_by(self, elapsed_ns: int) -> int:
        """How many requests the schedule has made due after `elapsed_ns` (with a rate)."""
        return int(elapsed_ns * (self.rate or 0) / 1e9) + 1

    def from_schedule_ms(self, final: bool) -> Latency | None:
        """Latency from each request's scheduled time (p50/p90/p99/max, ms), with a rate."""
        if self.rate is None:
            return None
        return self._read(self.from_due, final, lag=False)

    def lag_ms(self, final: bool) -> Latency:
        return self._read(self.lag, final, lag=True)

    def _read(self, counts: LiveCounts | None, final: bool, lag: bool) -> Latency:
        if counts is None or self.columns is None or not counts.count:
            return Latency(0.0, 0.0, 0.0, 0.0)
        if not final:
            return counts.latency()
        from fetchtui.core.stats import figures

        return figures.schedule_latency(self.columns, lag)
