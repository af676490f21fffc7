"""What crosses the pipe between a parent and a process that fetches for it (multiprocessing framing).

Both kinds of such process speak it, through the one serve loop (serve.py): the fetch process
a front end runs its runs in, and each worker process of a multi-process run. Parent ->
child, on the child's stdin: the commands below (OpenRun, StartRun, CancelRun, ResizeRun,
PauseRun, Close). Child -> parent, on a copy of the child's stdout (fd 1 itself goes to
/dev/null, so a stray print cannot corrupt the stream): a RunReady for each OpenRun, and a
Packed batch (packing.py) per forwarding tick, holding the events exactly as the run's
ledger wrote them into it.
The child exits when its stdin closes (or on Close), so it never outlives the parent.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import IO

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.child_env import child_env


@dataclass(frozen=True, slots=True)
class OpenRun:
    """Make a run ready to start: its model imported, its list read. `counter` is the path of
    the id counter (counter.py) a multi-process run's worker processes share: the run is then
    one process's share of it, its ids taken from there. Answered with RunReady."""

    run_id: int
    targets: Sequence[Target]
    config: RunConfig
    counter: str | None = None


@dataclass(frozen=True, slots=True)
class StartRun:
    """Start an opened run; `t0` is its start instant where the parent chose it (a worker
    process's share of a run, so every process's clock and schedule agree), else now. A
    size and a pause asked while it opened are how it starts: `workers` (None: the
    config's), and `paused`, held before its first request."""

    run_id: int
    t0: int | None = None
    workers: int | None = None
    paused: bool = False


@dataclass(frozen=True, slots=True)
class CancelRun:
    """Cancel a run: a started one closes its run out; one not started yet is dropped."""

    run_id: int


@dataclass(frozen=True, slots=True)
class ResizeRun:
    run_id: int
    workers: int


@dataclass(frozen=True, slots=True)
class PauseRun:
    run_id: int
    paused: bool


@dataclass(frozen=True, slots=True)
class Close:
    """End the process at once, as its stdin closing does: whatever it runs is cut with it."""


@dataclass(frozen=True, slots=True)
class RunReady:
    """The answer to an OpenRun: the run can start at once."""

    run_id: int


Command = OpenRun | StartRun | CancelRun | ResizeRun | PauseRun | Close


@dataclass
class Spawned:
    """A child process started to speak this wire: commands out, batches in, and its stderr
    in a temp file (kept to explain a crash)."""

    proc: subprocess.Popen[bytes]
    commands: Connection
    batches: Connection
    stderr: IO[bytes]


def spawn(command: Sequence[str]) -> Spawned:
    """Start `command` with its stdin and stdout as the wire, in a session of its own: the
    terminal's signals (Ctrl-C) are the parent's to handle."""
    stderr = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                            start_new_session=True, env=child_env())
    assert proc.stdin is not None and proc.stdout is not None
    commands, batches = parent_ends(os.dup(proc.stdin.fileno()), os.dup(proc.stdout.fileno()))
    proc.stdin.close()
    proc.stdout.close()
    return Spawned(proc, commands, batches, stderr)


def parent_ends(stdin_fd: int, stdout_fd: int) -> tuple[Connection, Connection]:
    """(commands out, batches in) over a spawned child's stdin and stdout pipes (taken over)."""
    return Connection(stdin_fd, readable=False), Connection(stdout_fd, writable=False)


def child_ends() -> tuple[Connection, Connection]:
    """(commands in, batches out) in the child; fd 1 is pointed at /dev/null."""
    out = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return Connection(0, writable=False), Connection(out, readable=False)
