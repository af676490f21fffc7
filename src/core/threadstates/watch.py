"""Sampling a process's threads while it runs: from a child process (no GIL taken from the
sampled one), or from a daemon thread inside it; either ends with the Timeline, or why not."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from fetchtui.core.threadstates.procfs import unavailable
from fetchtui.core.threadstates.timeline import HZ, Timeline

if TYPE_CHECKING:
    from fetchtui.core.threadstates.kinds import Classifier

# The sampler and the GIL's calibration are imported where they run (the child, a ThreadWatch):
# a run that samples from a child pays only for starting it.

_STOP_WAIT_S = 5.0  # the most stop() waits for a child's timeline
READY = b"R"  # a child's first byte: it is sampling


def classifier_for(pid: int) -> Classifier:
    """This Python's classifier for `pid`, a process of the same Python: its GIL found by
    calibrating here (none on a Python without one)."""
    from fetchtui.core.threadstates.gil import calibrate
    from fetchtui.core.threadstates.kinds import Classifier

    mark = calibrate()
    return Classifier.for_machine(None if mark is None else mark.in_process(pid))


class ThreadWatch:
    """A daemon thread of this process sampling `pid`'s threads (its own excepted). Each of its
    reads gives the GIL up and waits to take it back: from a child (ChildWatch) it takes none."""

    def __init__(self, pid: int | None = None, hz: float = HZ, classifier: Classifier | None = None) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.why = unavailable(self.pid)
        self._stop = threading.Event()
        self._result: Timeline | None = None
        self._thread = threading.Thread(target=self._run, args=(hz, classifier), name="fetchtui-states",
                                        daemon=True)
        if self.why is None:
            self._thread.start()

    def _run(self, hz: float, classifier: Classifier | None) -> None:
        from fetchtui.core.threadstates.sampler import Sampler

        skip = frozenset({threading.get_native_id()})
        sampler = Sampler(self.pid, classifier or classifier_for(self.pid), hz, skip)
        self._result = sampler.run(self._stop)

    def close(self) -> None:
        """Tell it to stop (stop() then waits for its timeline)."""
        self._stop.set()

    def stop(self) -> Timeline | str:
        """The timeline, or why there is none."""
        if self.why is not None:
            return self.why
        self._stop.set()
        self._thread.join(_STOP_WAIT_S)
        return self._result if self._result is not None else "the thread sampler did not finish"


class ChildWatch:
    """A child process (`python -m fetchtui.core.threadstates.child PID HZ`, on `python`: the
    sampled process's own interpreter, so its GIL is found the same) sampling `pid`'s threads
    until its stdin closes; then it writes the timeline to its stdout."""

    def __init__(self, pid: int | None = None, hz: float = HZ, python: str | None = None) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.why = unavailable(self.pid)
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False  # its first byte has been read
        if self.why is None:
            try:
                command = [python or sys.executable, "-m", "fetchtui.core.threadstates.child", str(self.pid),
                           str(hz)]
                self._proc = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            except OSError as exc:
                self.why = f"the thread sampler did not start ({exc.strerror})"

    def ready(self, within: float) -> bool:
        """Wait up to `within` seconds for the child to be sampling (a test's window starts then)."""
        proc = self._proc
        if proc is None or proc.stdout is None:
            return False
        import select

        readable, _, _ = select.select([proc.stdout], [], [], within)
        if not readable:
            return False
        self._ready = proc.stdout.read(1) == READY  # then stop() reads the timeline that follows
        return self._ready

    def close(self) -> None:
        """Tell the child to stop, once it is sampling (stop() then reads its timeline): many
        children are all told first, then each read."""
        proc = self._proc
        if proc is None or proc.stdin is None or not (self._ready or self.ready(within=0)):
            return
        with contextlib.suppress(OSError):
            proc.stdin.close()
        proc.stdin = None  # communicate() would flush it

    def stop(self) -> Timeline | str:
        """The timeline, or why there is none; never waits more than a few seconds. A child
        not yet sampling is ended at once: a short run does not wait for its start-up."""
        if self._proc is None:
            return self.why or "the thread sampler did not start"
        if not self._ready and not self.ready(within=0):
            ended = self._proc.poll()
            self._proc.kill()
            _, err = self._proc.communicate()
            if ended:  # it failed on its own, before sampling
                lines = err.decode(errors="replace").strip().splitlines()
                return f"the thread sampler failed ({lines[-1] if lines else ended})"
            return "the run was over before the thread sampler started"
        try:
            out, err = self._proc.communicate(timeout=_STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            return "the thread sampler did not finish"
        if self._proc.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            return f"the thread sampler failed ({lines[-1] if lines else self._proc.returncode})"
        try:
            return Timeline.from_bytes(out)
        except (ValueError, KeyError, TypeError):
            return "the thread sampler's timeline was cut short"
