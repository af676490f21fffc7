"""A failed request's error kind, from whatever a client library raised."""

from __future__ import annotations

import errno
import http.client
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fetchtui.core.input.targets import mask_text
from fetchtui.core.runs.events import ErrorKind

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

    if any(isinstance(item, OSError) and item.errno in (errno.EMFILE, errno.ENFILE) for item in chain):
        return "connect"  # no file descriptor for a socket: whatever the client wraps it in
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


#: One limit on a response's head for every client, counted the same way: past it, the kind
#: is too_large, as a body past --max-bytes is. A head is its status line, its header lines
#: and the blank line that ends it, each line's bytes with its CRLF: at most 100 header lines
#: (the status line is not one), no line longer than 64 KiB (the status line is one), and
#: 100 KiB in all (httpx's h11 buffer, under libcurl's own 300 KiB). An interim (1xx) head is
#: skipped, held to the same limits on its own; trailers are no head: read and thrown away,
#: a line of them up to 100 KiB (what httpx and aiohttp hold one to).
MAX_HEADER_LINES = 100
MAX_HEADER_LINE = 65536
MAX_HEAD_BYTES = 102400
#: A connection closed before the blank line that ends a head: a cut answer, on every client.
HEAD_CUT = "the connection closed in the middle of the response's head"
HEADERS_TOO_MANY = f"the response's head has more than {MAX_HEADER_LINES} header lines"
HEADER_TOO_LONG = f"a line of the response's head is longer than {MAX_HEADER_LINE} bytes"
HEAD_TOO_BIG = f"the response's head is larger than {MAX_HEAD_BYTES} bytes"
TRAILER_TOO_LONG = f"a trailer line of the response is longer than {MAX_HEAD_BYTES} bytes"

# what each library says when a head passes a limit it holds (requests/http.client, httpx/h11,
# aiohttp, libcurl); each is set so that what it says is one of ours
_TOO_MANY = ("got more than 100 headers", "too many headers")
_TOO_LONG = ("when reading header line", "linetoolong", "got more than 8190 bytes")
_TOO_BIG = ("receive buffer too long", "header field too long", "grew larger than allowed")


def oversized_head(exc: BaseException, status: int | None = None) -> FetchError | None:
    """A FetchError saying which head limit an exception was about, or None if it was not;
    with the head's `status` read, it was about the trailers (a parser's limit on a line)."""
    text = " ".join(f"{type(item).__name__} {item}" for item in exception_chain(exc)).lower()
    for markers, message in ((_TOO_BIG, HEAD_TOO_BIG), (_TOO_MANY, HEADERS_TOO_MANY),
                             (_TOO_LONG, HEADER_TOO_LONG)):
        if any(marker in text for marker in markers):
            return FetchError("too_large", message if status is None else TRAILER_TOO_LONG, status)
    return None


HeadLines = Sequence[bytes] | Sequence[tuple[bytes, bytes]] | Sequence[tuple[str, str]]


def head_problem(lines: HeadLines, status_line: int) -> str | None:
    """Which limit a head read whole passed, if any: `lines` its header lines (raw, or name
    and value pairs, as `name: value` with its CRLF), `status_line` that line's length
    without its CRLF."""
    sizes = [len(line) if isinstance(line, bytes) else len(line[0]) + len(line[1]) + 4 for line in lines]
    if status_line + 2 + sum(sizes) + 2 > MAX_HEAD_BYTES:
        return HEAD_TOO_BIG
    if len(lines) > MAX_HEADER_LINES:
        return HEADERS_TOO_MANY
    if status_line + 2 > MAX_HEADER_LINE or any(size > MAX_HEADER_LINE for size in sizes):
        return HEADER_TOO_LONG
    return None


