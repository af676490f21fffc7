"""The processes source: -P worker processes, each a pool of -w threads, taking requests on demand.

Each process has its own interpreter and so its own GIL: the CPU a client spends per request
is paid in parallel, up to one process per core. Request ids come from one counter in a
shared, locked file, so a process that finishes early takes more; nothing is split up
front. Each process sends its events back over a pipe in batches, and the ledger here counts
every request once. A process that dies (killed, crashed) accounts what it had in flight
with the reason, and the others go on with the rest of the list.

The run begins once every process is ready: each imports its model and reads the list, says
so, and waits for the word to go with the run's start instant. A Python process takes about a
tenth of a second to get there; counted in the run, it was a seventh of the wall time of a run
of 30,000 instant requests that was not the server's, and only -P 2 and more paid it.

The processes are spawned as `python -m fetchtui.core.runs.processes`, not through
multiprocessing: that would run the caller's main module again in each one. Each runs the
serve loop the fetch process runs (serve.py), for its one share of the run: OpenRun with the
counter's path (answered RunReady), StartRun with the run's t0, then steering and batches.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.child import last_error
from fetchtui.core.runs.counter import SharedCounter
from fetchtui.core.runs.events import RunEnded
from fetchtui.core.runs.gatherer import Gatherer
from fetchtui.core.runs.packing import Unpacker
from fetchtui.core.runs.serve import serve
from fetchtui.core.runs.source import RunSource
from fetchtui.core.runs.wire import (
    CancelRun,
    Close,
    Command,
    OpenRun,
    PauseRun,
    ResizeRun,
    StartRun,
    spawn,
)

CANCEL_GRACE_S = 0.5  # how long a cancel waits for the processes' last batches, at most
_RUN = 0  # the run's id on each worker process's wire: a process serves the one run


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class _Worker:
    """One worker process seen from the parent: its pipes and its stderr (to explain a death)."""

    def __init__(self) -> None:
        spawned = spawn([sys.executable, "-m", "fetchtui.core.runs.processes"])
        self.proc, self.stderr = spawned.proc, spawned.stderr
        self.commands, self.batches = spawned.commands, spawned.batches

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(2)

    def close(self) -> None:
        for closable in (self.commands, self.batches, self.stderr):
            with contextlib.suppress(OSError):
                closable.close()


class ProcessesSource(RunSource):
    """One run on `config.processes` worker processes of `config.workers` threads each."""

    def __init__(self, targets: Sequence[Target], config: RunConfig) -> None:
        super().__init__(targets, config)
        self.ledger: Gatherer = Gatherer(len(targets), self.events.put, config)
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._readers: list[threading.Thread] = []
        self._running = config.processes  # processes not yet ended or dead
        self._deaths: list[str] = []
        self._timed = False
        self._closed = False
        self._size = config.workers  # threads per process now (a resize changes it)
        self._paused = False
        self._begun = False  # every process said it was ready, and the run is open
        self._dir = tempfile.mkdtemp(prefix="fetchtui-")
        self._counter = SharedCounter(os.path.join(self._dir, "counter"), create=True)

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._workers]

    def start(self) -> None:
        """Spawn the processes (on a thread: pickling a long list takes a moment); returns at
        once. The run opens (RunStarted, its t0) when they are ready."""
        self.ledger.expect_processes(self.config.processes)
        if self.config.planned(len(self.targets)) == 0:  # nothing to run: it ends at once
            self.ledger.open(self.config.concurrency)
            return
        share = OpenRun(_RUN, self.targets, self.config, self._counter.path)
        threading.Thread(target=self._spawn, args=(share,), name="fetchtui-spawner", daemon=True).start()

    def _spawn(self, share: OpenRun) -> None:
        started: list[_Worker] = []
        failed = 0
        for _ in range(self.config.processes):
            with self._lock:
                if self._closed or self.ledger.cancelled:  # _begin tells those spawned so far
                    break
                worker: _Worker | None = None
                try:
                    worker = _Worker()
                except OSError as exc:
                    self._deaths.append(f"cannot start a worker process: {exc}")
                else:
                    self._workers.append(worker)
                    with contextlib.suppress(OSError, ValueError):  # if it died, its reader says
                        worker.commands.send(share)
            if worker is None:
                failed += 1
            else:
                started.append(worker)
        for worker in started:  # they import at once; one that died says nothing, its reader why
            with contextlib.suppress(EOFError, OSError, ValueError):
                worker.batches.recv()  # its RunReady
        if self._begin(started):
            for _ in range(failed):  # after RunStarted, as every end of the run
                self.ledger.process_gone(0)
                self._one_gone()

    def _begin(self, started: list[_Worker]) -> bool:
        """Open the run now that its processes are ready, and let them go; False if it was
        cancelled or closed meanwhile (nothing ran)."""
        with self._lock:
            if self._closed or self.ledger.cancelled:
                self._send_all(Close())  # nothing ran; one spawned after the cancel has not heard it
                return False
            t0 = self.ledger.open(self.config.concurrency)
            self._begun = True
            resized = self._size if self._size != self.config.workers else None
            if resized is not None:  # steered while the processes started
                self.ledger.resize(resized * self.config.processes)
            if self._paused:
                self.ledger.pause(True, announce=False)
            for worker in started:
                reader = threading.Thread(target=self._read, args=(worker,), name="fetchtui-reader",
                                          daemon=True)
                self._readers.append(reader)
                reader.start()
                with contextlib.suppress(OSError, ValueError):  # if it died, its reader says
                    worker.commands.send(StartRun(_RUN, t0, resized, self._paused))
        return True

    def _read(self, worker: _Worker) -> None:
        ended: RunEnded | None = None
        unpacker = Unpacker()
        while ended is None:
            try:
                batch = unpacker.unpack(worker.batches.recv())
            except (EOFError, OSError, TypeError, ValueError):  # dead, or closed under us
                break
            if batch and isinstance(batch[-1], RunEnded):
                ended = batch[-1]
            self.ledger.gather(batch, worker.proc.pid)
        if ended is None:  # it died: what it had in flight ends here, with why
            code = worker.proc.wait()
            said = last_error(worker.stderr)
            why = f"worker process {worker.proc.pid} died ({said or _describe_exit(code)})"
            if not self._closed:
                self.ledger.drop_worker(worker.proc.pid, why)
            with self._lock:
                self._deaths.append(why)
        elif ended.lost is not None:  # its loop died: the ids it held are lost, and why is said
            with self._lock:
                self._deaths.append(f"worker process {worker.proc.pid}: {ended.lost}")
        elif ended.timed:
            self._timed = True
        self.ledger.process_gone(worker.proc.pid)
        self._one_gone()

    def _one_gone(self) -> None:
        with self._lock:
            self._running -= 1
            last = self._running == 0
            deaths = "; ".join(self._deaths) if self._deaths else None
            if last and not self._closed:  # closed: the cancel before it closed the run out
                self.ledger.end_gathered(self._counter.value, self._timed, deaths)

    def resize(self, workers: int) -> bool:
        """Each process's threads to `workers`; the run's size is that times the processes."""
        with self._lock:
            if not self._begun:  # the run opens at this size
                if self.ledger.ended or self.config.stages or workers == self._size:
                    return False
                self._size = workers
                return True
            if not self.ledger.resize(workers * self.config.processes):
                return False
            self._size = workers
            self._send_all(ResizeRun(_RUN, workers))
        return True

    def pause(self, paused: bool) -> bool:
        with self._lock:
            if not self._begun:  # the run opens held
                if self.ledger.ended or paused == self._paused:
                    return False
                self._paused = paused
                return True
            if not self.ledger.pause(paused, announce=False):  # the processes announce it
                return False
            self._paused = paused
            self._send_all(PauseRun(_RUN, paused))
        return True

    def _send_all(self, command: Command) -> None:
        """To every process (under the lock: a Connection is no place for two writers)."""
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):  # a dead one's reader says so
                worker.commands.send(command)

    def cancel(self) -> None:
        """The processes stop taking and cut their sockets, and each closes its share out: the
        run ends with their last batches, so a request a process had started by then is
        accounted as its own (its pid, cancelled in flight), not as never started for want
        of the 5 ms its start had yet to cross. A process that does not answer within
        CANCEL_GRACE_S is not waited for: the run is closed out here."""
        if not self.ledger.ask_cancel():
            return
        self._counter.stop()
        with self._lock:
            self._send_all(CancelRun(_RUN))
            begun = self._begun
        if not begun:  # nothing ran: the processes are told, and the run ends now
            self.ledger.close_out()
            return
        timer = threading.Timer(CANCEL_GRACE_S, self.ledger.close_out)
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        """Cancel, then kill the processes: their sockets close with them; never waits long."""
        self.cancel()
        self.ledger.close_out()  # they are killed next: their last batches would never come
        with self._lock:
            self._closed = True
            workers = list(self._workers)
        for worker in workers:
            worker.kill()
        give_up = time.monotonic() + 2  # a killed process's pipe ends at once: readers see EOF
        for reader in list(self._readers):
            reader.join(max(0.0, give_up - time.monotonic()))
        for worker in workers:
            worker.close()
        self._counter.close()
        with contextlib.suppress(OSError):
            os.unlink(self._counter.path)
            os.rmdir(self._dir)


if __name__ == "__main__":
    serve(one_run=True)
