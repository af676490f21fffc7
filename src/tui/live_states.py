"""The thread states of the run the monitor shows, sampled from its fetch process while it runs
(no Textual: the run view asks it each frame, the stats panel and the timeline draw what it says)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fetchtui.core.runs.source import RunSource
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.lanes import StateLanes
    from fetchtui.core.threadstates.run import RunStates

#: How often the shares are summed again: the sampler sends its totals every half second, and a
#: run of thousands of asyncio tasks has as many workers to look up.
EVERY_S = 0.2
#: How often the timeline's spans are made again: the sampler sends its ticks every half second
LANES_EVERY_S = 0.5
#: and never more often than this many times what making them took: they are made from the
#: whole run so far, ~0.1 s of CPU for a minute of 8 threads and 70,000 instant requests
LANES_SHARE = 5
#: Why a run the monitor did not fetch (a replay) has no states on its timeline
NOT_FETCHED = "a replay is not sampled"


class LiveStates:
    """Made as a run starts (its fetch process sampled from a child of this process, and each
    worker process below it from one of its own), ended as the run ends; `now(stats)` is what
    the panel shows: the states so far, why there are none, or None (a run fetched here, a
    replay: nothing to sample); `lanes(stats, now_ns)` what the timeline draws under its lanes."""

    def __init__(self, source: RunSource, python: str | None) -> None:
        from fetchtui.core.threadstates.run import RunStates

        pid = getattr(source, "pid", None)  # a fetch process's run (ChildSource) says its pid
        self._run: RunStates | None = None if pid is None else RunStates(pid=pid, python=python, live=True)
        self._sampled = self._run  # kept once ended: its timelines are read after
        self._why = None if self._run is None else self._run.why
        self._states: ThreadStates | None = None  # the latest, kept once the run has ended
        self._at = 0.0
        self._lanes: StateLanes | None = None
        self._lanes_at = 0.0
        self._cost = 0.0  # what making the spans took last

    def now(self, stats: RunStats) -> ThreadStates | str | None:
        """The states to show: the run's own once ended and folded, else the sampler's latest."""
        if stats.thread_states is not None:
            return stats.thread_states
        if self._why is not None:
            return self._why
        run, clock = self._run, time.monotonic()
        if run is not None and clock - self._at >= EVERY_S:
            self._at = clock
            fetching = {(w.info.pid, w.info.native_id) for w in list(stats.threads.values())}
            self._states = run.totals(fetching) or self._states
        return self._states

    def lanes(self, stats: RunStats, now_ns: int) -> StateLanes:
        """The fetching threads' states over the run so far, made again at most every
        LANES_EVERY_S (and once more when the sampler has handed over its whole timelines)."""
        from fetchtui.core.threadstates.lanes import StateLanes
        from fetchtui.core.threadstates.requests import worker_spans

        sampled, clock = self._sampled, time.monotonic()
        if sampled is None:
            return StateLanes.unknown(NOT_FETCHED)
        if self._lanes is None or clock - self._lanes_at >= max(LANES_EVERY_S, LANES_SHARE * self._cost):
            if self._run is None and self._lanes is not None and self._lanes_at >= self._ended_at:
                return self._lanes  # ended, and drawn from the whole timelines: nothing new comes
            self._lanes_at = clock
            requests = worker_spans(stats, now_ns)
            self._lanes = sampled.lanes(requests, set(requests))
            self._cost = time.monotonic() - clock
        return self._lanes

    _ended_at = float("inf")  # when end() was asked (the whole timelines come a moment after)

    def end(self, then: Callable[[], None] | None = None) -> None:
        """Stop sampling, on a thread of its own: its children hand over their timelines (the
        timeline draws them once there: `then` is called on that thread), and that can take
        a few seconds the frames must not wait."""
        run, self._run = self._run, None
        if run is not None:
            threading.Thread(target=self._stop, args=(run, then), name="fetchtui-states-stop",
                             daemon=True).start()

    def _stop(self, run: RunStates, then: Callable[[], None] | None) -> None:
        run.stop()
        self._ended_at = time.monotonic()
        self._lanes_at = 0.0  # the whole timelines are drawn at the next ask
        if then is not None:
            then()
