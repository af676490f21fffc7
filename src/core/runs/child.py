"""The child-process source: the pool runs in a fetch process, so a front end's frames never take its GIL.

The live UI paints in Python: in the workers' process every frame took GIL time from them
(1.3x wall time at 10 Hz) and, with 256 busy workers, a key press waited its turn among them
for up to seconds. Here the pool runs in a child (child_main.py, the serve loop of serve.py);
its events come back over a pipe (wire.py) in the batches the child sent, and each lands on
the run's queue as it came.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Sequence
from typing import IO

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs import interpreter
from fetchtui.core.runs.packing import Packed, Unpacker
from fetchtui.core.runs.source import RunSource
from fetchtui.core.runs.wire import (
    CancelRun,
    Close,
    Command,
    OpenRun,
    PauseRun,
    ResizeRun,
    RunReady,
    StartRun,
    spawn,
)


def last_error(stderr: IO[bytes]) -> str:
    """The last line a dead child wrote to its stderr (kept in a temp file): what it died of."""
    try:
        stderr.seek(0)
        lines = stderr.read().decode(errors="replace").strip().splitlines()
    except (OSError, ValueError):
        return ""
    return lines[-1][:200] if lines else ""


class ChildSource(RunSource):
    """One run in the fetch process, driven like any source: start, cancel, events."""

    def __init__(self, child: _Child, run_id: int, targets: Sequence[Target],
                 config: RunConfig) -> None:
        super().__init__(targets, config)
        self._child = child
        self.run_id = run_id
        self.unpacker = Unpacker()  # the reader's, for this run's batches

    @property
    def pid(self) -> int:
        """The fetch process's: the one whose threads run this run (or start its workers)."""
        return self._child.proc.pid

    def start(self) -> None:
        """Hand the run to the child; returns at once."""
        why = self._child.register(self)
        if why is not None:  # it died before this run could start
            self.ledger.close_out(lost=why)
            return
        self._child.send(OpenRun(self.run_id, self.targets, self.config))
        self._child.send(StartRun(self.run_id))  # its RunReady is not waited for: it starts once open

    def cancel(self) -> None:
        """Ask the child to cancel; it closes the run out, and its events follow within ms."""
        if self.ledger.ask_cancel():
            self._child.send(CancelRun(self.run_id))

    def resize(self, workers: int) -> bool:
        """Ask the child to resize; its PoolResized comes back with the events."""
        if self.ended or self.cancelled:
            return False
        self._child.send(ResizeRun(self.run_id, workers))
        return True

    def pause(self, paused: bool) -> bool:
        if self.ended or self.cancelled:
            return False
        self._child.send(PauseRun(self.run_id, paused))
        return True


