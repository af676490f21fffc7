"""http.client's response read by fetchtui's head rules (the requests clients' one): interim
heads skipped whatever their code, the one head limit, a malformed head invalid at once."""

from __future__ import annotations

import email.parser
import http.client
import re
from typing import BinaryIO

from fetchtui.core.fetching.errors import (
    BAD_FRAMING,
    HEAD_CUT,
    HEAD_TOO_BIG,
    HEADER_TOO_LONG,
    MAX_HEAD_BYTES,
    MAX_HEADER_LINE,
    TRAILER_TOO_LONG,
    FetchError,
    framing_problem,
    head_problem,
    malformed,
    malformed_line,
)

_LENGTH = re.compile(r"[0-9]+")


def read_head_lines(fp: BinaryIO, status: int, status_line: int) -> list[bytes]:
    """A head's header lines up to its blank line, read whole (never past MAX_HEAD_BYTES) and
    held to the limits as every client's are (errors.head_problem); `status_line`: the
    length of its status line without the CRLF."""
    lines, used = read_lines(fp, status_line + 2)
    if used > MAX_HEAD_BYTES:
        raise FetchError("too_large", HEAD_TOO_BIG, status)
    problem = head_problem(lines, status_line)
    if problem is not None:
        raise FetchError("too_large", problem, status)
    bad = malformed_line(lines)
    if bad is not None:
        raise FetchError("invalid", malformed(bad), status)
    if framing_problem(lines) is not None:
        raise FetchError("invalid", BAD_FRAMING, status)
    return lines


def read_lines(fp: BinaryIO, used: int) -> tuple[list[bytes], int]:
    """The lines up to a blank one, and the head's bytes read with them: past MAX_HEAD_BYTES
    it stops (then `used` says so)."""
    lines: list[bytes] = []
    while used <= MAX_HEAD_BYTES:
        line = fp.readline(MAX_HEAD_BYTES - used + 1)
        used += len(line)
        if not line:  # the server closed before the blank line: no answer (http.client took it)
            raise FetchError("reset", HEAD_CUT)
        if line in (b"\r\n", b"\n"):
            break
        lines.append(line)
    return lines, used


def check_length(message: http.client.HTTPMessage, status: int) -> None:
    """A Content-Length that is not one number of bytes makes the answer unreadable."""
    values = {value.strip() for value in message.get_all("Content-Length") or ()}
    if values and (len(values) > 1 or not _LENGTH.fullmatch(next(iter(values)))):
        said = ", ".join(sorted(values))
        raise FetchError("invalid", f"the response's Content-Length is not a length: {said!r}", status)


class HeadRulesResponse(http.client.HTTPResponse):
    """http.client's response whose head is read by fetchtui's rules; its body as before.

    http.client skips interim 100 heads only (a 103 was taken for the answer), counts the
    blank line as a header (100 lines failed) and leaves a malformed head to a body read
    until the server closes (the request was a timeout).
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            try:
                version, status, reason = self._read_status()
            except http.client.LineTooLong:  # a status line past 64 KiB: is the head past its all?
                _, used = read_lines(self.fp, MAX_HEADER_LINE + 1)
                problem = HEAD_TOO_BIG if used > MAX_HEAD_BYTES else HEADER_TOO_LONG
                raise FetchError("too_large", problem) from None
            lines = read_head_lines(self.fp, status, len(version) + len(reason) + 3)  # reason has the CRLF
            if not (100 <= status < 200) or status == 101:  # an interim head: the answer follows
                break
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        text = b"".join(lines).decode("iso-8859-1") + "\r\n"
        self.headers = self.msg = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)
        check_length(self.msg, status)
        self._frame()

    def _read_and_discard_trailer(self) -> None:
        """The trailers, thrown away: a line up to 100 KiB, as httpx and aiohttp read them
        (http.client stopped at 64 KiB, with a message about the head)."""
        while True:
            line = self.fp.readline(MAX_HEAD_BYTES + 1)
            if len(line) > MAX_HEAD_BYTES:
                raise FetchError("too_large", TRAILER_TOO_LONG, self.status)
            if line in (b"\r\n", b"\n", b""):
                return

    def _frame(self) -> None:
        """Where the body ends (chunked, a length, the close), as http.client's begin() decides."""
        encoding = self.headers.get("transfer-encoding")
        self.chunked = bool(encoding and encoding.lower() == "chunked")
        self.chunk_left = None
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        length = self.headers.get("content-length")
        self.length = int(length) if length and not self.chunked else None
        if self.status in (204, 304) or 100 <= self.status < 200 or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True
