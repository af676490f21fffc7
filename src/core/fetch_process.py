"""The engine in a child process, so a front end's frames never compete with the workers for one GIL.

The live UI paints in Python: in the workers' process every frame took GIL time from them
(1.3x wall time at 10 Hz) and, with 256 busy workers, a key press waited its turn among them
for up to seconds. Here the pool runs in a child; its events come back over a pipe in
batches (one write per FORWARD_S, not per event) and land on an ordinary SimpleQueue, so a
front end drains a `RemoteEngine` exactly as it drains an `Engine`.

Protocol: length-prefixed pickles. Parent -> child on the child's stdin:
("run", run_id, targets, config) and ("cancel", run_id). Child -> parent on a copy of the
child's stdout (fd 1 itself goes to /dev/null, so a stray print cannot corrupt the stream):
(run_id, [events]). The child exits when its stdin closes, so it never outlives the parent.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import IO, Any

from fetchtui.core.engine import Engine, RunConfig, RunHandle, drain
from fetchtui.core.events import Event, Outcome, RequestFinished, RequestStarted, RunEnded, ThreadInfo
from fetchtui.core.targets import Target

FORWARD_S = 0.005  # the child forwards at most 200 batches a second
_HEADER = struct.Struct(">I")


def _write(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    """The next message, or None at end of stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


class RemoteEngine(RunHandle):
    """One run in the child process, driven like an Engine: start, cancel, events."""

    def __init__(self, child: _Child, run_id: int, targets: Sequence[Target],
                 config: RunConfig) -> None:
        super().__init__()
        self.targets = targets
        self.config = config
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.lost: str | None = None  # why the run was cut short by the child dying
        self._child = child
        self.run_id = run_id
        self._done = bytearray(len(targets))
        self._inflight: dict[int, ThreadInfo] = {}
        self._lose_lock = threading.Lock()

    def start(self) -> None:
        """Hand the run to the child; returns at once."""
        why = self._child.register(self)
        if why is not None:  # it died before this run could start
            self._lose(why)
            return
        self._child.send(("run", self.run_id, self.targets, self.config))

    def cancel(self) -> None:
        """Ask the child to cancel; it accounts every request, and its events follow within ms."""
        if self._cancelled or self._ended.is_set():
            return
        self._cancelled = True
        self._child.send(("cancel", self.run_id))

    # -- called by the reader thread ------------------------------------------------------
    def _deliver(self, batch: list[Event]) -> None:
        put, done, inflight = self.events.put, self._done, self._inflight
        for event in batch:
            if isinstance(event, RequestStarted):
                inflight[event.req_id] = event.thread
            elif isinstance(event, RequestFinished):
                done[event.req_id] = 1
                inflight.pop(event.req_id, None)
            put(event)
            if isinstance(event, RunEnded):
                self._ended.set()

    def _lose(self, why: str) -> None:
        """The child is gone mid-run: account what it never reported, so nothing is lost."""
        with self._lose_lock:  # the reader and start() may both find the child gone
            if self._ended.is_set():
                return
            self.lost = why
            now = time.perf_counter_ns()
            put = self.events.put
            for req_id, thread in self._inflight.items():
                self._done[req_id] = 1
                put(RequestFinished(req_id, now, thread, Outcome.CANCELLED, error=why))
            self._inflight.clear()
            start = self._done.find(0)
            while start != -1:
                put(RequestFinished(start, now, None, Outcome.CANCELLED, error=why))
                start = self._done.find(0, start + 1)
            put(RunEnded(now, True))
            self._cancelled = True
            self._ended.set()


