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


def describe(exc: BaseException) -> str:
    """The innermost message is the one that says what happened."""
    for item in reversed(list(exception_chain(exc))):
        text = mask_text(str(item))  # a proxy's or a URL's password in a library's message
        if text:
            return f"{type(item).__name__}: {text}"
    return type(exc).__name__
