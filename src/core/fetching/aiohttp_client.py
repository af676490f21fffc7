"""aiohttp, one ClientSession shared by the tasks of one event loop; its C parser costs less per request."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import aiohttp
from aiohttp.http_exceptions import LineTooLong

from fetchtui.core.fetching.errors import (
    HEAD_TOO_BIG,
    MAX_HEAD_BYTES,
    TRAILER_TOO_LONG,
    FetchError,
    LibraryErrors,
    check_head,
    classify,
    describe,
    exception_chain,
    oversized_head,
)
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.fetching.redirects import REDIRECT_CODES, carries_secrets, next_hop
from fetchtui.core.fetching.result import BodyCap, FetchResult
from fetchtui.core.fetching.tls import Tls
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import Phases

ERRORS = LibraryErrors(
    redirects=(aiohttp.TooManyRedirects,),
    tls=(aiohttp.ClientSSLError,),
    invalid=(aiohttp.InvalidURL,),
    timeout=(aiohttp.ServerTimeoutError,),
    reset=(aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError),
    connect_late=(aiohttp.ClientConnectorError,),
)


def _past_parser_limits(exc: BaseException) -> bool:
    """Whether aiohttp's parser stopped a head at the limits it is set to (past MAX_HEAD_BYTES)."""
    return any(isinstance(item, LineTooLong) or "too many headers" in str(item).lower()
               for item in exception_chain(exc))


class _Marks:
    """One request's instants, set by aiohttp's trace hooks (its trace_request_ctx)."""

    __slots__ = ("conn_end", "conn_start", "dns_end", "dns_start", "reused", "sent")

    def __init__(self) -> None:
        self.dns_start = self.dns_end = self.conn_start = self.conn_end = self.sent = 0
        self.reused = False


def _mark(field: str) -> Any:
    async def hook(session: Any, ctx: SimpleNamespace, params: Any) -> None:
        marks = ctx.trace_request_ctx
        if isinstance(marks, _Marks):
            if field == "reused":
                marks.reused = True
            else:
                setattr(marks, field, time.perf_counter_ns())
    return hook


def _trace_config() -> aiohttp.TraceConfig:
    config = aiohttp.TraceConfig()
    config.on_dns_resolvehost_start.append(_mark("dns_start"))
    config.on_dns_resolvehost_end.append(_mark("dns_end"))
    config.on_connection_create_start.append(_mark("conn_start"))
    config.on_connection_create_end.append(_mark("conn_end"))
    config.on_connection_reuseconn.append(_mark("reused"))
    config.on_request_headers_sent.append(_mark("sent"))
    return config


class AiohttpClient:
    """aiohttp with one session whose connector holds a connection per task."""

    name = "aiohttp"

    def __init__(self, tasks: int, limits: FetchLimits) -> None:
        self.limits = limits
        self.tasks = tasks
        self._ssl = Tls.of(limits).verify_arg  # -k wins over --cacert
        self._proxies = Proxies(limits)
        self._session: aiohttp.ClientSession | None = None  # made on the loop, at first use

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.tasks, ssl=self._ssl),
                trust_env=False, auto_decompress=False, trace_configs=[_trace_config()],
                cookie_jar=aiohttp.DummyCookieJar(),  # no answer's cookie reaches another request
                # aiohttp's parser stops only heads past MAX_HEAD_BYTES (its shortest line
                # is 4 bytes): check_head holds the rest to the limits, counted as elsewhere
                max_line_size=MAX_HEAD_BYTES, max_field_size=MAX_HEAD_BYTES,
                max_headers=MAX_HEAD_BYTES // 4,
                timeout=aiohttp.ClientTimeout(total=None))  # the caller holds the deadline
        return self._session

    async def fetch(self, target: Target) -> FetchResult:
        """The response read to its end, or FetchError; the caller holds the deadline."""
        limits, spec = self.limits, target.spec
        marks = _Marks()
        status = 0
        cap: BodyCap | None = None
        try:
            proxy = self._proxies.for_url(target.url)
            if proxy is not None and not proxy.lower().startswith(("http://", "https://")):
                raise FetchError("invalid", f"aiohttp speaks to http proxies only, not {proxy.split(':')[0]}")
            url, method, body, headers = target.url, spec.method, spec.body, spec.headers
            # aiohttp would forward X-Api-Key to another host, and takes --max-redirects 0 for
            # no limit: those are followed here
            ourselves = carries_secrets(headers) or limits.max_redirects == 0
            hops = 0
            while True:
                async with self._get_session().request(
                        method, url, headers=list(headers), data=body, allow_redirects=not ourselves,
                        max_redirects=limits.max_redirects + 1, proxy=proxy, trace_request_ctx=marks) as resp:
                    location = resp.headers.get("Location")
                    if ourselves and resp.status in REDIRECT_CODES and location:
                        hops += 1
                        if hops > limits.max_redirects:
                            raise FetchError("redirects", f"more than {limits.max_redirects} redirects")
                        url, method, body, headers = next_hop(str(resp.url), resp.status, location, method,
                                                              body, headers)
                        proxy = self._proxies.for_url(url)
                        continue
                    headers_ns = time.perf_counter_ns()
                    status = resp.status
                    check_head(resp.raw_headers, status, resp.reason or "")
                    cap = BodyCap(limits, status)
                    cap.declared(resp.headers.get("Content-Length"))
                    async for chunk in resp.content.iter_any():
                        cap.add(len(chunk))
                    version = f"HTTP/{resp.version.major}.{resp.version.minor}" if resp.version else None
                    break
        except FetchError:
            raise
        except Exception as exc:
            if _past_parser_limits(exc):
                # past the head (a status read) it was a trailer line, as httpx says
                past = TRAILER_TOO_LONG if status else HEAD_TOO_BIG
                raise FetchError("too_large", past, status or None) from exc
            raise oversized_head(exc, status or None) or FetchError(
                classify(exc, ERRORS), describe(exc), status or None, cap.nbytes if cap else 0) from exc
        end = time.perf_counter_ns()
        dns = marks.dns_end - marks.dns_start if marks.dns_end else None
        connect = marks.conn_end - marks.conn_start - (dns or 0) if marks.conn_end else None
        wait = headers_ns - marks.sent if marks.sent else None
        return FetchResult(status, cap.nbytes, Phases(dns, connect, None, wait, end - headers_ns, None,
                                                      marks.reused or not marks.conn_end), version)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
