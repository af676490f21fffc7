"""httpx's AsyncClient, shared by the tasks of one event loop; phases come from httpcore's trace hook."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from fetchtui.core.fetching.cookies import refuse_cookies
from fetchtui.core.fetching.errors import FetchError, check_head, classify, describe, oversized_head
from fetchtui.core.fetching.httpx_client import ERRORS, strip_secrets_off_origin
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.fetching.result import BodyCap, FetchResult
from fetchtui.core.fetching.tls import Tls
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import Phases


class AsyncTrace:
    """One request's phases, from httpcore's `trace` extension (connect includes the lookup;
    a request with no connect event reused a connection)."""

    __slots__ = ("conn_id", "connect", "http_version", "marks")

    def __init__(self) -> None:
        self.conn_id: int | None = None
        self.marks: dict[str, int] = {}
        self.http_version: str | None = None
        self.connect: bool = False

    async def __call__(self, name: str, info: Mapping[str, Any]) -> None:
        self.marks[name] = time.perf_counter_ns()
        if name.startswith("connection.connect_tcp"):
            self.connect = True

    def phases(self, start_ns: int, headers_ns: int | None, end_ns: int) -> Phases:
        marks = self.marks

        def span(first: str, last: str) -> int | None:
            a, b = marks.get(first), marks.get(last)
            return b - a if a is not None and b is not None else None

        connect = span("connection.connect_tcp.started", "connection.connect_tcp.complete")
        tls = span("connection.start_tls.started", "connection.start_tls.complete")
        sent = next((marks[k] for k in ("http11.send_request_headers.started",
                                        "http2.send_request_headers.started") if k in marks), None)
        wait = headers_ns - sent if headers_ns is not None and sent is not None else None
        receive = end_ns - headers_ns if headers_ns is not None else None
        return Phases(None, connect, tls, wait, receive, self.conn_id, not self.connect)


async def _strip_secrets_off_origin(request: httpx.Request) -> None:
    strip_secrets_off_origin(request)


class HttpxAsyncClient:
    """httpx.AsyncClient with its pool sized to the tasks; one per proxy."""

    name = "httpx"

    def __init__(self, tasks: int, limits: FetchLimits) -> None:
        self.limits = limits
        self.tasks = tasks
        self._verify = Tls.of(limits).verify_arg  # -k wins over --cacert
        self._proxies = Proxies(limits)
        self._sessions: dict[str | None, httpx.AsyncClient] = {}  # one loop: no lock needed
        self._conn_ids: dict[int, int] = {}  # id() of a connection's network stream -> its number

    def _session_for(self, proxy: str | None) -> httpx.AsyncClient:
        session = self._sessions.get(proxy)
        if session is None:
            session = self._sessions[proxy] = httpx.AsyncClient(
                verify=self._verify, trust_env=False, proxy=proxy, http2=self.limits.http2,
                limits=httpx.Limits(max_connections=self.tasks, max_keepalive_connections=self.tasks),
                timeout=httpx.Timeout(self.limits.timeout, pool=None), follow_redirects=True,
                max_redirects=self.limits.max_redirects,
                event_hooks={"request": [_strip_secrets_off_origin]})
            refuse_cookies(session.cookies.jar)
        return session

    async def fetch(self, target: Target) -> FetchResult:
        """The response read to its end, or FetchError; the caller holds the deadline."""
        limits, spec = self.limits, target.spec
        trace = AsyncTrace()
        start = time.perf_counter_ns()
        headers_ns: int | None = None
        status = 0
        cap: BodyCap | None = None
        try:
            session = self._session_for(self._proxies.for_url(target.url))
            request = session.build_request(spec.method, target.url, headers=list(spec.headers),
                                           content=spec.body,
                                           extensions={"trace": trace, "fetchtui_origin": target.url})
            resp = await session.send(request, stream=True)
            try:
                headers_ns = time.perf_counter_ns()
                trace.http_version = resp.http_version
                stream = resp.extensions.get("network_stream")
                if stream is not None:
                    trace.conn_id = self._conn_ids.setdefault(id(stream), len(self._conn_ids) + 1)
                status = resp.status_code
                check_head(resp.headers.raw, status, resp.reason_phrase)
                cap = BodyCap(limits, status)
                cap.declared(resp.headers.get("Content-Length"))
                async for chunk in resp.aiter_raw():
                    cap.add(len(chunk))
            finally:
                await resp.aclose()
        except FetchError:
            raise
        except Exception as exc:
            raise oversized_head(exc, status or None) or FetchError(
                classify(exc, ERRORS), describe(exc), status or None, cap.nbytes if cap else 0) from exc
        return FetchResult(status, cap.nbytes, trace.phases(start, headers_ns, time.perf_counter_ns()),
                           trace.http_version)

    async def aclose(self) -> None:
        for session in list(self._sessions.values()):
            await session.aclose()
