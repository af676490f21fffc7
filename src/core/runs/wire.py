"""What crosses the pipe between a front end and its fetch process, framed by multiprocessing.connection.

Parent -> child, on the child's stdin: StartRun, CancelRun. Child -> parent, on a copy of the
child's stdout (fd 1 itself goes to /dev/null, so a stray print cannot corrupt the stream):
Batch, one per forwarding tick, holding the events exactly as the child's queue grouped them.
The child exits when its stdin closes, so it never outlives the parent.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from fetchtui.core.config import RunConfig
from fetchtui.core.events import Event
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
class Batch:
    run_id: int
    events: list[Event]


Command = StartRun | CancelRun


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
