"""The small interfaces every HTTP client implements, and the factories that import only the one asked for."""

from __future__ import annotations

from typing import Protocol, cast

from fetchtui.core import registry
from fetchtui.core.fetching.result import FetchResult
from fetchtui.core.input.config import FetchLimits, check_client
from fetchtui.core.input.targets import Target

CHUNK = 65536


class Client(Protocol):
    """A thread's client: send one request within the limits; return its FetchResult or raise FetchError."""

    name: str

    def fetch(self, target: Target) -> FetchResult: ...

    def close(self) -> None: ...


class AsyncClient(Protocol):
    """An event loop's client: one request within the limits, or FetchError; the caller holds the deadline."""

    async def fetch(self, target: Target) -> FetchResult: ...

    async def aclose(self) -> None: ...


def make_client(name: str, workers: int, limits: FetchLimits) -> Client:
    """Build the thread client called `name` (the registry's entry); only its library is imported."""
    spec = registry.client("threads", check_client(name))
    if spec is None:
        raise ValueError(registry.pair_problem("threads", name))
    return cast(Client, spec.build(workers, limits))


def make_async_client(name: str, tasks: int, limits: FetchLimits) -> AsyncClient:
    """Build the event-loop client called `name` (the registry's entry)."""
    spec = registry.client("asyncio", check_client(name))
    if spec is None:
        raise ValueError(registry.pair_problem("asyncio", name))
    return cast(AsyncClient, spec.build(tasks, limits))
