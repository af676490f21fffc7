"""The sampler: every thread of a process read at a steady rate: its time on a core and runnable
(schedstat, exact once summed) and the state its system call says it is in now."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from fetchtui.core.threadstates.kinds import RUNNING, Classifier
from fetchtui.core.threadstates.procfs import TaskFiles, task_ids
from fetchtui.core.threadstates.timeline import HZ, Timeline

_RESCAN = 10  # ticks between two listings of the process's threads


class _Thread:
    """A sampled thread: its files and what the last tick read."""

    __slots__ = ("at", "files", "number", "run", "wait")

    def __init__(self, files: TaskFiles, number: int) -> None:
        self.files, self.number = files, number
        self.run = self.wait = self.at = 0


class Sampler:
    """Samples `pid`'s threads at `hz` into a Timeline until stopped; `skip` names threads not
    to sample (an in-process sampler's own)."""

    def __init__(self, pid: int, classifier: Classifier, hz: float = HZ, skip: frozenset[int] = frozenset(),
                 clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self.pid, self.classifier, self.hz, self.skip, self.clock = pid, classifier, hz, skip, clock
        self.timeline = Timeline(pid, classifier.gil is not None)
        self._threads: dict[int, _Thread] = {}
        self.ticks = 0

    def run(self, stop: threading.Event, report: Callable[[], None] | None = None,
            every: float = 0.5) -> Timeline:
        """Sample until `stop` is set; the timeline (its `hz` the rate kept). `report` is called
        between ticks about every `every` seconds (on this thread: the timeline is not shared)."""
        interval = 1.0 / self.hz
        began = time.monotonic()
        reported = began
        try:
            while True:
                due = began + (self.ticks + 1) * interval
                self.tick()
                if report is not None and time.monotonic() - reported >= every:
                    reported = time.monotonic()
                    report()
                if stop.wait(max(0.0, due - time.monotonic())):
                    break
        finally:
            for thread in self._threads.values():
                thread.files.close()
            self._threads.clear()
        took = time.monotonic() - began
        self.timeline.hz = self.ticks / took if took > 0 else 0.0
        return self.timeline

    def tick(self) -> None:
        """One sample of every thread. Its rows are gathered and added at once, and one clock
        reading stands for the tick: this loop is the sampler's cost, ~14 µs
        a thread once the sampler has slept (its caches cold; ~6 µs back to back)."""
        if self.ticks % _RESCAN == 0:
            self._rescan()
        self.ticks += 1
        sleeping = self.classifier.sleeping
        now = self.clock() // 1000
        numbers, spans, runs, waits, states = [], [], [], [], []
        gone = []
        for tid, thread in self._threads.items():
            try:
                reading = thread.files.read()
            except OSError:
                reading = None
            if reading is None:
                gone.append(tid)
                continue
            run, wait, nr, arg0 = reading
            if thread.at:
                numbers.append(thread.number)
                spans.append(now - thread.at)
                runs.append((run - thread.run) // 1000)
                waits.append((wait - thread.wait) // 1000)
                states.append(RUNNING if nr == RUNNING else sleeping(nr, arg0))
            thread.run, thread.wait, thread.at = run, wait, now
        if numbers:
            self.timeline.add_rows(now, numbers, spans, runs, waits, states)
        for tid in gone:
            self._threads.pop(tid).files.close()

    def _rescan(self) -> None:
        for tid in task_ids(self.pid):
            if tid in self._threads or tid in self.skip:
                continue
            try:
                files = TaskFiles(self.pid, tid)
            except OSError:  # it ended between the listing and the open
                continue
            self._threads[tid] = _Thread(files, self.timeline.number(tid))
