"""Each worker's socket in a Slot, so a request's total deadline or a cancel can cut it off."""

from __future__ import annotations

import socket
import sys
import threading
from typing import Any

from fetchtui.core.fetching.phases import current_trace


class Slot:
    """The socket a worker thread is using right now, so the pool can cut it off.

    The pool's watchdog shuts the socket down when the request passes its deadline or the
    run is cancelled; a blocked read then returns at once instead of holding the thread.
    """

    __slots__ = ("cancelled", "deadline", "expired", "lock", "sock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.deadline = 0.0
        self.expired = False
        self.cancelled = False

    def attach(self, sock: socket.socket | None) -> None:
        with self.lock:
            self.sock = sock
            if sock is not None and (self.expired or self.cancelled):
                _shutdown(sock)

    def cut(self) -> None:
        """Mark the request cancelled and shut its socket down."""
        with self.lock:
            self.cancelled = True
            if self.sock is not None:
                _shutdown(self.sock)

    def expire_if_overdue(self, now: float) -> None:
        """Past its deadline, a request loses its socket: the blocked read returns."""
        with self.lock:
            if self.sock is not None and not self.expired and self.deadline < now:
                self.expired = True
                _shutdown(self.sock)

    def reset(self, deadline: float) -> None:
        with self.lock:
            self.sock = None
            self.expired = False
            self.deadline = deadline


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing is blocked on it


_current = threading.local()


def set_current_slot(slot: Slot | None) -> None:
    """Tell the clients which slot the calling worker thread's request belongs to."""
    _current.slot = slot


def current_slot() -> Slot | None:
    slot: Slot | None = getattr(_current, "slot", None)
    return slot


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # http.client (under requests/urllib3) announces every send with its connection, whose
    # .sock is the live socket even when the connection is reused from the pool. The resolver
    # and connect are announced for every client built on the socket module: the trace's
    # DNS and connect stamps.
    if event == "http.client.send":
        slot = getattr(_current, "slot", None)
        if slot is not None:
            sock = getattr(args[0], "sock", None)
            if sock is not slot.sock:
                slot.attach(sock)
        trace = current_trace()
        if trace is not None:
            trace.sending(trace.id_of(args[0]))
    elif event == "socket.getaddrinfo":
        trace = current_trace()
        if trace is not None:
            trace.resolving(args[0])
    elif event == "socket.connect":
        trace = current_trace()
        if trace is not None:
            trace.connecting()


_hook_lock = threading.Lock()
_hook_installed = False


def watch_sockets() -> None:
    """Install the audit hook that finds http.client's sockets and stamps each request's
    resolve and connect; once, when a run first needs it.

    An audit hook cannot be removed, so it is installed only when a run starts, and it does
    nothing on a thread that is not running a request.
    """
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_audit)
            _hook_installed = True
