"""httpx, with one Client shared by the pool; its sockets are found through httpcore's network layer."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from fetchtui.core.fetching.cookies import refuse_cookies
from fetchtui.core.fetching.deadline import current_slot
from fetchtui.core.fetching.errors import (
    FetchError,
    LibraryErrors,
    check_head,
    classify,
    describe,
    oversized_head,
)
from fetchtui.core.fetching.phases import current_trace
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.fetching.redirects import leaves_origin
from fetchtui.core.fetching.result import BodyCap, FetchResult
from fetchtui.core.fetching.tls import Tls
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import Target, is_secret_header

ERRORS = LibraryErrors(
    redirects=(httpx.TooManyRedirects,),
    invalid=(httpx.UnsupportedProtocol, httpx.InvalidURL),
    connect_timeout=(httpx.ConnectTimeout,),
    timeout=(httpx.TimeoutException,),
    protocol=(httpx.RemoteProtocolError,),
    reset=(httpx.ReadError, httpx.WriteError, httpx.CloseError),
    connect_late=(httpx.ConnectError,),
)


class _TrackedStream:
    """An httpcore network stream that tells the current slot which socket it is, and the
    current trace which connection a request goes out on."""

    def __init__(self, inner: Any, conn_id: int | None) -> None:
        self._inner = inner
        self._sock = inner.get_extra_info("socket")
        self._conn_id = conn_id

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        slot = current_slot()
        if slot is not None and slot.sock is not self._sock:
            slot.attach(self._sock)
        trace = current_trace()
        if trace is not None:
            trace.sending(self._conn_id)
        self._inner.write(buffer, timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, timeout)  # the hot path: no __getattr__
        return data

    def start_tls(self, *args: Any, **kwargs: Any) -> _TrackedStream:
        stream = _TrackedStream(self._inner.start_tls(*args, **kwargs), self._conn_id)
        trace = current_trace()
        if trace is not None:
            trace.secured_now()
        return stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TrackedNetwork:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> _TrackedStream:
        stream = self._inner.connect_tcp(*args, **kwargs)
        trace = current_trace()
        if trace is not None:
            trace.connected_now()
        return _TrackedStream(stream, trace.ids.new() if trace is not None else None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def strip_secrets_off_origin(request: httpx.Request) -> None:
    """httpx's request hook: a redirect that left the first request's origin sends none of
    the headers fetchtui masks (httpx itself drops only Authorization)."""
    origin = request.extensions.get("fetchtui_origin")
    if origin and leaves_origin(origin, str(request.url)):
        for name in [n for n in request.headers if is_secret_header(n)]:
            del request.headers[name]


class HttpxClient:
    """httpx with one Client shared by every worker, its limits sized to the workers; over
    HTTP/2 one Client a worker thread, as httpcore's synchronous HTTP/2 connection is not safe
    to share between threads (encode/httpx#3566: one stream in a few failed with "dictionary
    changed size during iteration" or "Server disconnected")."""

    name = "httpx"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        self.limits = limits
        self.workers = workers
        self._verify = Tls.of(limits).verify_arg  # -k wins over --cacert
        self._proxies = Proxies(limits)
        self._lock = threading.Lock()
        # one per proxy (None: direct), and over HTTP/2 per worker thread too
        self._sessions: dict[tuple[str | None, int | None], httpx.Client] = {}
        if not limits.http2:
            self._session_for(None)

    def _session_for(self, proxy: str | None) -> httpx.Client:
        key = (proxy, threading.get_ident() if self.limits.http2 else None)
        session = self._sessions.get(key)
        if session is not None:
            return session
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = self._new_session(proxy)
            return self._sessions[key]

    def _new_session(self, proxy: str | None) -> httpx.Client:
        limits = self.limits
        transport = httpx.HTTPTransport(
            verify=self._verify,
            trust_env=False,
            proxy=proxy,
            http2=limits.http2,  # by ALPN over TLS; plain http stays HTTP/1.1
            limits=httpx.Limits(max_connections=self.workers, max_keepalive_connections=self.workers),
        )
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            # httpx has no public hook for the socket; without it deadlines fall back to
            # httpx's own per-operation timeouts.
            pool._network_backend = _TrackedNetwork(pool._network_backend)
        session = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(limits.timeout, pool=None),
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            trust_env=False,
            event_hooks={"request": [strip_secrets_off_origin]},
        )
        refuse_cookies(session.cookies.jar)
        return session

    def fetch(self, target: Target) -> FetchResult:
        limits, spec = self.limits, target.spec
        status: int | None = None  # the head was read: a limit passed after it was the trailers'
        try:
            session = self._session_for(self._proxies.for_url(target.url))
            with session.stream(spec.method, target.url, headers=list(spec.headers), content=spec.body,
                               extensions={"fetchtui_origin": target.url}) as resp:
                trace = current_trace()
                if trace is not None:
                    trace.answered()  # stream() yields once the headers are in
                    trace.http_version = resp.http_version
                status = resp.status_code
                check_head(resp.headers.raw, status, resp.reason_phrase)
                cap = BodyCap(limits, status)
                cap.declared(resp.headers.get("Content-Length"))
                return FetchResult(status, cap.count(resp.iter_raw()))
        except FetchError:
            raise
        except Exception as exc:
            raise oversized_head(exc, status) or FetchError(classify(exc, ERRORS), describe(exc)) from exc

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
        for session in sessions:
            session.close()
