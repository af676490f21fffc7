"""Where the GIL's futexes lie: found once by making threads wait for it, carried to another
process of the same Python by the offset into the library (or binary) that holds them."""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import threading
import time
from dataclasses import dataclass

from fetchtui.core.threadstates.kinds import Classifier

SLACK = 256  # bytes either side of the addresses seen: the GIL's mutex, condition and switch condition
CACHE_ENTRIES = 16  # interpreters whose GIL is kept in the cache file
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


def classifier_for(pid: int) -> Classifier:
    """This Python's classifier for `pid`, a process of the same Python: its GIL found by
    calibrating here, once for each interpreter file (none on a Python without one)."""
    mark = known_mark()
    return Classifier.for_machine(None if mark is None else mark.in_process(pid))


def cache_path() -> str:
    """Where the GIL's offsets are kept between runs (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fetchtui", "gil.json")


def _identity(path: str) -> list[int]:
    """What tells a file from a rebuilt or upgraded one at the same path."""
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def known_mark() -> GilMark | None:
    """calibrate()'s answer, kept in cache_path() for this interpreter file: the GIL's place in
    a library's static data is the same in every process of it, and a sampler that calibrates
    each run spends ~40 ms of CPU beside the run it samples. An entry counts only while the
    interpreter and the file holding the GIL are the very files it was found in."""
    if not has_gil():
        return None
    import json

    key = f"{os.path.realpath(sys.executable)} {sys.version}"
    path = cache_path()
    cache: dict[str, object] = {}
    try:
        with open(path, encoding="utf-8") as kept:
            read = json.load(kept)
        cache = read if isinstance(read, dict) else {}
        entry = cache.get(key)
        if isinstance(entry, dict) and isinstance(entry["path"], str) \
                and entry["python"] == _identity(sys.executable) \
                and entry["identity"] == _identity(entry["path"]):
            return GilMark(str(entry["path"]), int(entry["low"]), int(entry["high"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    mark = calibrate()
    if mark is None:
        return None
    cache.pop(key, None)
    kept_entries = dict(list(cache.items())[-(CACHE_ENTRIES - 1):])  # the newest only: bounded
    partial = f"{path}.{os.getpid()}"
    try:
        kept_entries[key] = {"python": _identity(sys.executable), "path": mark.path,
                             "identity": _identity(mark.path), "low": mark.low, "high": mark.high}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(kept_entries, out)
        os.replace(partial, path)  # whole or not at all: another sampler may be reading it
    except OSError:  # a read-only home, a full disk: calibrate again next time
        with contextlib.suppress(OSError):
            os.unlink(partial)
    return mark
