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


def calibration(limit_s: float = 2.0) -> tuple[GilMark | None, bool]:
    """Make two threads spin in pure Python, read the futex each waits on while this thread
    holds the GIL, and return where those lie (None without a GIL or if none was seen) and
    whether the finding is sure (WANTED waits
    seen in time, an address among them seen more than once): only a sure one is kept.

    The reads go through ctypes' PyDLL, whose calls keep the GIL: an os.pread gives it up and
    waits a switch interval to take it back, and the spinners are then running, not waiting."""
    if not has_gil():
        return None, False
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
        return None, False
    repeated = [address for address, count in seen.items() if count >= 2]
    common = repeated or list(seen)
    path = _file_of(seen.most_common(1)[0][0], _maps(os.getpid()))
    if path is None:
        return None, False
    base = _bases(os.getpid())[path]
    sure = bool(repeated) and sum(seen.values()) >= WANTED
    return GilMark(path, min(common) - base - SLACK, max(common) - base + SLACK), sure


def classifier_for(pid: int) -> Classifier:
    """This Python's classifier for `pid`, a process of the same Python: its GIL found by
    calibrating here, once for each interpreter file (none on a Python without one)."""
    mark = known_mark()
    return Classifier.for_machine(None if mark is None else mark.in_process(pid))


def cache_path() -> str:
    """Where the GIL's offsets are kept between runs: $XDG_CACHE_HOME (an absolute one, as the
    XDG spec asks), else ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fetchtui", "gil.json")


def _identity(path: str) -> list[int]:
    """What tells a file from a rebuilt or upgraded one at the same path."""
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def _read_cache(path: str) -> dict[str, object]:
    """The cache file's entries; empty if it is missing, damaged, not a regular file (a FIFO
    would block the open) or of any other shape."""
    import json
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {}
        read = json.loads(os.read(fd, 1 << 20))
    except (OSError, ValueError, RecursionError):
        return {}
    finally:
        os.close(fd)
    return read if isinstance(read, dict) else {}


def _kept_mark(entry: object) -> GilMark | None:
    """The mark an entry holds, if it is whole and still true of this process: the interpreter
    and the file holding the GIL are the very ones it was found in, and that file is the one
    mapped here (another LD_LIBRARY_PATH maps another libpython)."""
    if not isinstance(entry, dict):
        return None
    path, low, high = entry.get("path"), entry.get("low"), entry.get("high")
    if not isinstance(path, str) or type(low) is not int or type(high) is not int:
        return None
    try:
        if entry.get("python") != _identity(sys.executable) or entry.get("identity") != _identity(path) \
                or path not in _bases(os.getpid()):
            return None
    except (OSError, ValueError):
        return None
    return GilMark(path, low, high)


def known_mark() -> GilMark | None:
    """calibration()'s mark, kept in cache_path() for this interpreter file: the GIL's place in
    a library's static data is the same in every process of it, and a sampler that calibrates
    each run spends ~40 ms of CPU beside the run it samples. Only a sure finding is kept."""
    if not has_gil():
        return None
    key = f"{os.path.realpath(sys.executable)} {sys.version}"
    path = cache_path()
    cache = _read_cache(path)
    kept = _kept_mark(cache.get(key))
    if kept is not None:
        return kept
    mark, sure = calibration()
    if mark is not None and sure:
        cache.pop(key, None)
        _write_cache(path, key, mark, dict(list(cache.items())[-(CACHE_ENTRIES - 1):]))  # bounded
    return mark


def _write_cache(path: str, key: str, mark: GilMark, entries: dict[str, object]) -> None:
    """`entries` and `mark` under `key`, written whole or not at all: another sampler may be
    reading the file. A read-only home or a full disk: calibrate again next time."""
    import json
    import tempfile

    partial = None
    try:
        entries[key] = {"python": _identity(sys.executable), "path": mark.path,
                        "identity": _identity(mark.path), "low": mark.low, "high": mark.high}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=os.path.dirname(path), prefix="gil.json.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out)
        os.replace(partial, path)
    except OSError:
        if partial is not None:
            with contextlib.suppress(OSError):
                os.unlink(partial)
