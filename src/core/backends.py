"""HTTP backends behind one small interface: requests (shared or per-thread Session) and httpx."""

from __future__ import annotations

import http.client
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import requests
import requests.adapters
import urllib3.exceptions

BACKENDS = ("requests", "requests-per-thread", "httpx")
CHUNK = 65536


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What every backend honours: a total deadline, a body cap, redirects, TLS checks."""

    timeout: float = 10.0
    max_bytes: int = 100 * 1024 * 1024
    max_redirects: int = 10
    verify: bool = True
    ca_bundle: str | None = None


class FetchError(Exception):
    """A request failed before a usable response: `kind` is one of events.ERROR_KINDS."""

    def __init__(self, kind: str, message: str, status: int | None = None, nbytes: int = 0):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.nbytes = nbytes


class Slot:
    """The socket a worker thread is using right now, so the engine can cut it off.

    The engine's watchdog shuts the socket down when the request passes its deadline or the
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
    """Tell the backends which slot the calling worker thread's request belongs to."""
    _current.slot = slot


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # http.client (under requests/urllib3) announces every send with its connection, whose
    # .sock is the live socket even when the connection is reused from the pool.
    if event == "http.client.send":
        slot = getattr(_current, "slot", None)
        if slot is not None:
            sock = getattr(args[0], "sock", None)
            if sock is not slot.sock:
                slot.attach(sock)


sys.addaudithook(_audit)


class Backend(Protocol):
    """Fetch one URL within the limits; return (status, body bytes) or raise FetchError."""

    name: str

    def fetch(self, url: str) -> tuple[int, int]: ...

    def close(self) -> None: ...


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """Every exception wrapped in `exc`: causes, contexts and urllib3's `reason`/args."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        for nested in (item.__cause__, item.__context__, getattr(item, "reason", None)):
            if isinstance(nested, BaseException):
                stack.append(nested)
        stack.extend(arg for arg in item.args if isinstance(arg, BaseException))


def classify(exc: BaseException) -> str:
    """Map any backend's exception to one error kind."""
    chain = list(_chain(exc))

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(item, types) for item in chain)

    if has(requests.TooManyRedirects, httpx.TooManyRedirects):
        return "redirects"
    if has(ssl.SSLError, requests.exceptions.SSLError):
        return "tls"
    if has(http.client.RemoteDisconnected, ConnectionResetError):
        return "reset"  # RemoteDisconnected is also a BadStatusLine: a hang-up, not garbage
    if has(http.client.BadStatusLine, httpx.UnsupportedProtocol, httpx.InvalidURL,
           requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
           requests.exceptions.InvalidHeader, urllib3.exceptions.LocationParseError):
        return "invalid"
    if has(ConnectionRefusedError, socket.gaierror, requests.exceptions.ConnectTimeout,
           httpx.ConnectTimeout, urllib3.exceptions.NewConnectionError):
        return "timeout" if has(requests.exceptions.ConnectTimeout, httpx.ConnectTimeout) else "connect"
    if has(TimeoutError, requests.Timeout, httpx.TimeoutException):
        return "timeout"
    if has(httpx.RemoteProtocolError):
        text = " ".join(str(item) for item in chain).lower()
        closed = "peer closed" in text or "without sending" in text or "incomplete" in text
        return "reset" if closed else "invalid"
    if has(ConnectionError, http.client.IncompleteRead, http.client.RemoteDisconnected,
           requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
           urllib3.exceptions.ProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError):
        return "reset"
    if has(httpx.ConnectError):
        return "connect"
    return "invalid"


def _describe(exc: BaseException) -> str:
    """The innermost message is the one that says what happened."""
    chain = list(_chain(exc))
    for item in reversed(chain):
        text = str(item)
        if text:
            return f"{type(item).__name__}: {text}"
    return type(exc).__name__


def _too_large(limits: FetchLimits, content_length: str | None) -> bool:
    return bool(content_length and content_length.isdigit() and int(content_length) > limits.max_bytes)


