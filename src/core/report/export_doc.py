"""The JSON export declared as types: the document, its config, its threads, processes and request rows.

core/report/export.py writes a run as these say, core/report/codec.py makes the codec and the JSON Schema
(`fetchtui schema`, schema/export.schema.json) from them. Format version 1: a later field is
added with a default, so that an export written before it still opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fetchtui.core.report import shape
from fetchtui.core.report.shape import ms, seconds, spec
from fetchtui.core.report.summary import RunSummary, StateSeconds, UrlFigures
from fetchtui.core.runs.events import ErrorKind

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class StageConfig:
    """One stage of --stages as asked: its workers and how long it lasts."""

    workers: int
    duration_s: float = field(metadata=seconds())


@dataclass(frozen=True, slots=True)
class ExportConfig:
    """The run's settings as given (a proxy's credentials masked): what `fetchtui open` replays."""

    fetchtui: str = field(default="", metadata=spec(doc="the version that wrote the export"))
    workers: int = 1
    client: str = field(default="requests", metadata=spec(
        was="backend", doc="the HTTP client (--client); an export before 2026-12-07 names it \"backend\""))
    model: str = "threads"
    processes: int = 1
    requests: int = field(default=0, metadata=spec(doc="requests in the list"))
    timeout: float = field(default=10.0, metadata=seconds())
    max_bytes: int = 100 * 1024 * 1024
    max_redirects: int = 10
    ca_bundle: str | None = None
    proxy: str | None = None
    env_proxy: bool = True
    direct: tuple[str, ...] = ()
    http2: bool = False
    insecure: bool = False
    rate: float | None = None
    duration_s: float | None = field(default=None, metadata=seconds())
    cut_at_end: bool = False
    stages: tuple[StageConfig, ...] = ()
    python: str | None = field(default=None, metadata=spec(doc="--python: the interpreter asked for"))


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """One worker (a thread, or an asyncio task on its loop's thread) and its totals."""

    ident: int = field(metadata=shape.ident())
    name: str
    native_id: int = field(default=0, metadata=shape.ident())
    pid: int = field(default=0, metadata=shape.ident())
    task: int | None = None
    requests: int = 0
    busy_s: float = field(default=0.0, metadata=seconds())
    cpu_s: float = field(default=0.0, metadata=seconds())
    retired_s: float | None = field(default=None, metadata=seconds(
        doc="it left a shrinking pool this far into the run (null: it stayed to the end)"))
    states: StateSeconds | None = field(default=None, metadata=spec(
        doc="its thread's seconds in each state (an asyncio task's: its loop thread's); null: not "
            "sampled"))


@dataclass(frozen=True, slots=True)
class ProcessRow:
    """One process of the pool and its totals."""

    pid: int = field(metadata=shape.ident())
    workers: int
    requests: int
    busy_s: float = field(metadata=seconds())
    cpu_s: float = field(metadata=seconds())


OutcomeName = Literal["ok", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One request (a JSON object of `requests`, a CSV row); null: it did not happen or is unknown."""

    id: int
    url: str = field(metadata=spec(doc="credentials masked"))
    thread_ident: int | None = field(metadata=shape.ident())
    thread_name: str | None
    pid: int | None = field(metadata=shape.ident())
    start_s: float | None = field(metadata=seconds(doc="from the run's start"))
    end_s: float | None = field(metadata=seconds())
    elapsed_ms: float | None = field(metadata=ms())
    status: int | None = field(metadata=spec(high=999))
    bytes: int
    outcome: OutcomeName | None
    error_kind: ErrorKind | None
    error: str | None
    # written since 0.1.0 (null where a phase did not happen): an older export has none of them
    dns_ms: float | None = field(default=None, metadata=ms())
    connect_ms: float | None = field(default=None, metadata=ms())
    tls_ms: float | None = field(default=None, metadata=ms())
    wait_ms: float | None = field(default=None, metadata=ms())
    receive_ms: float | None = field(default=None, metadata=ms())
    conn_id: int | None = None
    conn_reused: bool | None = None
    http_version: str | None = None
    scheduled_s: float | None = field(default=None, metadata=seconds(
        doc="when an open loop's schedule had it start"))
    task: int | None = field(default=None, metadata=spec(doc="the asyncio task (its thread is the loop's)"))
    cpu_ms: float | None = field(default=None, metadata=ms(
        doc="the worker's CPU for it (under asyncio: the loop's since the one before)"))


#: The columns of a request, in the order the JSON object and the CSV row give them.
REQUEST_FIELDS = tuple(RequestRow.__dataclass_fields__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportDoc:
    """A run exported by `fetchtui run --json` (or the live monitor's ctrl+o), format version 1."""

    version: Literal[1]
    config: ExportConfig = field(default_factory=ExportConfig)
    summary: RunSummary
    threads: tuple[ThreadRow, ...] = ()
    processes: tuple[ProcessRow, ...] = ()
    requests: tuple[RequestRow, ...] = field(metadata=spec(doc="every request, in id order"))
    by_url: tuple[UrlFigures, ...] = field(default=(), metadata=spec(
        doc="every distinct URL's row (the summary's by_url stops at its first 1,000)"))
