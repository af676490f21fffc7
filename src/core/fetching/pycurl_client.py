"""pycurl: libcurl does the HTTP in C and lets go of the GIL while it waits and while it parses.

One easy handle per worker thread, each keeping its one connection alive (MAXCONNECTS 1), so
a worker reuses its connection as a shared pool would. The same limits as the other clients:
a total deadline (libcurl's own, and the pool's watchdog cuts the socket), a body cap
(MAXFILESIZE, which libcurl 8.9 and newer hold a body of unknown size to as well; before,
the write callback), the head limits, redirects, TLS checks; the phases come from libcurl's
own clock (getinfo's *_TIME_T).
"""

from __future__ import annotations

import re
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import pycurl

from fetchtui.core.fetching.deadline import current_slot
from fetchtui.core.fetching.descriptors import out_of_descriptors
from fetchtui.core.fetching.errors import (
    BAD_FRAMING,
    HEAD_CUT,
    HEAD_TOO_BIG,
    MAX_HEADER_LINE,
    MAX_HEADER_LINES,
    TRANSFER_ENCODING,
    FetchError,
    framing_problem,
    heads_problem,
    last_head,
    malformed,
    malformed_line,
)
from fetchtui.core.fetching.phases import ConnIds, current_trace, is_name
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.fetching.redirects import REDIRECT_CODES, carries_secrets, next_hop
from fetchtui.core.fetching.result import BodyCap, FetchResult
from fetchtui.core.fetching.tls import Tls
from fetchtui.core.fetching.url_ascii import ascii_url
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import ErrorKind, PhaseFields, Phases

_KINDS: dict[int, ErrorKind] = {
    pycurl.E_OPERATION_TIMEDOUT: "timeout",
    pycurl.E_COULDNT_CONNECT: "connect",
    pycurl.E_COULDNT_RESOLVE_HOST: "connect",
    pycurl.E_SSL_CONNECT_ERROR: "tls",
    pycurl.E_PEER_FAILED_VERIFICATION: "tls",
    pycurl.E_SSL_CACERT_BADFILE: "tls",
    pycurl.E_SSL_CERTPROBLEM: "tls",
    pycurl.E_TOO_MANY_REDIRECTS: "redirects",
    pycurl.E_FILESIZE_EXCEEDED: "too_large",
    pycurl.E_GOT_NOTHING: "reset",
    pycurl.E_RECV_ERROR: "reset",
    pycurl.E_SEND_ERROR: "reset",
    pycurl.E_PARTIAL_FILE: "reset",
}


# libcurl 8.9 and newer hold a transfer to limits of their own: a head to 5,000 lines and a
# line to 100 KiB, a body of unknown size to MAXFILESIZE as it comes. Older ones are held to
# them by _header and _write.
_LIBCURL_CAPS = pycurl.version_info()[2] >= 0x080900

_HTTP_ONLY = pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS
# A status line right after a header line, no blank line between: the head before was cut
# (libcurl follows a redirect whose head the server closed inside).
_NEXT_HEAD_TOO_SOON = re.compile(rb"[^\r\n]\r?\nHTTP/")
_BLANK_ENDS = (b"\r\n\r\n", b"\n\n", b"\n\r\n")  # a head's last line, then its blank one

_VERSIONS = {pycurl.CURL_HTTP_VERSION_1_0: "HTTP/1.0", pycurl.CURL_HTTP_VERSION_1_1: "HTTP/1.1",
             pycurl.CURL_HTTP_VERSION_2_0: "HTTP/2", getattr(pycurl, "CURL_HTTP_VERSION_3", 30): "HTTP/3"}


