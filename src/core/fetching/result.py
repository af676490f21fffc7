"""The one fetch result every client returns, the body cap, and the one mapping to how a request ended."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from fetchtui.core.fetching.errors import FetchError
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import mask_text
from fetchtui.core.runs.events import ErrorKind, PhaseFields, Phases


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A response, read to its end: status, body bytes counted, and, where the client saw
    them, its phases (with the connection it used) and protocol. A thread client's phases
    come from the trace its worker stamps (fetching.phases), so it may leave them None."""

    status: int
    nbytes: int
    phases: Phases | None = None
    http_version: str | None = None


class BodyCap:
    """Counts a streamed body against --max-bytes; past it, fails with what was read."""

    __slots__ = ("limit", "nbytes", "status")

    def __init__(self, limits: FetchLimits, status: int) -> None:
        self.limit, self.status, self.nbytes = limits.max_bytes, status, 0

    def declared(self, content_length: str | None) -> None:
        """A body announced larger than the cap fails before a byte of it is read."""
        if content_length and content_length.isdigit() and int(content_length) > self.limit:
            raise FetchError("too_large", f"body is larger than {self.limit} bytes", self.status)

    def add(self, count: int) -> None:
        self.nbytes += count
        if self.nbytes > self.limit:
            raise FetchError("too_large", f"body passed {self.limit} bytes", self.status, self.nbytes)

    def count(self, chunks: Iterable[bytes]) -> int:
        """Count every chunk, throwing it away: the body's size."""
        for chunk in chunks:
            self.add(len(chunk))
        return self.nbytes


def _is_timeout(exc: BaseException) -> bool:
    """A TimeoutError, or asyncio's (its own class before 3.11). asyncio is not imported here
    for it: 13 ms of `fetchtui run URL`'s start-up, and a run that never loaded asyncio cannot
    have raised its error."""
    asyncio = sys.modules.get("asyncio")
    return isinstance(exc, TimeoutError) or (asyncio is not None and isinstance(exc, asyncio.TimeoutError))


def past_deadline(t_ns: int, deadline_ns: int | None) -> bool:
    """Whether a request that ended at `t_ns` ended after its deadline (wall time: a stopped
    process's pause counts)."""
    return deadline_ns is not None and t_ns > deadline_ns


def ok_status(status: int) -> bool:
    """Whether a completed transfer's status is an ok outcome (an HTTP error is a failure,
    and a number outside 100-999 no HTTP status at all)."""
    return 100 <= status < 400


#: How a request that ran ended, as the ledger writes it in its row: status (None: no HTTP
#: status), bytes, error kind and text (None: ok), phases, HTTP version
Ending = tuple[int | None, int, ErrorKind | None, str | None, PhaseFields | None, str | None]


def ending(t_ns: int, got: FetchResult | BaseException, timeout_s: float, *, timed_out: bool = False,
           phases: Phases | None = None, http_version: str | None = None,
           deadline_ns: int | None = None) -> Ending:
    """How a request that ran ended, ok or failed with its kind, for every model: the fields
    of its row (no event object is made for it).

    `got` is the client's result or what it raised; `timed_out` says the request's deadline
    cut it (a socket shut by the watchdog raises whatever the client makes of that). A request
    that ends at `t_ns` after `deadline_ns` (its start plus --timeout, on the same clock) is a
    timeout whatever it got: a process stopped past the deadline (SIGTSTP) wakes to find the
    answer read before any watchdog ran. `phases` and `http_version` fill in what the result
    does not carry (a thread client's trace).
    """
    status: int | None = None
    nbytes = 0
    kind: ErrorKind | None = None
    error: str | None = None
    if isinstance(got, FetchResult):
        status, nbytes = got.status, got.nbytes
        phases = got.phases if got.phases is not None else phases
        http_version = got.http_version if got.http_version is not None else http_version
        if not 100 <= status <= 999:  # a client that let it through: it is no answer
            kind, error = "invalid", f"the response's status {status:03d} is not an HTTP status (100-999)"
            status = None
        elif not ok_status(status):
            kind, error = "http", f"HTTP {status}"
    else:
        if isinstance(got, FetchError):
            kind, error, status, nbytes = got.kind, str(got), got.status, got.nbytes
        elif not _is_timeout(got):  # a client bug loses nothing
            kind, error = "invalid", f"{type(got).__name__}: {got}"
        if error is not None:  # a library's message may quote a URL, a proxy's password and all
            error = mask_text(error)
        timed_out = timed_out or _is_timeout(got)
    if timed_out or past_deadline(t_ns, deadline_ns):
        kind, error = "timeout", f"no complete response within {timeout_s:g} s"
    return status, nbytes, kind, error, None if phases is None else phases.fields, http_version
