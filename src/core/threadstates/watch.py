"""Sampling a process's threads while it runs: from a child process (no GIL taken from the
sampled one), or from a daemon thread inside it; either ends with the Timeline, or why not."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from fetchtui.core.runs.child_env import child_env
from fetchtui.core.threadstates.frames import READY, TICKS, TIMELINE, TOTALS
from fetchtui.core.threadstates.procfs import unavailable as unavailable  # read here: tests replace it
from fetchtui.core.threadstates.timeline import HZ, Timeline

if TYPE_CHECKING:
    from fetchtui.core.threadstates.kinds import Classifier
    from fetchtui.core.threadstates.live import LiveTotals

# The sampler and the GIL's calibration are imported where they run (the child, a ThreadWatch):
# a run that samples from a child pays only for starting it.

_STOP_WAIT_S = 5.0  # the most stop() waits for a child's timeline
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
        from fetchtui.core.threadstates.gil import classifier_for
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
    until its stdin closes. A thread here reads what it sends: stop() the timeline it writes
    last; with `live`, totals() is the latest of its half-second totals and timeline_so_far()
the ticks sent with them (a live view's)."""

    def __init__(self, pid: int | None = None, hz: float = HZ, python: str | None = None,
                 live: bool = False) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.why = unavailable(self.pid)
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = False  # its first byte said it is sampling
        self._first = threading.Event()  # its first byte (or its end) has been read
        self._totals: LiveTotals | None = None
        self._timeline: bytes | None = None
        self._so_far: Timeline | None = None  # with `live`: the ticks sent so far
        self._so_far_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        if self.why is None:
            try:
                command = [python or sys.executable, "-m", "fetchtui.core.threadstates.child", str(self.pid),
                           str(hz)]
                if live:  # only a live view pays for the totals (parsed here, under this GIL)
                    command.append("live")
                self._proc = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
            except OSError as exc:
                self.why = f"the thread sampler did not start ({exc.strerror})"
            else:
                self._reader = threading.Thread(target=self._read, name="fetchtui-states-read", daemon=True)
                self._reader.start()

    def _read(self) -> None:
        """Read the child's first byte, then its frames until it ends: keep the latest totals
        and the timeline."""
        from fetchtui.core.threadstates.live import LiveTotals

        assert self._proc is not None and self._proc.stdout is not None
        out = self._proc.stdout
        try:
            self._ready = out.read(1) == READY
        finally:
            self._first.set()
        while self._ready:
            head = out.read(5)
            if len(head) < 5:
                return
            data = out.read(int.from_bytes(head[1:], "little"))
            if head[:1] == TIMELINE:
                self._timeline = data
            elif head[:1] == TOTALS:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    self._totals = LiveTotals.from_bytes(data)
            elif head[:1] == TICKS:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    self._add_ticks(Timeline.from_bytes(data))

    def _add_ticks(self, later: Timeline) -> None:
        with self._so_far_lock:
            if self._so_far is None:
                self._so_far = later
            else:
                self._so_far.extend(later)

    def timeline_so_far(self) -> Timeline | None:
        """A copy of the ticks sent so far (with `live`; None before the first): never waits
        on the child."""
        with self._so_far_lock:
            return None if self._so_far is None else self._so_far.copy()

    def ready(self, within: float) -> bool:
        """Wait up to `within` seconds for the child to be sampling (a test's window starts then)."""
        if self._proc is None:
            return False
        self._first.wait(within)
        return self._ready

    def totals(self) -> LiveTotals | None:
        """The child's latest totals (None before its first, half a second in): never waits."""
        return self._totals

    def close(self) -> None:
        """Tell the child to stop, once it is sampling (stop() then reads its timeline): many
        children are all told first, then each read."""
        proc = self._proc
        if proc is None or proc.stdin is None or not self.ready(within=0):
            return
        with contextlib.suppress(OSError):
            proc.stdin.close()
        proc.stdin = None

    def _end(self, kill: bool) -> tuple[int | None, str]:
        """Wait for the child (killed first if `kill`) and its reader: its exit code, its last
        line of stderr."""
        proc = self._proc
        assert proc is not None
        if kill:
            proc.kill()
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            proc.stdin = None
        try:
            code = proc.wait(_STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        if self._reader is not None:
            self._reader.join(_STOP_WAIT_S)
        err = proc.stderr.read() if proc.stderr is not None else b""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        lines = err.decode(errors="replace").strip().splitlines()
        return code, lines[-1] if lines else ""

    def stop(self) -> Timeline | str:
        """The timeline, or why there is none; never waits more than a few seconds. A child
        not yet sampling is ended at once: a short run does not wait for its start-up."""
        if self._proc is None:
            return self.why or "the thread sampler did not start"
        if not self.ready(within=0):
            ended = self._proc.poll()
            _, last = self._end(kill=True)
            if ended:  # it failed on its own, before sampling
                return f"the thread sampler failed ({last or ended})"
            return "the run was over before the thread sampler started"
        self.close()
        assert self._reader is not None
        self._reader.join(_STOP_WAIT_S)
        if self._reader.is_alive():
            self._end(kill=True)
            return "the thread sampler did not finish"
        code, last = self._end(kill=False)
        if code != 0:
            return f"the thread sampler failed ({last or code})"
        if self._timeline is None:
            return "the thread sampler's timeline was cut short"
        try:
            return Timeline.from_bytes(self._timeline)
        except (ValueError, KeyError, TypeError):
            return "the thread sampler's timeline was cut short"
