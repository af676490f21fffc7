"""The small interface every HTTP client implements, and the factory that imports only the one asked for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from fetchtui.core.config import BackendName, FetchLimits, check_backend
from fetchtui.core.fetching.errors import FetchError
from fetchtui.core.targets import Target

CHUNK = 65536


class Backend(Protocol):
    """Send one request within the limits; return (status, body bytes) or raise FetchError."""

    name: str

    def fetch(self, target: Target) -> tuple[int, int]: ...

    def close(self) -> None: ...


def check_declared_size(limits: FetchLimits, content_length: str | None, status: int) -> None:
    """A body announced larger than the cap fails before a byte of it is read."""
    if content_length and content_length.isdigit() and int(content_length) > limits.max_bytes:
        raise FetchError("too_large", f"body is larger than {limits.max_bytes} bytes", status)


def count_body(chunks: Iterable[bytes], limits: FetchLimits, status: int) -> int:
    """Count a streamed body, throwing it away; past the cap, fail with what was read."""
    nbytes = 0
    for chunk in chunks:
        nbytes += len(chunk)
        if nbytes > limits.max_bytes:
            raise FetchError("too_large", f"body passed {limits.max_bytes} bytes", status, nbytes)
    return nbytes


def make_backend(name: BackendName | str, workers: int, limits: FetchLimits) -> Backend:
    """Build the backend called `name`; only its client library is imported."""
    backend = check_backend(name)
    if backend == "httpx":
        from fetchtui.core.fetching.httpx_backend import HttpxBackend

        return HttpxBackend(workers, limits)
    if backend == "pycurl":
        from fetchtui.core.fetching.pycurl_backend import PycurlBackend

        return PycurlBackend(workers, limits)
    from fetchtui.core.fetching import requests_backend as rb

    classes = {"requests": rb.RequestsBackend, "requests-per-thread": rb.RequestsPerThreadBackend,
               "requests-get": rb.RequestsGetBackend}
    return classes[backend](workers, limits)
