"""Ctrl-C, SIGTERM and SIGHUP end a headless run the same way; a second one exits at once."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

#: The signals that end a run as Ctrl-C does: `timeout`, `kill`, systemd, `docker stop`, a
#: cancelled CI job send SIGTERM; a closed ssh session or terminal sends SIGHUP.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """A stop signal, raised where the caller asked for an exception rather than a flag."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Stops:
    """While entered, a stop signal sets `event` (or raises Stopped); a second one exits at once.

    `pending` names what the close-out has still to write (an export, the history row): the
    second signal's one line says that it is lost, then the process exits 128+N.
    """

    def __init__(self, *, raise_first: bool = False) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self.pending: list[str] = []
        #: the run is over and its close-out is writing: any signal now exits at once (a
        #: Ctrl-C while a busy history file is waited for must not wait on with it)
        self.closing = False
        self._raise = raise_first
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Stops:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    @property
    def exit_code(self) -> int | None:
        """128 + the first signal's number (130, 143, 129), or None when none came."""
        return 128 + self.signum if self.signum is not None else None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None or self.closing:
            lost = ", ".join(self.pending) if self.pending else "nothing"
            try:
                os.write(sys.stderr.fileno(),
                         f"fetchtui: {signal.Signals(signum).name}{' again' if self.signum else ''}: "
                         f"exiting now; not written: "
                         f"{lost}\n".encode())
            except (OSError, ValueError):
                pass
            os._exit(128 + signum)
        self.signum = signum
        self.event.set()
        if self._raise:
            raise Stopped(signum)
