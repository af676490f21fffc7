"""A failed request's error kind, from whatever a client library raised."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from fetchtui.core.events import ErrorKind
from fetchtui.core.targets import mask_text

ExcTypes = tuple[type[BaseException], ...]


class FetchError(Exception):
    """A request failed before a usable response: `kind` says how."""

    def __init__(self, kind: ErrorKind, message: str, status: int | None = None, nbytes: int = 0):
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.status = status
        self.nbytes = nbytes


@dataclass(frozen=True, slots=True)
class LibraryErrors:
    """A client library's exception types, by the kind each one means (see classify)."""

    redirects: ExcTypes = ()
    tls: ExcTypes = ()
    invalid: ExcTypes = ()
    connect: ExcTypes = ()
    connect_timeout: ExcTypes = ()
    timeout: ExcTypes = ()
    protocol: ExcTypes = ()  # a protocol error: a reset when the peer hung up, else invalid
    reset: ExcTypes = ()
    connect_late: ExcTypes = ()  # checked after resets: httpx wraps a refused connect late


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
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


def classify(exc: BaseException, library: LibraryErrors) -> ErrorKind:
    """Map an exception to one error kind; the order of the checks decides overlapping types."""
    chain = list(exception_chain(exc))

    def has(*types: type[BaseException]) -> bool:
        return bool(types) and any(isinstance(item, types) for item in chain)

    if has(*library.redirects):
        return "redirects"
    if has(ssl.SSLError, *library.tls):
        return "tls"
    if has(http.client.RemoteDisconnected, ConnectionResetError):
        return "reset"  # RemoteDisconnected is also a BadStatusLine: a hang-up, not garbage
    if has(http.client.BadStatusLine, *library.invalid):
        return "invalid"
    if has(ConnectionRefusedError, socket.gaierror, *library.connect, *library.connect_timeout):
        return "timeout" if has(*library.connect_timeout) else "connect"
    if has(TimeoutError, *library.timeout):
        return "timeout"
    if has(*library.protocol):
        text = " ".join(str(item) for item in chain).lower()
        closed = "peer closed" in text or "without sending" in text or "incomplete" in text
        return "reset" if closed else "invalid"
    if has(ConnectionError, http.client.IncompleteRead, *library.reset):
        return "reset"
    if has(*library.connect_late):
        return "connect"
    return "invalid"


#: One limit on a response's head for every client (requests' http.client cannot pass 100
#: lines; 64 KiB a line is http.client's own): past it, the kind is too_large, as a body past
#: --max-bytes is. Clients with their own lower or higher limits are set to these, or checked.
MAX_HEADER_LINES = 100
MAX_HEADER_LINE = 65536
HEADERS_TOO_MANY = f"the response has more than {MAX_HEADER_LINES} header lines"
HEADER_TOO_LONG = f"a response header line is longer than {MAX_HEADER_LINE} bytes"

# what each library says when a head passes its limit (requests/http.client, httpx/h11,
# aiohttp, libcurl's CURLE_TOO_LARGE)
_TOO_MANY = ("got more than 100 headers", "too many headers")
_TOO_LONG = ("when reading header line", "linetoolong", "receive buffer too long",
             "got more than 8190 bytes", "header field too long", "grew larger than allowed")


def oversized_head(exc: BaseException, status: int | None = None) -> FetchError | None:
    """A FetchError saying which head limit an exception was about, or None if it was not."""
    text = " ".join(f"{type(item).__name__} {item}" for item in exception_chain(exc)).lower()
    if any(marker in text for marker in _TOO_MANY):
        return FetchError("too_large", HEADERS_TOO_MANY, status)
    if any(marker in text for marker in _TOO_LONG):
        return FetchError("too_large", HEADER_TOO_LONG, status)
    return None


def check_head(names_values: list[tuple[bytes, bytes]] | list[tuple[str, str]], status: int) -> None:
    """Hold a head its client let through to the same limits (raises FetchError)."""
    if len(names_values) > MAX_HEADER_LINES:
        raise FetchError("too_large", HEADERS_TOO_MANY, status)
    for name, value in names_values:
        if len(name) + len(value) + 2 > MAX_HEADER_LINE:
            raise FetchError("too_large", HEADER_TOO_LONG, status)


def describe(exc: BaseException) -> str:
    """The innermost message is the one that says what happened."""
    for item in reversed(list(exception_chain(exc))):
        text = mask_text(str(item))  # a proxy's or a URL's password in a library's message
        if text:
            return f"{type(item).__name__}: {text}"
    return type(exc).__name__
