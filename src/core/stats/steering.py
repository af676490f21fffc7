"""What was done to a run while it ran: its pool resized, its stages, its pauses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fetchtui.core.report.summary import Latency, StageFigures
from fetchtui.core.runs.events import PoolResized, RunPaused, RunStarted

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from fetchtui.core.stats.hist import LiveCounts


@dataclass(slots=True)
class Segment:
    """A stretch of the run at one pool size (a stage of --stages, or between two resizes):
    from when, its requests and their latencies."""

    workers: int
    start_ns: int
    duration_s: float | None = None  # a stage's planned length
    requests: int = 0
    latency_ns: int = 0  # their sum
    live: LiveCounts | None = None  # a stage's latencies, counted for its live percentiles
    latencies: list[NDArray[np.int64]] = field(default_factory=list)  # a stage's, for the exact ones

    @property
    def mean_latency_ms(self) -> float:
        return self.latency_ns / self.requests / 1e6 if self.requests else 0.0

    def latency(self, final: bool) -> Latency:
        if self.live is None or not self.live.count:
            return Latency(0.0, 0.0, 0.0, 0.0)
        if not final:
            return self.live.latency()
        import numpy as np

        from fetchtui.core.stats.hist import exact

        return exact(np.concatenate(self.latencies))


class Steering:
    """The pool's size over time, the pauses, and the stages (each a window of the run)."""

    def __init__(self) -> None:
        self.size = 0  # workers the pool has now (what the stats line says)
        self.resizes: list[PoolResized] = []
        self.pauses: list[tuple[int, int | None]] = []  # (paused at, resumed at) in ns
        self.segments: list[Segment] = []
        self._plan: tuple[tuple[int, float], ...] = ()

    @property
    def stages(self) -> list[Segment]:
        return [segment for segment in self.segments if segment.duration_s is not None]

    def run_started(self, event: RunStarted) -> None:
        self.size, self._plan = event.workers, event.stages
        self.segments.append(Segment(event.workers, event.t_ns, event.stages[0][1] if event.stages else None))

    def resized(self, event: PoolResized) -> None:
        self.size = event.workers
        self.resizes.append(event)
        seconds = None
        if event.stage is not None and event.stage < len(self._plan):
            seconds = self._plan[event.stage][1]
        self.segments.append(Segment(event.workers, event.t_ns, seconds))

    def paused_or_resumed(self, event: RunPaused) -> None:
        if event.paused and not self.paused:
            self.pauses.append((event.t_ns, None))
        elif not event.paused and self.paused:
            self.pauses[-1] = (self.pauses[-1][0], event.t_ns)

    def finished(self, starts: NDArray[np.int64], latencies: NDArray[np.int64]) -> None:
        """Requests that ran (ok or failed) finished: each counts in the stretch it started
        in (the last one that began by then, else the first), so the last stage's requests in
        flight at the end are its own, and none is a stage's that the one before started."""
        import numpy as np

        from fetchtui.core.stats.hist import LiveCounts

        segments = self.segments
        if not segments:
            return
        last = len(segments) - 1
        if last == 0 or starts.min() >= segments[-1].start_ns:
            groups = [(last, latencies)]
        else:
            begins = [segment.start_ns for segment in segments]
            index = np.array([next((k for k in range(last, -1, -1) if begins[k] <= start), 0)
                              for start in starts.tolist()])
            groups = [(k, latencies[index == k]) for k in np.flatnonzero(np.bincount(index)).tolist()]
        for k, mine in groups:
            segment = segments[k]
            segment.requests += len(mine)
            segment.latency_ns += int(mine.sum())
            if segment.duration_s is not None:
                if segment.live is None:
                    segment.live = LiveCounts()
                segment.live.add(mine)
                segment.latencies.append(mine)

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def paused_ns(self, now_ns: int, since_ns: int | None = None) -> int:
        """Time spent paused up to `now_ns` (from `since_ns`, when given)."""
        total = 0
        for start, end in self.pauses:
            start = max(start, since_ns) if since_ns is not None else start
            stop = min(end if end is not None else now_ns, now_ns)
            total += max(0, stop - start)
        return total

    def window_s(self, index: int, now_ns: int) -> float:
        """How long segment `index` ran, paused time left out: to where the next began; the
        last stage for its own length (the requests in flight at the end are waited for, and
        count in it), any other last one until `now_ns`."""
        segment = self.segments[index]
        if index + 1 < len(self.segments):
            end = self.segments[index + 1].start_ns
        elif segment.duration_s is not None:
            end = min(now_ns, segment.start_ns + round(segment.duration_s * 1e9)
                      + self.paused_ns(now_ns, segment.start_ns))
        else:
            end = now_ns
        return max(0, end - segment.start_ns - self.paused_ns(end, segment.start_ns)) / 1e9

    def rps(self, index: int, now_ns: int) -> float:
        ran_s = self.window_s(index, now_ns)
        return self.segments[index].requests / ran_s if ran_s > 0 else 0.0

    def stage_figures(self, now_ns: int, final: bool) -> list[StageFigures]:
        """Each stage of --stages so far."""
        out: list[StageFigures] = []
        for index, stage in enumerate(self.segments):
            if stage.duration_s is None:
                continue
            lat = stage.latency(final)
            out.append(StageFigures(stage.workers, stage.duration_s, stage.requests,
                                    round(self.rps(index, now_ns), 3), round(lat.p50, 3),
                                    round(lat.p99, 3)))
        return out
