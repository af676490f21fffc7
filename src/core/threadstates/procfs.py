"""A thread's system call and scheduler times, read from /proc/PID/task/TID (Linux only)."""

from __future__ import annotations

import os
import sys

WHY_NOT_LINUX = "thread states need Linux's /proc"

RUNNING = -1  # the syscall file's "running": on a core or runnable (schedstat tells which)

#: One reading: (time on a core ns, time runnable ns, system call or RUNNING, its first argument)
Reading = tuple[int, int, int, int]


def unavailable(pid: int) -> str | None:
    """Why `pid`'s threads cannot be sampled here, or None when they can."""
    if not sys.platform.startswith("linux") or not os.path.isdir(f"/proc/{pid}/task"):
        return WHY_NOT_LINUX
    try:
        files = TaskFiles(pid, pid)
    except OSError as exc:
        return f"thread states need /proc/{pid}/task/*/syscall and schedstat ({exc.strerror})"
    try:
        if files.read() is None:
            return f"process {pid} has ended"
    except OSError as exc:  # the kernel lets no one read another's system calls (ptrace_scope, a container)
        return f"thread states need to read /proc/{pid}/task/*/syscall ({exc.strerror})"
    finally:
        files.close()
    return None


def task_ids(pid: int) -> list[int]:
    """The native ids of `pid`'s threads now (empty once it has ended)."""
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


class TaskFiles:
    """One thread's syscall and schedstat files, held open and re-read at offset 0."""

    __slots__ = ("_schedstat", "_syscall", "tid")

    def __init__(self, pid: int, tid: int) -> None:
        self.tid = tid
        folder = f"/proc/{pid}/task/{tid}/"
        self._syscall = os.open(folder + "syscall", os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._schedstat = os.open(folder + "schedstat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            os.close(self._syscall)
            raise

    def read(self) -> Reading | None:
        """Now: (run ns, runnable ns, system call or RUNNING, first argument); None once the
        thread has ended. A permission error is raised: it is no ended thread."""
        try:
            call = os.pread(self._syscall, 128, 0)
            sched = os.pread(self._schedstat, 64, 0).split(None, 2)
        except ProcessLookupError:
            return None
        if not call or len(sched) < 2:
            return None
        if call[0] == 114:  # b"running"
            return int(sched[0]), int(sched[1]), RUNNING, 0
        fields = call.split(None, 2)
        nr = int(fields[0])
        arg0 = int(fields[1], 16) if len(fields) > 1 else 0
        return int(sched[0]), int(sched[1]), nr if nr >= 0 else -2, arg0

    def close(self) -> None:
        for fd in (self._syscall, self._schedstat):
            try:
                os.close(fd)
            except OSError:
                pass


#: What a process that fetches runs: a worker process (`-m fetchtui.core.runs.processes`) or a
#: fetch process on another interpreter (`-m fetchtui.core.runs.child_main`)
FETCHING_MODULES = ("fetchtui.core.runs.processes", "fetchtui.core.runs.child_main")


def children(pid: int) -> list[int]:
    """`pid`'s child processes now (each thread's own: a worker spawned by any of them)."""
    found: list[int] = []
    for tid in task_ids(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as listing:
                found.extend(int(x) for x in listing.read().split())
        except OSError:
            continue
    return found


def fetching_descendants(pid: int) -> dict[int, str]:
    """The processes below `pid` that fetch, each with the interpreter it was started on (its
    argv[0]: the one a sampler of its threads should run on, to find its GIL the same)."""
    out: dict[int, str] = {}
    todo = children(pid)
    while todo:
        child = todo.pop()
        try:
            with open(f"/proc/{child}/cmdline", "rb") as cmdline:
                argv = cmdline.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 2 and argv[1] == b"-m" and argv[2].decode(errors="replace") in FETCHING_MODULES:
            out[child] = os.fsdecode(argv[0])
        todo.extend(children(child))
    return out
