"""A run's thread-state sampling as its RunSession drives it, for every front end: begun as the
run starts, ended (on a thread of its own) as the run's end is folded, its figures then put in
the run's stats: the summary, the export, the history and a trace read them from there."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fetchtui.core.input.config import RunConfig
    from fetchtui.core.runs.source import RunSource, Sources
    from fetchtui.core.stats import RunStats
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.run import RunStates

#: The most a front end waits for a sampler's end (each child's timeline, then the fold): past
#: it the run is recorded with why its states are missing.
END_WAIT_S = 15.0


@dataclass(frozen=True, slots=True)
class Sampling:
    """What a front end asks of its runs' sampling.

    `after_s`: a run ended by then is not sampled (a sampler is a Python's start: a one-request
    `fetchtui run` would pay for it for no figure). `live`: the sampler sends its totals as the
    run goes (a live view's line). `in_process`: from a thread of this process, not a child (a
    benchmark's comparison only: it takes the run's GIL)."""

    after_s: float = 0.0
    live: bool = False
    in_process: bool = False


class SessionStates:
    """One run's sampler: the process `pid` on `python` (None: this one), each worker process
    below it followed."""

    def __init__(self, sampling: Sampling, pid: int | None = None, python: str | None = None) -> None:
        from fetchtui.core.threadstates.run import RunStates

        self.states: RunStates = RunStates(in_process=sampling.in_process and pid is None, pid=pid,
                                           python=python, live=sampling.live, after_s=sampling.after_s)
        self._ender: threading.Thread | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()  # the figures go in once: the fold's, or why it was not waited for

    @classmethod
    def of(cls, source: RunSource, sampling: Sampling) -> SessionStates:
        """The sampler of `source`'s run: where its threads are (the fetch process a source names
        by its `pid`, on the run's interpreter), else this process."""
        pid: int | None = getattr(source, "pid", None)  # a fetch process's run (ChildSource)
        return cls(sampling, pid, source.config.python if pid is not None else None)

    @classmethod
    def ahead(cls, sources: Sources, config: RunConfig, sampling: Sampling) -> SessionStates | None:
        """A sampler of this process started before `sources` opens a run of `config`, if that
        run fetches here (a pool of this process): the opening imports its client, and the
        sampler's start-up overlaps that, not the run. None: it runs elsewhere (its source says
        where once open)."""
        from fetchtui.core.runs import interpreter
        from fetchtui.core.runs.pool import PoolSources

        if isinstance(sources, PoolSources) and interpreter.same(config.python):
            return cls(sampling)
        return None

    @property
    def why(self) -> str | None:
        """Why nothing can be sampled here (not Linux), or None."""
        return self.states.why

    def end(self, stats: RunStats) -> None:
        """Stop sampling and put the figures in `stats` (whose end is folded), on a thread of its
        own: the children's timelines take up to seconds on a loaded machine, and the fold of a
        long run more; a live view's frames and keys must not wait. Once only."""
        if self._ender is None:
            self._ender = threading.Thread(target=self._end, args=(stats,), name="fetchtui-states-end",
                                           daemon=True)
            self._ender.start()

    def _end(self, stats: RunStats) -> None:
        try:
            self.states.stop()
            figures = self.states.figures(stats)
            with self._lock:
                if stats.thread_states is None:
                    stats.thread_states = figures
        finally:
            self._done.set()

    @property
    def ended(self) -> bool:
        """Its figures are in the stats (or failed): never waits."""
        return self._done.is_set()

    def wait(self, stats: RunStats, within: float = END_WAIT_S) -> ThreadStates | None:
        """The figures in `stats` once end() has put them there; ended here if it was not."""
        from fetchtui.core.threadstates.figures import ThreadStates

        self.end(stats)
        if not self._done.wait(within):
            with self._lock:
                if stats.thread_states is None:
                    stats.thread_states = ThreadStates.unknown("the thread sampler did not finish in time")
        return stats.thread_states

    def write_trace(self, stats: RunStats, path: str | Path) -> Path:
        """The ended run as a Trace Event Format file (RunStates.write_trace)."""
        self.wait(stats)
        return self.states.write_trace(stats, path)
