"""What was done to a run while it ran: its pool resized, its stages, its pauses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fetchtui.core.events import PoolResized, RunPaused, RunStarted
from fetchtui.core.stats.samples import Samples
from fetchtui.core.summary import StageFigures


@dataclass(slots=True)
class Segment:
    """A stretch of the run at one pool size (a stage of --stages, or between two resizes):
    from when, its requests and their latencies."""

    workers: int
    start_ns: int
    duration_s: float | None = None  # a stage's planned length
    requests: int = 0
    latency_ns: int = 0  # their sum
    latencies: Samples = field(default_factory=Samples)  # a stage's, for its percentiles

    @property
    def mean_latency_ms(self) -> float:
        return self.latency_ns / self.requests / 1e6 if self.requests else 0.0


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
        self.segments.append(Segment(event.workers, event.t_ns,
                                     event.stages[0][1] if event.stages else None))

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

    def finished(self, start_ns: int, latency_ns: int) -> None:
        """A request that ran (ok or failed) finished: it counts in the stretch it started in,
        so the last stage's requests in flight at the end are its own, and none is a stage's
        that the one before started."""
        segments = self.segments
        segment = segments[-1]  # where nearly every request started: asked first, as it runs once a request
        if segment.start_ns > start_ns and len(segments) > 1:  # before a resize or a stage
            for segment in reversed(segments):  # the last stretch it started in, else the first
                if segment.start_ns <= start_ns:
                    break
        segment.requests += 1
        segment.latency_ns += latency_ns
        if segment.duration_s is not None:
            segment.latencies.add(latency_ns)

    def finished_rows(self, starts: Sequence[int], latencies: Sequence[int]) -> None:
        """Requests that ran, as rows: in one sum when all began in the last stretch."""
        segment = self.segments[-1]
        if min(starts) < segment.start_ns:
            for start_ns, latency_ns in zip(starts, latencies, strict=True):
                self.finished(start_ns, latency_ns)
            return
        segment.requests += len(latencies)
        segment.latency_ns += sum(latencies)
        if segment.duration_s is not None:
            segment.latencies.add_all(latencies)

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
            lat = stage.latencies.latency(final)
            out.append(StageFigures(stage.workers, stage.duration_s, stage.requests,
                                    round(self.rps(index, now_ns), 3), round(lat.p50, 3),
                                    round(lat.p99, 3)))
        return out
