"""The thread states of the run the monitor shows, as its session's sampler sends them while it
runs (no Textual: the run view asks it each frame, the stats panel and the timeline draw what it
says)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fetchtui.core.runs.session import RunSession
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.lanes import StateLanes
    from fetchtui.core.threadstates.run import RunStates
    from fetchtui.core.threadstates.sampling import SessionStates

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
    """Made as a run starts, from its session's sampler (its fetch process sampled from a child
    of this process, each worker process below it from one of its own); `now(stats)` is what
    the panel shows: the states so far, why there are none, or None (not sampled: a replay);
    `lanes(stats, now_ns)` what the timeline draws under its lanes."""

    def __init__(self, session: RunSession) -> None:
        sampler = session.sampler
        live = sampler is not None and sampler.why is None and sampler.states.live
        self._sampler: SessionStates | None = sampler
        self._run: RunStates | None = sampler.states if live and sampler is not None else None
        self._why = sampler.why if sampler is not None else None
        self._states: ThreadStates | None = None  # the latest, kept once the run has ended
        self._at = 0.0
        self._lanes: StateLanes | None = None
        self._lanes_at = 0.0
        self._whole = False  # the lanes were drawn from the sampler's whole timelines
        self._cost = 0.0  # what making the spans took last

    def now(self, stats: RunStats) -> ThreadStates | str | None:
        """The states to show: the run's own once ended and handed over, else the sampler's latest."""
        if self._why is not None:  # said once, on its own line, whatever the end's figures say
            return self._why
        if stats.thread_states is not None:
            return stats.thread_states
        run, clock = self._run, time.monotonic()
        if run is not None and clock - self._at >= EVERY_S:
            self._at = clock
            fetching = {(w.info.pid, w.info.native_id) for w in list(stats.threads.values())}
            self._states = run.totals(fetching) or self._states
        return self._states

    def lanes(self, stats: RunStats, now_ns: int) -> StateLanes:
        """The fetching threads' states over the run so far, made again at most every
        LANES_EVERY_S, and once more when the sampler has ended (its whole timelines)."""
        from fetchtui.core.threadstates.lanes import StateLanes
        from fetchtui.core.threadstates.requests import worker_spans

        run, clock = self._run, time.monotonic()
        if run is None:
            return StateLanes.unknown(self._why or NOT_FETCHED)
        if self._whole and self._lanes is not None:
            return self._lanes  # drawn from the whole timelines: nothing new comes
        ended = self._sampler is not None and self._sampler.ended
        if ended or self._lanes is None or clock - self._lanes_at >= max(LANES_EVERY_S,
                                                                         LANES_SHARE * self._cost):
            self._lanes_at = clock
            requests = worker_spans(stats, now_ns)
            self._lanes = run.lanes(requests, set(requests))
            self._whole = ended
            self._cost = time.monotonic() - clock
        return self._lanes