def libcurl_cap(head: list[bytes], nbytes: int) -> str:
    """What passing one of libcurl's own caps means, from the head lines and bytes it had
    read: its 5,000 lines or 300 KiB of heads in all, interim ones and trailers included,
    and its 4 KiB a trailer line are its own; a line past its 100 KiB is a head past ours."""
    if len(head) >= 4900 or nbytes >= 200 * 1024:
        return LIBCURL_CAP
    last = max((i for i, line in enumerate(head) if line.startswith(b"HTTP/")), default=None)
    parts = head[last].split(b" ", 2) if last is not None else []
    answered = len(parts) > 1 and not parts[1].startswith(b"1")  # the last head no interim one
    if answered and any(line in (b"\r\n", b"\n") for line in head[last:]):
        return LIBCURL_TRAILER_CAP  # the answer's head was read whole: what followed was its trailers
    return HEAD_TOO_BIG


LIBCURL_CAP = ("the response's heads, interim ones and trailers included, pass libcurl's own "
               "5,000 lines or 300 KiB")
LIBCURL_TRAILER_CAP = "a trailer line of the response passes libcurl's own 4 KiB"


class CurlHandle:
    """One easy handle, set up for a run's limits, the socket of its connection, and that
    connection's id: a worker thread's own (PycurlClient), or a slot of the multi loop."""

    def __init__(self, limits: FetchLimits, tls: Tls) -> None:
        self.curl = pycurl.Curl()
        self.limits = limits
        self.sock: socket.socket | None = None
        self.conn_id: int | None = None
        self.cap: BodyCap | None = None
        self.too_large: FetchError | None = None
        self.no_socket: OSError | None = None  # why the transfer could not open its socket
        self.head: list[bytes] = []  # the lines of the heads read (each redirect's, 1xx's)
        self.head_at = 0  # where the head being read starts in `head` (-1: none), where _header reads
        self.timeout_ms = max(1, int(limits.timeout * 1000))  # a request's whole deadline
        self._timeout_ms = self.timeout_ms  # what TIMEOUT_MS is set to now
        self._prepared: tuple[object, ...] | None = None  # the options the last transfer set
        self._configure(tls)

    def open_socket(self, purpose: int, address: Any) -> socket.socket | int:
        family, socktype, protocol, _ = address
        try:
            sock = socket.socket(family, socktype, protocol)
        except OSError as exc:  # out of descriptors: a connect error, not the traceback pycurl
            self.no_socket = exc  # prints for a callback that raises
            return int(pycurl.SOCKET_BAD)
        self.sock = sock
        slot = current_slot()
        if slot is not None:
            slot.attach(sock)  # a cancel or the deadline shuts it down: perform() returns
        return sock

    def _configure(self, tls: Tls) -> None:
        c, limits = self.curl, self.limits
        c.setopt(pycurl.NOSIGNAL, 1)
        c.setopt(pycurl.MAXCONNECTS, 1)
        c.setopt(pycurl.FOLLOWLOCATION, 1)
        # http and https only, asked for or redirected to: never file://, dict://, gopher://
        c.setopt(pycurl.PROTOCOLS, _HTTP_ONLY)
        c.setopt(pycurl.REDIR_PROTOCOLS, _HTTP_ONLY)
        c.setopt(pycurl.MAXREDIRS, limits.max_redirects)
        c.setopt(pycurl.TIMEOUT_MS, self.timeout_ms)
        c.setopt(pycurl.MAXFILESIZE_LARGE, limits.max_bytes)
        c.setopt(pycurl.SSL_VERIFYPEER, 1 if tls.verify else 0)
        c.setopt(pycurl.SSL_VERIFYHOST, 2 if tls.verify else 0)
        if tls.ca_file:
            c.setopt(pycurl.CAINFO, tls.ca_file)
        c.setopt(pycurl.PROXY, "")  # set per request from Proxies; libcurl's own env reading off
        c.setopt(pycurl.OPENSOCKETFUNCTION, self.open_socket)
        c.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_2TLS if limits.http2
                 else pycurl.CURL_HTTP_VERSION_1_1)
        # Where libcurl holds a transfer to the limits itself, the callbacks are C functions
        # (len takes a chunk, a list's append a head line) that it calls without making a
        # Python frame: the multi loop's CPU a request went from 24.7 to 22.5 µs with them.
        # The head is judged once it is read (_head_problem); libcurl counts the body.
        c.setopt(pycurl.WRITEFUNCTION, len if _LIBCURL_CAPS else self._write)
        c.setopt(pycurl.HEADERFUNCTION, self.head.append if _LIBCURL_CAPS else self._header)

    def _write(self, chunk: bytes) -> int | None:
        assert self.cap is not None
        try:
            self.cap.add(len(chunk))
        except FetchError as exc:
            self.too_large = exc
            return 0  # anything but len(chunk) makes libcurl abort the transfer
        return None

    def _header(self, line: bytes) -> int | None:
        """An older libcurl's head line: the transfer stops at the first line past a limit."""
        head = self.head
        head.append(line)
        if line.startswith(b"HTTP/"):
            self.head_at = len(head) - 1
        elif line in (b"\r\n", b"\n"):
            self.head_at = -1
        if self.head_at < 0:  # a trailer: no head
            return None
        problem = heads_problem(head[self.head_at:])
        if problem is not None:
            self.too_large = FetchError("too_large", problem)
            return 0  # abort the transfer
        return None

    def prepare(self, url: str, method: str, body: bytes | None, headers: tuple[tuple[str, str], ...],
                follow: bool, proxy: str | None, timeout_ms: int | None = None) -> None:
        """Set the handle for one transfer. It is reused, and libcurl keeps a handle's options
        between transfers: every option a transfer sets is set again (or unset) for the next,
        so nothing of one request (a header, a method, a body) reaches another; a transfer
        that is the last one again skips it. Raises FetchError for a URL libcurl cannot send."""
        c = self.curl
        self.cap = None if _LIBCURL_CAPS else BodyCap(self.limits, 0)
        self.too_large, self.head_at, self.no_socket = None, 0, None
        self.head.clear()
        if timeout_ms is not None and timeout_ms != self._timeout_ms:  # what is left of its deadline
            self._timeout_ms = max(1, timeout_ms)
            c.setopt(pycurl.TIMEOUT_MS, self._timeout_ms)
        wanted = (url, method, body, headers, follow, proxy)
        if wanted == self._prepared:  # a list of one URL x30000: ten setopt calls a request saved
            return
        self._prepared = None  # until every option is set: a transfer that failed here is redone
        try:
            self._set(url, method, body, headers, follow, proxy)
        except UnicodeEncodeError as exc:  # what no check before let through: this request fails
            raise FetchError("invalid", f"cannot send {exc.reason}: a character outside ASCII") from None
        self._prepared = wanted

    def _set(self, url: str, method: str, body: bytes | None, headers: tuple[tuple[str, str], ...],
             follow: bool, proxy: str | None) -> None:
        c = self.curl
        if body is not None:
            c.setopt(pycurl.POSTFIELDS, body)
        else:
            c.setopt(pycurl.HTTPGET, 1)
        c.setopt(pycurl.NOBODY, 1 if method == "HEAD" else 0)  # after HTTPGET, which resets it
        if (method == "GET" and body is None) or method == "HEAD" or (method == "POST" and body is not None):
            c.unsetopt(pycurl.CUSTOMREQUEST)  # libcurl's own: a GET with a body would go out as POST
        else:
            c.setopt(pycurl.CUSTOMREQUEST, method)
        if headers:
            c.setopt(pycurl.HTTPHEADER, [f"{name}: {value}" for name, value in headers])
        else:  # pycurl takes an empty list as "leave the last transfer's headers"
            c.unsetopt(pycurl.HTTPHEADER)
        c.setopt(pycurl.FOLLOWLOCATION, 1 if follow else 0)
        c.setopt(pycurl.PROXY, proxy or "")
        c.setopt(pycurl.URL, ascii_url(url))

    def result(self) -> FetchResult:
        """A transfer that completed."""
        return FetchResult(*self.completed())

    def completed(self) -> tuple[int, int]:
        """A transfer that completed: its status and the body's bytes. Raises FetchError
        (too_large) if its head passed the limits."""
        status = int(self.curl.getinfo(pycurl.RESPONSE_CODE))
        problem = self._head_problem()
        if problem is not None:
            raise FetchError("too_large", problem, status, self._nbytes())
        joined = b"".join(self.head)
        if joined and ((b"\nHTTP/" in joined and _NEXT_HEAD_TOO_SOON.search(joined)) or not (
                joined.endswith(_BLANK_ENDS) or _ends_its_head(joined))):
            raise FetchError("reset", HEAD_CUT, None, self._nbytes())  # libcurl took it as whole
        bad = malformed_line(self.head, joined)  # libcurl reads past a line that is no field
        if bad is not None:
            raise FetchError("invalid", malformed(bad), status, self._nbytes())
        if TRANSFER_ENCODING.search(joined) and framing_problem(last_head(self.head)) is not None:
            raise FetchError("invalid", BAD_FRAMING, status, self._nbytes())
        return status, self._nbytes()

    def _nbytes(self) -> int:
        """The bytes of the body read."""
        if self.cap is None:  # libcurl counted them
            return int(self.curl.getinfo(pycurl.SIZE_DOWNLOAD_T))
        return self.cap.nbytes

    def _head_problem(self) -> str | None:
        """Which head limit the heads read passed (errors.heads_problem), if any."""
        head = self.head
        if len(head) <= MAX_HEADER_LINES + 2 and self.curl.getinfo(pycurl.HEADER_SIZE) <= MAX_HEADER_LINE:
            return None  # fewer lines in all than one head may have, none of them too long
        return heads_problem(head)

    def failure(self, code: int, message: str) -> FetchError:
        """A transfer that libcurl ended with error `code`, as a FetchError of its kind."""
        status = self.curl.getinfo(pycurl.RESPONSE_CODE) or None
        nbytes = self._nbytes()
        problem = self._head_problem()
        if problem is not None:  # a head past the limits, whatever libcurl stopped on after it
            self.too_large = FetchError("too_large", problem)
        elif code == getattr(pycurl, "E_TOO_LARGE", 100) and self.too_large is None:  # libcurl's own
            read = self.curl.getinfo(pycurl.HEADER_SIZE)
            self.too_large = FetchError("too_large", libcurl_cap(self.head, read))
        if self.too_large is not None or code == pycurl.E_FILESIZE_EXCEEDED:
            what = str(self.too_large) if self.too_large else \
                f"body is larger than {self.limits.max_bytes} bytes"
            return FetchError("too_large", what, status, nbytes)
        oom = code == pycurl.E_OUT_OF_MEMORY
        if self.no_socket is not None or oom or code == pycurl.E_COULDNT_CONNECT:
            # libcurl's own sockets, out of descriptors, say Out of memory or could not connect
            no_fd = out_of_descriptors(self.no_socket, met=oom)
            if no_fd is not None or oom:  # the transfer never began
                said = f"curl error {code}: {message}" if no_fd is None else f"OSError: {no_fd}"
                return FetchError("connect", said, None, nbytes)
        return FetchError(_KINDS.get(code, "invalid"), f"curl error {code}: {message}", None, nbytes)

    def phases(self, url: str, ids: ConnIds, new: bool | None = None) -> tuple[Phases, str | None]:
        """The phases as libcurl timed them, and the protocol (see phase_fields)."""
        fields, version = self.phase_fields(url, ids, new)
        return Phases(*fields), version

    def phase_fields(self, url: str, ids: ConnIds, new: bool | None = None) -> tuple[PhaseFields, str | None]:
        """The phases as libcurl timed them (ns, from its µs since the transfer began), as
        Phases' fields, and the protocol. `new`: whether the transfer opened its connection,
        if the caller has asked libcurl."""
        c = self.curl
        if new is None:
            new = c.getinfo(pycurl.NUM_CONNECTS) > 0
        if new or self.conn_id is None:
            self.conn_id = ids.new()
        ready = c.getinfo(pycurl.PRETRANSFER_TIME_T)
        first, total = c.getinfo(pycurl.STARTTRANSFER_TIME_T), c.getinfo(pycurl.TOTAL_TIME_T)
        version = _VERSIONS.get(c.getinfo(pycurl.INFO_HTTP_VERSION))
        wait, receive = ((first - ready) * 1000, (total - first) * 1000) if first else (None, None)
        connect = c.getinfo(pycurl.CONNECT_TIME_T) if new else 0
        if not connect:  # a reused connection: no DNS, connect or TLS (three getinfo calls saved)
            return (None, None, None, wait, receive, self.conn_id, not new), version
        lookup, secured = c.getinfo(pycurl.NAMELOOKUP_TIME_T), c.getinfo(pycurl.APPCONNECT_TIME_T)
        https = url[:6].lower() == "https:"
        return (lookup * 1000 if is_name(urlsplit(url).hostname) else None,  # dns
                (connect - lookup) * 1000,  # connect
                (secured - connect) * 1000 if https and secured else None,  # tls
                wait, receive, self.conn_id, not new), version

    def close(self) -> None:
        try:
            self.curl.close()
        except pycurl.error:  # still unwinding a cut transfer: it goes with its thread
            pass
        if self.sock is not None:  # pycurl kept a dup of it: this one holds the connection open
            self.sock.close()


