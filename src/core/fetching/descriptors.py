"""A process that runs out of file descriptors: requests fail as connect, saying so, and the
process still ends cleanly."""

from __future__ import annotations

import errno
import os
import sys

_ran_out: list[OSError] = []  # the first EMFILE/ENFILE this process met, once it has


def out_of_descriptors(seen: OSError | None = None, *, met: bool = False) -> OSError | None:
    """`seen` if it is an EMFILE (or ENFILE), else the one opening a few files meets now, else
    with `met` the one this process met before, or None: a library that hides its own (libcurl
    says `Out of memory`, or could not connect) is told by it."""
    if seen is None:
        opened: list[int] = []
        try:
            for _ in range(4):  # what libcurl's own sockets for one transfer could take
                opened.append(os.open(os.devnull, os.O_RDONLY))
        except OSError as exc:
            seen = exc
        finally:
            for fd in opened:
                os.close(fd)
    if seen is not None and seen.errno in (errno.EMFILE, errno.ENFILE):
        if not _ran_out:
            _ran_out.append(seen)
        return seen
    return _ran_out[0] if met and _ran_out else None


_unwinder: list[int] = []


def preload_unwinder() -> None:
    """Load libgcc_s now, once: glibc loads it when a thread ends at the interpreter's exit
    (pthread_exit), and with no descriptor left to load it with it aborts the process after
    the run ("libgcc_s.so.1 must be installed for pthread_exit to work"). 0.7 ms, Linux only."""
    if _unwinder or not sys.platform.startswith("linux"):
        return
    try:
        import _ctypes

        _unwinder.append(_ctypes.dlopen("libgcc_s.so.1", os.RTLD_NOW))
    except (ImportError, OSError):  # another libc, or none to load: nothing to keep ready
        _unwinder.append(0)
