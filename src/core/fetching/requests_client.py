"""requests, with one Session shared by the pool (as the lesson does) or one per worker thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import requests
import requests.adapters
import urllib3
import urllib3.exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from fetchtui.core.fetching.client import CHUNK
from fetchtui.core.fetching.cookies import refuse_cookies
from fetchtui.core.fetching.errors import FetchError, LibraryErrors, classify, describe, oversized_head
from fetchtui.core.fetching.http_head import HeadRulesResponse
from fetchtui.core.fetching.phases import current_trace
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.fetching.redirects import leaves_origin
from fetchtui.core.fetching.result import BodyCap, FetchResult
from fetchtui.core.fetching.tls import Tls
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import Target, is_secret_header

ERRORS = LibraryErrors(
    redirects=(requests.TooManyRedirects,),
    tls=(requests.exceptions.SSLError,),
    invalid=(requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
             requests.exceptions.InvalidHeader, urllib3.exceptions.LocationParseError),
    connect=(urllib3.exceptions.NewConnectionError,),
    connect_timeout=(requests.exceptions.ConnectTimeout,),
    timeout=(requests.Timeout,),
    reset=(requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
           urllib3.exceptions.ProtocolError),
)


class _StampsConnect(HTTPConnection):
    """Stamps the end of the TCP connect: for https, what follows it is the TLS handshake.
    Its responses' heads are read by fetchtui's rules (fetching.http_head)."""

    response_class = HeadRulesResponse

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        trace = current_trace()
        if trace is not None:
            trace.connected_now()
        return sock


class _TracedHTTPConnection(_StampsConnect):
    pass


class _TracedHTTPSConnection(_StampsConnect, HTTPSConnection):
    pass


class _TracedPool(HTTPConnectionPool):
    ConnectionCls = _TracedHTTPConnection


class _TracedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TracedHTTPSConnection


class _QuietUnverifiedPool(_TracedHTTPSPool):
    """An --insecure run's HTTPS pool: the user asked for no verification, so no warning per
    request. Scoped to this run's sessions; urllib3's warnings stay as they were elsewhere."""

    def _validate_conn(self, conn: HTTPConnection) -> None:  # type: ignore[override]
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


class _Session(requests.Session):
    """A Session that drops every header fetchtui masks when a redirect leaves the origin
    (requests itself drops only Authorization)."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
        old = response.request.url if response.request is not None else None
        if old and prepared_request.url and leaves_origin(old, prepared_request.url):
            for name in [n for n in prepared_request.headers if is_secret_header(n)]:
                del prepared_request.headers[name]


class RequestsClient:
    """requests with one Session shared by every worker, its pool sized to the workers."""

    name = "requests"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        self.limits = limits
        self.workers = workers
        tls = Tls.of(limits)
        self._verify: bool | str = tls.ca_file or False  # -k wins over --cacert
        self._proxies = Proxies(limits)
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._shared = self._new_session()

    def _new_session(self, keep: bool = True) -> requests.Session:
        session = _Session()
        session.trust_env = False  # proxies are decided per request, by Proxies
        refuse_cookies(session.cookies)
        session.max_redirects = self.limits.max_redirects
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=self.workers, max_retries=0
        )
        adapter.poolmanager.pool_classes_by_scheme = {
            "http": _TracedPool,
            "https": _TracedHTTPSPool if self._verify else _QuietUnverifiedPool,
        }
        # urllib3's PoolManager drops its pools on clear() without closing them: their
        # sockets would wait for the garbage collector
        adapter.poolmanager.pools.dispose_func = _close_pool
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        if keep:
            with self._lock:
                self._sessions.append(session)
        return session

    def _session(self) -> requests.Session:
        return self._shared

    def fetch(self, target: Target) -> FetchResult:
        return self._fetch(self._session(), target)

    def _fetch(self, session: requests.Session, target: Target) -> FetchResult:
        limits, spec = self.limits, target.spec
        proxy = self._proxies.for_url(target.url)
        try:
            with session.request(
                spec.method, target.url, headers=dict(spec.headers) if spec.headers else None,
                data=spec.body, stream=True, timeout=limits.timeout, verify=self._verify,
                allow_redirects=True, proxies={"http": proxy, "https": proxy} if proxy else None,
            ) as resp:
                trace = current_trace()
                if trace is not None:
                    trace.answered()  # request() returns once the headers are in
                    version = getattr(resp.raw, "version", None)
                    trace.http_version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(version or 0)
                status = resp.status_code
                cap = BodyCap(limits, status)
                cap.declared(resp.headers.get("Content-Length"))
                return FetchResult(status, cap.count(_raw_chunks(resp)))
        except FetchError:
            raise
        except Exception as exc:
            raise oversized_head(exc) or FetchError(classify(exc, ERRORS), describe(exc)) from exc

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()


def _close_pool(pool: HTTPConnectionPool) -> None:
    pool.close()


def _raw_chunks(resp: requests.Response) -> Iterator[bytes]:
    read = resp.raw.read1
    while chunk := read(CHUNK, decode_content=False):
        yield chunk


class RequestsGetClient(RequestsClient):
    """A bare `requests.get` per request: a new Session, so a new connection, every time —
    the way the lesson warns against, to be seen beside a shared Session."""

    name = "requests-get"

    def fetch(self, target: Target) -> FetchResult:
        with self._new_session(keep=False) as session:  # what requests.get does inside
            return self._fetch(session, target)


class RequestsPerThreadClient(RequestsClient):
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