class PycurlClient:
    """libcurl through pycurl, one easy handle (and connection) per worker thread."""

    name = "pycurl"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        self.limits = limits
        self._local = threading.local()
        self._handles: list[CurlHandle] = []
        self._lock = threading.Lock()
        self._proxies = Proxies(limits)
        self._tls = Tls.of(limits)  # -k wins over --cacert; certifi's bundle by default, as
        # requests and httpx: libcurl's wheel may not find the system's

    def _handle(self) -> CurlHandle:
        handle: CurlHandle | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = self._local.handle = CurlHandle(self.limits, self._tls)
            with self._lock:
                self._handles.append(handle)
        return handle

    def fetch(self, target: Target) -> FetchResult:
        spec = target.spec
        if not carries_secrets(spec.headers):
            return self._fetch(target.url, spec.method, spec.body, spec.headers, follow=True)
        # libcurl forwards a custom X-Api-Key (and more) to another host: follow by hand
        url, method, body, headers = target.url, spec.method, spec.body, spec.headers
        for _ in range(self.limits.max_redirects + 1):
            result = self._fetch(url, method, body, headers, follow=False)
            location = self._handle().curl.getinfo(pycurl.REDIRECT_URL)
            if result.status not in REDIRECT_CODES or not location:
                return result
            url, method, body, headers = next_hop(url, result.status, location, method, body, headers)
        raise FetchError("redirects", f"more than {self.limits.max_redirects} redirects")

    def _fetch(self, url: str, method: str, body: bytes | None, headers: tuple[tuple[str, str], ...],
               follow: bool) -> FetchResult:
        handle = self._handle()
        handle.prepare(url, method, body, headers, follow, self._proxies.for_url(url))
        slot = current_slot()
        if slot is not None and handle.sock is not None:
            slot.attach(handle.sock)  # a reused connection: its socket is the handle's last one
        try:
            handle.curl.perform()
        except pycurl.error as exc:
            code, message = exc.args[0], str(exc.args[1]) if len(exc.args) > 1 else ""
            self._trace(handle, url)
            raise handle.failure(code, message) from None
        self._trace(handle, url)
        return handle.result()

    def _trace(self, handle: CurlHandle, url: str) -> None:
        trace = current_trace()
        if trace is None:
            return
        trace.measured, trace.http_version = handle.phases(url, trace.ids)

    def close(self) -> None:
        with self._lock:
            handles = list(self._handles)
        for handle in handles:
            handle.close()


def _ends_its_head(joined: bytes) -> bool:
    """Whether the last head of `joined` has its blank line (trailers may follow it)."""
    rest = joined[joined.rfind(b"\nHTTP/") + 1:]
    return any(blank in rest for blank in _BLANK_ENDS)
