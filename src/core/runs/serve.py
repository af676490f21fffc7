"""The one serve loop of a process that fetches for a parent: the fetch process and each worker process.

Both read the same typed commands (wire.py) off their stdin and answer on their stdout: an
OpenRun with a RunReady, a started run with its packed batches, one every FORWARD_S. They
differ in one thing: a worker process serves one run (its share of a multi-process run) and
exits once that run is over, where the fetch process serves a front end's runs, one after
another, until its parent goes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import NoReturn

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
    child_ends,
)

FORWARD_S = 0.005  # at most 200 batches a second cross a pipe, not one per event

#: An opened run, made into its source when it starts (with its t0, if the parent chose one).
Opened = Callable[[int | None], RunSource]


def open_run(command: OpenRun) -> Opened:
    """Get `command`'s run ready: a whole run on its model's source, or, with a counter, one
    worker process's share of a run on its model's per-process source (its client imported
    now, so the process is ready when it says so)."""
    if command.counter is None:
        from fetchtui.core.runs.models import open_source

        return lambda t0: open_source(command.targets, command.config)
    from fetchtui.core import registry
    from fetchtui.core.fetching.descriptors import preload_unwinder
    from fetchtui.core.runs.counter import SharedCounter

    counter = SharedCounter(command.counter)
    total = command.config.planned(len(command.targets))
    per_process = registry.MODELS[command.config.model].per_process_class()  # imports its client
    preload_unwinder()

    def share(t0: int | None) -> RunSource:
        return per_process(command.targets, command.config,  # type: ignore[no-any-return]
                           dispense=lambda count: counter.take(total, count), t0=t0)

    return share


class Server:
    """One process's end of the wire: its commands in, its runs' batches out."""

    def __init__(self, one_run: bool) -> None:
        self._commands, self._out = child_ends()
        self._one_run = one_run  # a worker process: its run over, it exits
        self._lock = threading.Lock()  # one pipe out: the loop's answers and each run's forwarder
        self._opened: dict[int, Opened] = {}
        self._running: dict[int, RunSource] = {}

    def serve(self) -> NoReturn:
        """Take commands until the parent goes (its end of the pipe closes) or says Close."""
        while True:
            try:
                command = self._commands.recv()
            except (EOFError, OSError):
                break
            if isinstance(command, Close) or not self.handle(command):
                break
        os._exit(0)  # threads stuck on a socket must not keep the process alive

    def handle(self, command: Command) -> bool:
        """Carry one command out; False once the process has nothing left to do."""
        self._running = {run_id: run for run_id, run in self._running.items() if not run.ended}
        if isinstance(command, OpenRun):
            self._opened[command.run_id] = open_run(command)
            return self._send(RunReady(command.run_id))
        if isinstance(command, StartRun) and command.run_id in self._opened:
            self._start(command, self._opened.pop(command.run_id)(command.t0))
        elif isinstance(command, CancelRun) and command.run_id in self._opened:
            del self._opened[command.run_id]  # nothing ran
            return not self._one_run
        elif isinstance(command, CancelRun) and command.run_id in self._running:
            self._running[command.run_id].cancel()
        elif isinstance(command, ResizeRun) and command.run_id in self._running:
            self._running[command.run_id].resize(command.workers)
        elif isinstance(command, PauseRun) and command.run_id in self._running:
            self._running[command.run_id].pause(command.paused)
        return True

    def _send(self, message: object) -> bool:
        """False if the parent is gone."""
        try:
            with self._lock:
                self._out.send(message)
        except (OSError, ValueError):
            return False
        return True

    def _start(self, command: StartRun, source: RunSource) -> None:
        self._running[command.run_id] = source
        source.frame_for_pipe()  # before a command can make the ledger emit: nothing goes astray
        if command.paused:
            source.pause(True)  # before the start: not one request begins
        threading.Thread(target=self._forward, args=(command.run_id, source), name="fetchtui-forward",
                         daemon=True).start()
        source.start()
        if command.workers is not None:
            source.resize(command.workers)  # after: the run opens at its config's size

    def _forward(self, run_id: int, source: RunSource) -> None:
        while True:
            frame = source.take_frame(run_id)
            if frame is not None and (not self._send(frame) or frame.ends_run):
                break  # the run is over, or the parent is gone
            time.sleep(FORWARD_S)  # let the next batch gather: one send per 5 ms, not per event
        source.close()
        if self._one_run:
            os._exit(0)


def serve(one_run: bool) -> NoReturn:
    """Be a process that fetches for its parent: a worker process (`one_run`) or the fetch process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal's Ctrl-C is the parent's to handle
    Server(one_run).serve()
