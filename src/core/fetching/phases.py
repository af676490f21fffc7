"""Where a request's time went: DNS, connect, TLS, wait and receive, and the connection it used.

A worker thread opens a Trace per request; the client stamps it as the request goes (the
audit hook in deadline.py stamps the resolver and the connect for any client built on the
socket module; each client stamps what only it sees). The phases are differences of
stamps taken in order, so they never add up to more than the request took.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
import time

from fetchtui.core.runs.events import Phases


def is_name(host: object) -> bool:
    """Whether `host` is a name to resolve, not an IP literal."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or not host:
        return False
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return True
    return False


class ConnIds:
    """Connection ids, unique within one run (the client's lifetime)."""

    def __init__(self) -> None:
        self._next = itertools.count(1)
        # the GIL made next() on a shared count atomic; a free-threaded Python does not
        self._lock = threading.Lock()

    def new(self) -> int:
        with self._lock:  # once per new connection, not per request
            return next(self._next)


class Trace:
    """Stamps of one request, taken on its worker thread; `phases()` reads them out."""

    __slots__ = ("conn_id", "connected", "dns_start", "first_byte", "http_version", "https", "ids",
                 "measured", "new_conn", "secured", "sent", "tcp_start")

    def __init__(self, https: bool, ids: ConnIds) -> None:
        self.https = https
        self.ids = ids
        self.dns_start: int | None = None
        self.tcp_start: int | None = None
        self.connected: int | None = None
        self.secured: int | None = None
        self.sent: int | None = None
        self.first_byte: int | None = None
        self.conn_id: int | None = None
        self.new_conn = False
        self.measured: Phases | None = None  # a client that times the phases itself (libcurl)
        self.http_version: str | None = None  # "HTTP/1.1", "HTTP/2": what the response came in

    # -- stamps --------------------------------------------------------------------------
    def resolving(self, host: object) -> None:
        if self.tcp_start is None and self.dns_start is None and is_name(host):
            self.dns_start = time.perf_counter_ns()

    def connecting(self) -> None:
        if self.tcp_start is None:
            self.tcp_start = time.perf_counter_ns()
            self.new_conn = True

    def connected_now(self) -> None:
        if self.connected is None and self.tcp_start is not None:
            self.connected = time.perf_counter_ns()

    def secured_now(self) -> None:
        if self.secured is None and self.connected is not None:
            self.secured = time.perf_counter_ns()

    def id_of(self, conn: object) -> int:
        """The id of a client's connection object, given it the first time it is seen."""
        conn_id: int | None = getattr(conn, "_fetchtui_conn_id", None)
        if conn_id is None:
            conn_id = self.ids.new()
            try:
                conn._fetchtui_conn_id = conn_id  # type: ignore[attr-defined]
            except AttributeError:  # a slotted object: it goes unnamed
                return conn_id
        return conn_id

    def sending(self, conn_id: int | None) -> None:
        """The request goes out (again, after a redirect: the last one counts)."""
        now = time.perf_counter_ns()
        if self.tcp_start is not None and self.connected is None:
            self.connected = now  # a client that stamps no end of connect: it ends here
        if self.https and self.connected is not None and self.secured is None and self.new_conn:
            self.secured = now  # the handshake is what lies between connect and the first send
        self.sent = now
        self.first_byte = None
        if conn_id is not None:
            self.conn_id = conn_id

    def answered(self) -> None:
        """The response's first byte (its headers) arrived."""
        if self.first_byte is None:
            self.first_byte = time.perf_counter_ns()

    # -- reading -------------------------------------------------------------------------
    def phases(self, done_ns: int) -> Phases:
        if self.measured is not None:
            return self.measured
        new = self.new_conn
        dns = self.tcp_start - self.dns_start if new and self.dns_start and self.tcp_start else None
        connect = self.connected - self.tcp_start if new and self.connected and self.tcp_start else None
        tls = (self.secured - self.connected
               if new and self.https and self.secured and self.connected else None)
        wait = self.first_byte - self.sent if self.first_byte and self.sent else None
        receive = done_ns - self.first_byte if self.first_byte else None
        reused = None if self.conn_id is None and not new else not new
        return Phases(dns, connect, tls, wait, receive, self.conn_id, reused)


_current = threading.local()


def start_trace(url: str, ids: ConnIds) -> Trace:
    trace = Trace(url[:6].lower() == "https:", ids)
    _current.trace = trace
    return trace


def current_trace() -> Trace | None:
    trace: Trace | None = getattr(_current, "trace", None)
    return trace


def end_trace() -> None:
    _current.trace = None
