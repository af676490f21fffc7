"""What crosses the pipe between a front end and its fetch process, framed by multiprocessing.connection.

Parent -> child, on the child's stdin: StartRun, CancelRun, ResizeRun, PauseRun. Child ->
parent, on a copy of the child's stdout (fd 1 itself goes to /dev/null, so a stray print
cannot corrupt the stream):
a Packed batch (packing.py), one per forwarding tick, holding the events exactly as the child's
ledger wrote them into it.
The child exits when its stdin closes, so it never outlives the parent.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import IO

from fetchtui.core.config import RunConfig
from fetchtui.core.targets import Target


@dataclass(frozen=True, slots=True)
class StartRun:
    run_id: int
    targets: Sequence[Target]
    config: RunConfig


@dataclass(frozen=True, slots=True)
class CancelRun:
    run_id: int


@dataclass(frozen=True, slots=True)
class ResizeRun:
    run_id: int
    workers: int


@dataclass(frozen=True, slots=True)
class PauseRun:
    run_id: int
    paused: bool


Command = StartRun | CancelRun | ResizeRun | PauseRun


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
                            start_new_session=True)
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
