"""The thread states of the run the monitor shows, sampled from its fetch process while it runs
(no Textual: the run view asks it each frame, the stats panel draws what it says)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fetchtui.core.runs.source import RunSource
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.run import RunStates

#: How often the shares are summed again: the sampler sends its totals every half second, and a
#: run of thousands of asyncio tasks has as many workers to look up.
EVERY_S = 0.2


class LiveStates:
    """Made as a run starts (its fetch process sampled from a child of this process, and each
    worker process below it from one of its own), ended as the run ends; `now(stats)` is what
    the panel shows: the states so far, why there are none, or None (a run fetched here, a
    replay: nothing to sample)."""

    def __init__(self, source: RunSource, python: str | None) -> None:
        from fetchtui.core.threadstates.run import RunStates

        pid = getattr(source, "pid", None)  # a fetch process's run (ChildSource) says its pid
        self._run: RunStates | None = None if pid is None else RunStates(pid=pid, python=python, live=True)
        self._why = None if self._run is None else self._run.why
        self._states: ThreadStates | None = None  # the latest, kept once the run has ended
        self._at = 0.0

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

    def end(self) -> None:
        """Stop sampling, on a thread of its own: its children hand over their timelines (which
        a live view does not read), and that can take a few seconds the frames must not wait."""
        run, self._run = self._run, None
        if run is not None:
            threading.Thread(target=run.stop, name="fetchtui-states-stop", daemon=True).start()
