"""The thread states, and which system call a sleeping thread waits in means which state."""

from __future__ import annotations

import os
from dataclasses import dataclass

from fetchtui.core.threadstates.procfs import RUNNING

__all__ = ["RUNNING", "STATES", "Classifier"]

#: Every state, in the order the figures list them.
STATES = ("cpu", "runnable", "gil", "lock", "net", "idle", "other")
CPU, RUNNABLE, GIL, LOCK, NET, IDLE, OTHER = range(len(STATES))

#: What a state means, in a sentence (the help and the trace's legend read these).
MEANING = {
    "cpu": "on a core, running (Python, or C code such as a client's parser)",
    "runnable": "ready to run but waiting for a core: the machine's cores are all busy",
    "gil": "waiting for the GIL: another thread of the process is running Python",
    "lock": "waiting on a lock other than the GIL (a connection pool's, a queue's, an object's)",
    "net": "waiting on the network (poll, select, epoll, recv, send, connect)",
    "idle": "a worker with no request, waiting for work (or asleep)",
    "other": "waiting in some other system call, or a wait not seen by a sample",
}


# System call numbers by machine: the lock waits, the network waits and the sleeps.
_SYSCALLS = {
    "x86_64": {"futex": (202, 449), "net": (7, 23, 232, 270, 271, 281, 441, 42, 43, 288, 44, 45, 46, 47, 299,
                                                307),
               "sleep": (35, 230)},
    "aarch64": {"futex": (98, 449), "net": (72, 73, 22, 441, 203, 202, 242, 206, 207, 211, 212, 243, 269),
                "sleep": (101, 115)},
}


@dataclass(frozen=True, slots=True)
class Classifier:
    """Tells a sleeping thread's state from its system call and first argument. `gil` is the
    range of addresses the GIL's futexes lie in (None: no GIL, or not told apart)."""

    futex: frozenset[int]
    net: frozenset[int]
    sleep: frozenset[int]
    gil: tuple[int, int] | None = None

    @classmethod
    def for_machine(cls, gil: tuple[int, int] | None = None, machine: str | None = None) -> Classifier:
        table = _SYSCALLS.get(machine or os.uname().machine, _SYSCALLS["x86_64"])
        return cls(frozenset(table["futex"]), frozenset(table["net"]), frozenset(table["sleep"]), gil)

    @property
    def known(self) -> bool:
        """Whether this machine's system call numbers are known (else every wait is `other`)."""
        return os.uname().machine in _SYSCALLS

    def sleeping(self, nr: int, arg0: int) -> int:
        """The state of a thread asleep in system call `nr` with first argument `arg0`."""
        if nr in self.futex:
            gil = self.gil
            return GIL if gil is not None and gil[0] <= arg0 <= gil[1] else LOCK
        if nr in self.net:
            return NET
        if nr in self.sleep:
            return IDLE
        return OTHER