class _Child:
    """One spawned child: its pipes, its reader and sender threads, and the runs it carries."""

    def __init__(self, command: Sequence[str]) -> None:
        spawned = spawn(command)
        self.proc, self.stderr = spawned.proc, spawned.stderr
        self._commands, self._batches = spawned.commands, spawned.batches
        self.killed = False
        self.gone: str | None = None  # why the reader stopped: the child is dead
        self._lock = threading.Lock()  # the run table, between the caller and the reader
        self._outbox: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._runs: dict[int, ChildSource] = {}
        self.reader = threading.Thread(target=self._read_loop, name="fetchtui-reader", daemon=True)
        self.reader.start()
        # pickling a 100,000-line list takes ~0.3 s: a thread of its own, in order, not the UI's
        threading.Thread(target=self._send_loop, name="fetchtui-sender", daemon=True).start()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self.gone is None

    def register(self, run: ChildSource) -> str | None:
        """Carry `run`; returns why not if the child is already gone."""
        with self._lock:
            if self.gone is None:
                self._runs[run.run_id] = run
            return self.gone

    def send(self, command: Command) -> None:
        """Queue a command for the child; returns at once. Commands arrive in order."""
        self._outbox.put(command)

    def _send_loop(self) -> None:
        while True:
            command = self._outbox.get()
            try:
                self._commands.send(command)
            except (OSError, ValueError):
                return  # the child is gone: its reader closes the runs out
            if isinstance(command, Close):
                return

    def kill(self) -> None:
        self.killed = True
        self._outbox.put(Close())  # the sender's last word; the kill does not wait for it
        self.proc.kill()
        self.proc.wait()
        self.reader.join(2)  # end of stream: it closes out the run in flight
        for closable in (self._commands, self._batches, self.stderr):
            with contextlib.suppress(OSError):  # the pipe may hold a write the dead child never read
                closable.close()

    def _read_loop(self) -> None:
        unreadable: str | None = None  # what it sent instead of a batch, if it did
        while True:
            try:
                batch = self._batches.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # it does not unpickle here: another wire
                unreadable = f"{type(exc).__name__}: {exc}"
                break
            if isinstance(batch, RunReady):  # each run starts as it opens: nothing waits for it
                continue
            if not isinstance(batch, Packed):
                unreadable = f"a {type(batch).__name__}"
                break
            with self._lock:
                run = self._runs.get(batch.run_id)
            if run is not None:
                run.ledger.relay(run.unpacker.unpack(batch))
                if run.ended:
                    with self._lock:
                        del self._runs[batch.run_id]
        why = "the fetch process exited"
        if unreadable is not None:  # a run would wait for it forever: it goes, and says why
            why = (f"the fetch process sent what this fetchtui cannot read ({unreadable[:120]}): "
                   "is the same fetchtui installed on its Python?")
            with contextlib.suppress(OSError):
                self.proc.kill()
        elif not self.killed:  # not our own close(): say what the child said
            why += f" ({self._last_error() or f'exit code {self.proc.wait()}'})"
        with self._lock:
            self.gone = why
            runs = list(self._runs.values())
            self._runs.clear()
        # Our own close() (quitting, SIGTERM, SIGHUP) cut the runs off as a cancel does: their
        # requests were cancelled, the fetch process did not fail them.
        lost = None if self.killed and unreadable is None else why
        for run in runs:
            run.ledger.close_out(lost=lost)

    def _last_error(self) -> str:
        return last_error(self.stderr)


class FetchProcess:
    """The fetch process that carries a front end's runs, one after another; spawned on first
    use, on `python` (None: this interpreter)."""

    def __init__(self, command: Sequence[str] | None = None, python: str | None = None) -> None:
        self._python = None if interpreter.same(python) else python
        python_path = self._python or sys.executable
        self._command = list(command or [python_path, "-m", "fetchtui.core.runs.child_main"])
        self._child: _Child | None = None
        self._next_run = 0

    def warm(self) -> None:
        """Spawn the child now (it takes a moment to import); a dead one is replaced. Another
        interpreter is asked first whether it can run fetchtui (InterpreterError if not)."""
        if self._child is None or not self._child.alive:
            if self._python is not None:
                interpreter.probe(self._python)
            if self._child is not None:
                self._child.kill()  # dead already: this closes its pipes and temp file
            self._child = _Child(self._command)

    def open(self, targets: Sequence[Target], config: RunConfig) -> RunSource:
        """A run of `targets` in the child; call its start() to begin. A multi-process model's
        processes are the child's: gathering their batches here took the UI's GIL (at
        curl-multi -P 2, 40,000 requests a second, the lag p99 was 240 ms and a key took up
        to 560 ms), and on another interpreter they run on the child's."""
        self.warm()
        assert self._child is not None
        self._next_run += 1
        return ChildSource(self._child, self._next_run, targets, config)

    def close(self) -> None:
        """Kill the child: sockets close with it, nothing waits on the network."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()

    @property
    def pid(self) -> int | None:
        return self._child.proc.pid if self._child is not None else None


class FetchProcesses:
    """A front end's fetch processes, one per interpreter its runs ask for (config.python)."""

    def __init__(self) -> None:
        self._by_python: dict[str | None, FetchProcess] = {}

    def process(self, python: str | None) -> FetchProcess:
        key = None if interpreter.same(python) else python
        if key not in self._by_python:
            self._by_python[key] = FetchProcess(python=key)
        return self._by_python[key]

    def warm(self, python: str | None = None) -> None:
        self.process(python).warm()

    def open(self, targets: Sequence[Target], config: RunConfig) -> RunSource:
        return self.process(config.python).open(targets, config)

    def close(self) -> None:
        for fetch in self._by_python.values():
            fetch.close()

    @property
    def pid(self) -> int | None:
        """The own interpreter's fetch process, if spawned."""
        fetch = self._by_python.get(None)
        return fetch.pid if fetch is not None else None
