"""What was done to a run while it ran: its pool resized, its stages, its pauses."""

from __future__ import annotations

from dataclasses import dataclass, field

from fetchtui.core.events import PoolResized, RunPaused, RunStarted
from fetchtui.core.stats.samples import Samples
from fetchtui.core.summary import StageFigures


@dataclass(slots=True)
class Stage:
    """One stage of --stages as it ran: from when, its requests and their latencies."""

    workers: int
    duration_s: float
    start_ns: int
    requests: int = 0
    latencies: Samples = field(default_factory=Samples)


class Steering:
    """The pool's size over time, the pauses, and the stages (each a window of the run)."""

    def __init__(self) -> None:
        self.size = 0  # workers the pool has now (what the stats line says)
        self.resizes: list[PoolResized] = []
        self.pauses: list[tuple[int, int | None]] = []  # (paused at, resumed at) in ns
        self.stages: list[Stage] = []
        self._plan: tuple[tuple[int, float], ...] = ()

    def run_started(self, event: RunStarted) -> None:
        self.size, self._plan = event.workers, event.stages
        if event.stages:
            workers, seconds = event.stages[0]
            self.stages.append(Stage(workers, seconds, event.t_ns))

    def resized(self, event: PoolResized) -> None:
        self.size = event.workers
        self.resizes.append(event)
        if event.stage is not None and event.stage < len(self._plan):
            _, seconds = self._plan[event.stage]
            self.stages.append(Stage(event.workers, seconds, event.t_ns))

    def paused_or_resumed(self, event: RunPaused) -> None:
        if event.paused and not self.paused:
            self.pauses.append((event.t_ns, None))
        elif not event.paused and self.paused:
            self.pauses[-1] = (self.pauses[-1][0], event.t_ns)

    def finished(self, latency_ns: int) -> None:
        """A request that ran (ok or failed) finished, in the stage running now."""
        if self.stages:
            stage = self.stages[-1]
            stage.requests += 1
            stage.latencies.add(latency_ns)

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

    def stage_figures(self, now_ns: int, final: bool) -> list[StageFigures]:
        """Each stage so far: a middle one's window ends where the next began; the last's
        is its own length, as the requests in flight at the end are waited for."""
        out: list[StageFigures] = []
        for index, stage in enumerate(self.stages):
            if index + 1 < len(self.stages):
                end = self.stages[index + 1].start_ns
            else:
                end = min(now_ns, stage.start_ns + round(stage.duration_s * 1e9)
                          + self.paused_ns(now_ns, stage.start_ns))
            ran_s = max(0, end - stage.start_ns - self.paused_ns(end, stage.start_ns)) / 1e9
            lat = stage.latencies.latency(final)
            out.append(StageFigures(stage.workers, stage.duration_s, stage.requests,
                                    round(stage.requests / ran_s, 3) if ran_s > 0 else 0.0,
                                    round(lat.p50, 3), round(lat.p99, 3)))
        return out
