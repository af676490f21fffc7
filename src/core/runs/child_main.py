"""The fetch process itself: runs each StartRun on a PoolSource and forwards its event batches."""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing.connection import Connection

from fetchtui.core.runs.models import open_source
from fetchtui.core.runs.source import RunSource
from fetchtui.core.runs.wire import CancelRun, PauseRun, ResizeRun, StartRun, child_ends

FORWARD_S = 0.005  # at most 200 batches a second cross the pipe


def _forward(run_id: int, source: RunSource, out: Connection, lock: threading.Lock) -> None:
    while True:
        frame = source.take_frame(run_id)
        if frame is not None:
            with lock:  # one forwarding thread per run, one pipe
                out.send(frame)
            if frame.ends_run:
                source.close()
                return
        time.sleep(FORWARD_S)  # let the next batch gather: one send per 5 ms, not per event


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal's Ctrl-C is the parent's to handle
    commands, out = child_ends()
    lock = threading.Lock()
    sources: dict[int, RunSource] = {}
    while True:
        try:
            command = commands.recv()
        except (EOFError, OSError):
            break
        sources = {run_id: source for run_id, source in sources.items() if not source.ended}
        if isinstance(command, StartRun):
            source = sources[command.run_id] = open_source(command.targets, command.config)
            source.frame_for_pipe()
            threading.Thread(target=_forward, args=(command.run_id, source, out, lock),
                             name="fetchtui-forward", daemon=True).start()
            source.start()
        elif isinstance(command, CancelRun) and command.run_id in sources:
            sources[command.run_id].cancel()
        elif isinstance(command, ResizeRun) and command.run_id in sources:
            sources[command.run_id].resize(command.workers)
        elif isinstance(command, PauseRun) and command.run_id in sources:
            sources[command.run_id].pause(command.paused)
    os._exit(0)  # the parent is gone: threads stuck on a socket must not keep us alive


if __name__ == "__main__":
    main()
