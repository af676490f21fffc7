"""Where the GIL's futexes lie: found once by making threads wait for it, carried to another
process of the same Python by the offset into the library (or binary) that holds them."""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
from dataclasses import dataclass

from fetchtui.core.threadstates.kinds import Classifier

SLACK = 256  # bytes either side of the addresses seen: the GIL's mutex, condition and switch condition
WANTED = 24  # futex waits seen on the calibrating threads before the range is trusted


def has_gil() -> bool:
    """Whether this Python runs with a GIL (3.13t and newer can run without one)."""
    enabled = getattr(sys, "_is_gil_enabled", None)
    return True if enabled is None else bool(enabled())


@dataclass(frozen=True, slots=True)
class GilMark:
    """The GIL's futex addresses as offsets into the mapped file `path` (from its lowest mapping)."""

    path: str
    low: int
    high: int

    def in_process(self, pid: int) -> tuple[int, int] | None:
        """The addresses in process `pid`, or None where it has not mapped the same file."""
        base = _bases(pid).get(self.path)
        return None if base is None else (base + self.low, base + self.high)


def _maps(pid: int) -> list[tuple[int, int, str]]:
    rows = []
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            parts = line.split(maxsplit=5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            rows.append((start, end, parts[5].strip() if len(parts) > 5 else ""))
    return rows


def _bases(pid: int) -> dict[str, int]:
    bases: dict[str, int] = {}
    for start, _end, path in _maps(pid):
        if path.startswith("/") and path not in bases:
            bases[path] = start
    return bases


def _file_of(address: int, maps: list[tuple[int, int, str]]) -> str | None:
    """The file whose mappings hold `address`: a .bss past the file's pages is an anonymous
    mapping right after them, so the nearest file mapped below it."""
    below = None
    for start, end, path in maps:
        if start > address:
            break
        if path.startswith("/"):
            below = path
        if start <= address < end:
            return path if path.startswith("/") else below
    return None


def calibrate(limit_s: float = 2.0) -> GilMark | None:
    """Make two threads spin in pure Python, read the futex each waits on while this thread
    holds the GIL, and return where those lie; None without a GIL or if none was seen.

    The reads go through ctypes' PyDLL, whose calls keep the GIL: an os.pread gives it up and
    waits a switch interval to take it back, and the spinners are then running, not waiting."""
    if not has_gil():
        return None
    import ctypes

    libc = ctypes.PyDLL(None)
    pread = libc.pread
    pread.restype, pread.argtypes = ctypes.c_ssize_t, [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t,
                                                       ctypes.c_long]
    stop = threading.Event()
    spinning: list[int] = []

    def spin() -> None:
        spinning.append(1)  # past its start-up's own locks: from here it waits on the GIL alone
        while not stop.is_set():
            pass

    spinners = [threading.Thread(target=spin, name="fetchtui-gil-probe", daemon=True) for _ in range(2)]
    seen: collections.Counter[int] = collections.Counter()
    futex = Classifier.for_machine().futex
    buffer = ctypes.create_string_buffer(128)
    fds: list[int] = []
    try:
        for thread in spinners:
            thread.start()
            fds.append(os.open(f"/proc/self/task/{thread.native_id}/syscall", os.O_RDONLY | os.O_CLOEXEC))
        give_up = time.monotonic() + limit_s
        while len(spinning) < len(spinners) and time.monotonic() < give_up:
            time.sleep(0.001)
        while sum(seen.values()) < WANTED and time.monotonic() < give_up:
            for fd in fds:
                size = pread(fd, buffer, 128, 0)
                call = buffer.raw[:max(0, size)].split()
                if len(call) > 1 and call[0].isdigit() and int(call[0]) in futex:
                    seen[int(call[1], 16)] += 1
    finally:
        stop.set()
        for fd in fds:
            os.close(fd)
        for thread in spinners:
            thread.join()
    if not seen:
        return None
    common = [address for address, count in seen.items() if count >= 2] or list(seen)
    path = _file_of(seen.most_common(1)[0][0], _maps(os.getpid()))
    if path is None:
        return None
    base = _bases(os.getpid())[path]
    return GilMark(path, min(common) - base - SLACK, max(common) - base + SLACK)