def heads_problem(lines: list[bytes]) -> str | None:
    """Which limit one of the heads in `lines` passed, if any: every line libcurl read (each
    head's status line, header lines and blank line: a redirect's, an interim one's, the
    answer's, then its trailers, which are no head)."""
    status_line: int | None = None  # of the head being read; None between heads
    header: list[bytes] = []
    for line in lines:
        if status_line is None:
            if line.startswith(b"HTTP/"):
                status_line, header = len(line), []
        elif line in (b"\r\n", b"\n"):
            problem = head_problem(header, status_line - 2)
            if problem is not None:
                return problem
            status_line = None
        else:
            header.append(line)
    return None if status_line is None else head_problem(header, status_line - 2)  # one cut short


# a head's line: a field (RFC 9110's token, then the colon), a folded line, the blank line
# that ends it, or a status line (libcurl's list holds every head's)
_HEAD_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:|[ \t]|\r?\n|HTTP/")
_HEAD_LINES = re.compile(rb"(?:(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:|[ \t]|HTTP/)[^\n]*\n|\r?\n)*")


def malformed_line(lines: list[bytes], joined: bytes | None = None) -> bytes | None:
    """The first of a head's raw lines that is no header field, if any (`joined`: the lines
    joined, if the caller has them)."""
    if _HEAD_LINES.fullmatch(b"".join(lines) if joined is None else joined):  # one match for the
        return None  # whole: half the time of one a line
    match = _HEAD_LINE.match
    return next((line for line in lines if match(line) is None), None)


TRANSFER_ENCODING = re.compile(rb"(?i)\ntransfer-encoding[ \t]*:")  # a field is never the first line
#: httpx (h11) reads no Transfer-Encoding but chunked, aiohttp none beside a Content-Length;
#: libcurl read `identity` to the close, with Content-Length: 2 and nothing sent an ok
BAD_FRAMING = "the response's Transfer-Encoding is not chunked alone, with no Content-Length"


def framing_problem(fields: HeadLines) -> str | None:
    """BAD_FRAMING if a head's fields (raw lines, or name and value pairs) frame its body by
    a Transfer-Encoding other than chunked, or by one beside a Content-Length."""
    encodings: list[str] = []
    length = False
    for field in fields:
        if isinstance(field, bytes) and b":" not in field:  # a folded line: no field of its own
            continue
        name, value = field.split(b":", 1) if isinstance(field, bytes) else field
        name = (name.decode("latin-1") if isinstance(name, bytes) else name).strip().lower()
        if name == "transfer-encoding":
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            encodings += [part.strip().lower() for part in text.split(",")]
        length = length or name == "content-length"
    return BAD_FRAMING if encodings and (encodings != ["chunked"] or length) else None


def last_head(lines: list[bytes]) -> list[bytes]:
    """The header lines of the last head in libcurl's list (the answer's, its trailers not)."""
    start = max((i for i, line in enumerate(lines) if line.startswith(b"HTTP/")), default=-1) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] in (b"\r\n", b"\n")), len(lines))
    return lines[start:end]


def malformed(line: bytes) -> str:
    """What a malformed head line is said as: its start, escaped (network text is data)."""
    text = repr(line.rstrip(b"\r\n")[:60])[2:-1]
    return f"a malformed header line in the response: {text}" + ("..." if len(line) > 62 else "")


def check_head(lines: HeadLines, status: int, reason: str | bytes) -> None:
    """Hold a head its client let through to the same limits and framing (raises FetchError)."""
    problem = head_problem(lines, len(reason) + 13)  # `HTTP/1.1 200 `
    if problem is not None:
        raise FetchError("too_large", problem, status)
    if framing_problem(lines) is not None:
        raise FetchError("invalid", BAD_FRAMING, status)


def describe(exc: BaseException) -> str:
    """The innermost message is the one that says what happened."""
    for item in reversed(list(exception_chain(exc))):
        text = mask_text(str(item))  # a proxy's or a URL's password in a library's message
        if text:
            return f"{type(item).__name__}: {text}"
    return type(exc).__name__
