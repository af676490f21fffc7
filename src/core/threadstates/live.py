"""Live totals: each sampled thread's seconds in each state so far, summed in the sampler child
as it goes and sent every half second (ChildWatch keeps the latest for a live view)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fetchtui.core.threadstates.kinds import CPU, RUNNABLE, STATES

if TYPE_CHECKING:
    from fetchtui.core.threadstates.figures import ThreadStates
    from fetchtui.core.threadstates.timeline import Timeline

EVERY_S = 0.5  # how often the child sends its totals


class Totals:
    """Sums a growing timeline's new rows at each call (the child's): per thread its span, time
    on a core, time runnable and its samples' time asleep in each state, as fold() splits them
    (no request spans here: a live wait is not told idle from a request's)."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._done = 0  # rows summed so far
        self._sums: dict[int, list[int]] = {}

    def message(self) -> bytes:
        """The totals so far as JSON: pid, gil and `seconds` {tid: [seconds by state]}."""
        timeline = self.timeline
        columns = [column[self._done:] for column in timeline.columns]
        self._done += len(columns[0])
        for thread, _end, span, run, wait, state in zip(*columns, strict=True):
            acc = self._sums.get(thread)
            if acc is None:
                acc = self._sums[thread] = [0] * (3 + len(STATES))
            acc[0] += span
            acc[1] += run
            acc[2] += wait
            if state >= 0:  # a RUNNING sample's time is schedstat's run and wait
                acc[3 + state] += span
        by_tid: dict[int, list[float]] = {}
        for number, acc in self._sums.items():
            over = timeline.overflow.get(number)
            summed = acc if over is None else [a + b for a, b in zip(acc, over, strict=True)]
            span, run, wait, seen = summed[0], summed[1], summed[2], summed[3:]
            seconds = [0.0] * len(STATES)
            seconds[CPU], seconds[RUNNABLE] = run / 1e6, wait / 1e6
            asleep, weight = max(0, span - run - wait), sum(seen)
            for i, part in enumerate(seen):
                if weight > 0:
                    seconds[i] += asleep * part / weight / 1e6
            if weight == 0:
                seconds[RUNNABLE] += asleep / 1e6
            total = by_tid.setdefault(timeline.threads[number], [0.0] * len(STATES))
            for i, value in enumerate(seconds):
                total[i] += value
        return json.dumps({"pid": timeline.pid, "gil": timeline.gil,
                           "seconds": {str(t): [round(v, 6) for v in s] for t, s in by_tid.items()}}).encode()


@dataclass(frozen=True, slots=True)
class LiveTotals:
    """One process's threads' seconds in each state so far (its sampler child's latest word)."""

    pid: int
    gil: bool
    seconds: dict[int, tuple[float, ...]]

    @classmethod
    def from_bytes(cls, data: bytes) -> LiveTotals:
        """Totals written by Totals.message; ValueError (or KeyError, TypeError) if malformed."""
        head = json.loads(data)
        seconds = {int(t): tuple(float(v) for v in s) for t, s in head["seconds"].items()}
        if any(len(s) != len(STATES) for s in seconds.values()):
            raise ValueError("a thread's totals have the wrong number of states")
        return cls(int(head["pid"]), bool(head["gil"]), seconds)

    def states(self, tids: set[int] | None = None) -> ThreadStates:
        """As figures, of the threads in `tids` (all of them when None): shares, for a live line."""
        from fetchtui.core.threadstates.figures import ThreadStates, ThreadTime  # not in the sampler child

        threads = tuple(ThreadTime(self.pid, tid, s) for tid, s in self.seconds.items()
                        if tids is None or tid in tids)
        return ThreadStates(threads, 0.0, self.gil)
