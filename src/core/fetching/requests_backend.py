"""requests, with one Session shared by the pool (as the lesson does) or one per worker thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import requests
import requests.adapters
import urllib3
import urllib3.exceptions
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from fetchtui.core.config import FetchLimits
from fetchtui.core.fetching.backend import CHUNK, check_declared_size, count_body
from fetchtui.core.fetching.deadline import watch_http_client_sockets
from fetchtui.core.fetching.errors import FetchError, LibraryErrors, classify, describe

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


class _QuietUnverifiedPool(HTTPSConnectionPool):
    """An --insecure run's HTTPS pool: the user asked for no verification, so no warning per
    request. Scoped to this run's sessions; urllib3's warnings stay as they were elsewhere."""

    def _validate_conn(self, conn: HTTPConnection) -> None:  # type: ignore[override]
        HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


class RequestsBackend:
    """requests with one Session shared by every worker, its pool sized to the workers."""

    name = "requests"

    def __init__(self, workers: int, limits: FetchLimits) -> None:
        watch_http_client_sockets()
        self.limits = limits
        self.workers = workers
        self._verify: bool | str = limits.ca_bundle or limits.verify
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._shared = self._new_session()

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxies from the environment: loopback stays loopback
        session.max_redirects = self.limits.max_redirects
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=self.workers, max_retries=0
        )
        if not self.limits.verify:
            manager = adapter.poolmanager
            manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme,
                                              "https": _QuietUnverifiedPool}
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        with self._lock:
            self._sessions.append(session)
        return session

    def _session(self) -> requests.Session:
        return self._shared

    def fetch(self, url: str) -> tuple[int, int]:
        limits = self.limits
        try:
            with self._session().get(
                url, stream=True, timeout=limits.timeout, verify=self._verify, allow_redirects=True
            ) as resp:
                status = resp.status_code
                check_declared_size(limits, resp.headers.get("Content-Length"), status)
                return status, count_body(_raw_chunks(resp), limits, status)
        except FetchError:
            raise
        except Exception as exc:
            raise FetchError(classify(exc, ERRORS), describe(exc)) from exc

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()


def _raw_chunks(resp: requests.Response) -> Iterator[bytes]:
    read = resp.raw.read1
    while chunk := read(CHUNK, decode_content=False):
        yield chunk


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
