"""The events worker threads put on the queue: the only link from the pool to any front end."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Outcome(str, Enum):
    """How a request ended; every request ends in exactly one of these."""

    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: Error kinds of a failed request.
ERROR_KINDS = ("http", "timeout", "connect", "reset", "tls", "redirects", "too_large", "invalid")


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """Who ran a request: Python's thread ident, its name, the OS thread id and the pid."""

    ident: int
    name: str
    native_id: int
    pid: int


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A run began: how many requests and at which `perf_counter_ns` instant."""

    total: int
    workers: int
    t_ns: int


@dataclass(frozen=True, slots=True)
class RequestStarted:
    """A worker thread took request `req_id` off the list."""

    req_id: int
    t_ns: int
    thread: ThreadInfo


@dataclass(frozen=True, slots=True)
class RequestFinished:
    """Request `req_id` reached its terminal state (`thread` is None if it never started)."""

    req_id: int
    t_ns: int
    thread: ThreadInfo | None
    outcome: Outcome
    status: int | None = None
    nbytes: int = 0
    error_kind: str | None = None
    error: str | None = None
    cpu_ns: int = 0


@dataclass(frozen=True, slots=True)
class RunEnded:
    """Every request is accounted; nothing more will come from this run."""

    t_ns: int
    cancelled: bool


Event = RunStarted | RequestStarted | RequestFinished | RunEnded