class _Child:
    """One spawned child: its pipes, its reader thread and the runs it carries."""

    def __init__(self, command: Sequence[str]) -> None:
        self.stderr = tempfile.TemporaryFile()  # kept to explain a crash
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            start_new_session=True,  # the terminal's signals are the parent's to handle
        )
        self.killed = False
        self.gone: str | None = None  # why the reader stopped: the child is dead
        self._lock = threading.Lock()  # the run table, between the UI thread and the reader
        self._outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._runs: dict[int, RemoteEngine] = {}
        self.reader = threading.Thread(target=self._read_loop, name="fetchtui-reader", daemon=True)
        self.reader.start()
        # pickling a 100,000-line list takes ~0.3 s: a thread of its own, in order, not the UI's
        threading.Thread(target=self._send_loop, name="fetchtui-sender", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self.gone is None

    def register(self, run: RemoteEngine) -> str | None:
        """Carry `run`; returns why not if the child is already gone."""
        with self._lock:
            if self.gone is None:
                self._runs[run.run_id] = run
            return self.gone

    def send(self, message: object) -> None:
        """Queue a command for the child; returns at once. Commands arrive in order."""
        self._outbox.put(message)

    def _send_loop(self) -> None:
        while (message := self._outbox.get()) is not None:
            try:
                assert self.proc.stdin is not None
                _write(self.proc.stdin, message)
            except (OSError, ValueError):
                return  # the child is gone: its reader accounts the runs

    def kill(self) -> None:
        self.killed = True
        self._outbox.put(None)
        self.proc.kill()
        self.proc.wait()
        self.reader.join(2)  # end of stream: it accounts the run in flight
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):  # stdin may hold a write the dead child never read
                    stream.close()

    def _read_loop(self) -> None:
        assert self.proc.stdout is not None
        while (message := _read(self.proc.stdout)) is not None:
            run_id, batch = message
            with self._lock:
                run = self._runs.get(run_id)
            if run is not None:
                run._deliver(batch)
                if run.ended:
                    with self._lock:
                        del self._runs[run_id]
        why = "the fetch process exited"
        if not self.killed:  # not our own close(): say what the child said
            why += f" ({self._last_error() or f'exit code {self.proc.wait()}'})"
        with self._lock:
            self.gone = why
            runs = list(self._runs.values())
            self._runs.clear()
        for run in runs:
            run._lose(why)

    def _last_error(self) -> str:
        try:
            self.stderr.seek(0)
            lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):
            return ""
        return lines[-1][:200] if lines else ""


class FetchProcess:
    """The child process that runs engines, one run after another; started on first use."""

    def __init__(self, command: Sequence[str] | None = None) -> None:
        self._command = list(command or [sys.executable, "-m", "fetchtui.core.fetch_process"])
        self._child: _Child | None = None
        self._next_run = 0

    def start(self) -> None:
        """Spawn the child now (it takes a moment to import); a dead one is replaced."""
        if self._child is None or not self._child.alive:
            if self._child is not None:
                self._child.kill()  # dead already: this closes its pipes and temp file
            self._child = _Child(self._command)

    def engine(self, targets: Sequence[Target], config: RunConfig) -> RemoteEngine:
        """A run of `targets` in the child; call its start() to begin."""
        self.start()
        assert self._child is not None
        self._next_run += 1
        return RemoteEngine(self._child, self._next_run, targets, config)

    def close(self) -> None:
        """Kill the child: sockets close with it, nothing waits on the network."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()

    @property
    def pid(self) -> int | None:
        return self._child.proc.pid if self._child is not None else None


# -- the child --------------------------------------------------------------------------
def _forward(run_id: int, engine: Engine, out: IO[bytes], lock: threading.Lock) -> None:
    while True:
        batch = drain(engine.events, 0.05)
        if batch:
            with lock:  # one forwarding thread per run, one pipe
                _write(out, (run_id, batch))
            if isinstance(batch[-1], RunEnded):
                engine.close()
                return
            time.sleep(FORWARD_S)  # let the next batch gather: one write per 5 ms, not per event


def child_main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    commands = sys.stdin.buffer
    lock = threading.Lock()
    engines: dict[int, Engine] = {}
    while (message := _read(commands)) is not None:
        engines = {run_id: engine for run_id, engine in engines.items() if not engine.ended}
        if message[0] == "run":
            _, run_id, targets, config = message
            engine = engines[run_id] = Engine(targets, config)
            threading.Thread(target=_forward, args=(run_id, engine, out, lock),
                             name="fetchtui-forward", daemon=True).start()
            engine.start()
        elif message[0] == "cancel" and message[1] in engines:
            engines[message[1]].cancel()
    os._exit(0)  # the parent is gone: threads stuck on a socket must not keep us alive


if __name__ == "__main__":
    child_main()