class RequestsBackend:
    """requests with one Session shared by every worker, its pool sized to the workers."""

    name = "requests"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        self.limits = limits
        self.workers = workers
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        if not limits.verify:  # the user asked for it; a warning per request would flood the screen
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._shared = self._new_session()

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxies from the environment: loopback stays loopback
        session.max_redirects = self.limits.max_redirects
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=self.workers, max_retries=0
        )
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        with self._lock:
            self._sessions.append(session)
        return session

    def _session(self) -> requests.Session:
        return self._shared

    def fetch(self, url: str) -> tuple[int, int]:
        limits = self.limits
        verify: bool | str = limits.ca_bundle or limits.verify
        try:
            with self._session().get(
                url, stream=True, timeout=limits.timeout, verify=verify, allow_redirects=True
            ) as resp:
                if _too_large(limits, resp.headers.get("Content-Length")):
                    raise FetchError("too_large", f"body is larger than {limits.max_bytes} bytes",
                                     resp.status_code)
                nbytes = 0
                read = resp.raw.read1
                while chunk := read(CHUNK, decode_content=False):
                    nbytes += len(chunk)
                    if nbytes > limits.max_bytes:
                        raise FetchError("too_large", f"body passed {limits.max_bytes} bytes",
                                         resp.status_code, nbytes)
                return resp.status_code, nbytes
        except FetchError:
            raise
        except Exception as exc:
            raise FetchError(classify(exc), _describe(exc)) from exc

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()


class RequestsPerThreadBackend(RequestsBackend):
    """requests with one Session per worker thread (nothing shared between threads)."""

    name = "requests-per-thread"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        self._local = threading.local()
        super().__init__(workers, limits)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._new_session()
        return session


class _TrackedStream:
    """An httpcore network stream that tells the current slot which socket it is."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._sock = inner.get_extra_info("socket")

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        slot = getattr(_current, "slot", None)
        if slot is not None and slot.sock is not self._sock:
            slot.attach(self._sock)
        self._inner.write(buffer, timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, timeout)  # the hot path: no __getattr__
        return data

    def start_tls(self, *args: Any, **kwargs: Any) -> _TrackedStream:
        return _TrackedStream(self._inner.start_tls(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TrackedBackend:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> _TrackedStream:
        return _TrackedStream(self._inner.connect_tcp(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class HttpxBackend:
    """httpx with one Client shared by every worker, its limits sized to the workers."""

    name = "httpx"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        self.limits = limits
        verify: bool | ssl.SSLContext = limits.verify
        if limits.ca_bundle:
            verify = ssl.create_default_context(cafile=limits.ca_bundle)
        transport = httpx.HTTPTransport(
            verify=verify,
            trust_env=False,
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
        )
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            # httpx has no public hook for the socket; without it deadlines fall back to
            # httpx's own per-operation timeouts.
            pool._network_backend = _TrackedBackend(pool._network_backend)
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(limits.timeout, pool=None),
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            trust_env=False,
        )

    def fetch(self, url: str) -> tuple[int, int]:
        limits = self.limits
        try:
            with self._client.stream("GET", url) as resp:
                if _too_large(limits, resp.headers.get("Content-Length")):
                    raise FetchError("too_large", f"body is larger than {limits.max_bytes} bytes",
                                     resp.status_code)
                nbytes = 0
                for chunk in resp.iter_raw():
                    nbytes += len(chunk)
                    if nbytes > limits.max_bytes:
                        raise FetchError("too_large", f"body passed {limits.max_bytes} bytes",
                                         resp.status_code, nbytes)
                return resp.status_code, nbytes
        except FetchError:
            raise
        except Exception as exc:
            raise FetchError(classify(exc), _describe(exc)) from exc

    def close(self) -> None:
        self._client.close()


def make_backend(name: str, workers: int, limits: FetchLimits) -> Backend:
    """Build the backend called `name` (one of BACKENDS)."""
    classes: dict[str, type[RequestsBackend] | type[HttpxBackend]] = {
        "requests": RequestsBackend,
        "requests-per-thread": RequestsPerThreadBackend,
        "httpx": HttpxBackend,
    }
    if name not in classes:
        raise ValueError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")
    return classes[name](workers, limits)
