"""The one registry of HTTP clients and concurrency models: which client runs under which model.

Every front end (the CLI's choices and help, config validation, the setup pane, the models
dialog, the command palette, the sweep) reads these two tables; nothing else says which
client a model runs or how many processes it takes. A new client or model is one entry here
(and its module): see docs/architecture.md, "Adding a client".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

ClientName = Literal["requests", "requests-per-thread", "requests-get", "httpx", "pycurl", "aiohttp"]
ModelName = Literal["threads", "processes", "asyncio", "curl-multi"]
Kind = Literal["sync", "async", "multi"]


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """One HTTP client: what it is, how it drives requests, and where its class lives.

    `factory` is `module:Class`, imported only when a run builds it: a client's library is
    never loaded for a run that does not use it. Each class builds its own TLS (fetching.tls)
    and proxy (fetching.proxies) settings from the run's FetchLimits, the same way for all.
    """

    name: ClientName
    kind: Kind  # sync: a thread calls fetch(); async: a task awaits it on an event loop
    summary: str
    factory: str
    http2: bool = False
    #: its HTTP runs in C with the GIL let go: CPU per request is paid on every core at once,
    #: so its ceiling is the cores' even with the GIL (interpreter.parallelism)
    releases_gil: bool = False

    def build(self, workers: int, limits: Any) -> Any:
        """A new client for one run of `workers` concurrent requests within `limits`."""
        module, _, cls = self.factory.partition(":")
        return getattr(importlib.import_module(module), cls)(workers, limits)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One concurrency model: what it runs on, which clients, and how a run of it is named."""

    name: ModelName
    kind: Kind  # the clients it runs are those of this kind
    summary: str
    default_client: ClientName
    source: str  # `module:Class` of its RunSource (or a function making one), imported only when used
    multi_process: bool = False  # takes -P: that many processes, each running the workers
    #: a thread per worker; False: one thread per process runs them all (an event loop), so
    #: it can spend no more than one core per process, with the GIL or without
    threaded: bool = True
    default_processes: int | None = None  # -P's default; None: one per core
    #: what runs in each of its worker processes (`module:Class`, taking dispense= and t0=)
    per_process: str = "fetchtui.core.runs.pool:PoolSource"
    #: what its workers are (the table's groups, the stats line's count): asyncio's are tasks
    #: on one thread, curl-multi's transfers on one thread, not threads
    workers_are: str = "threads"

    def source_class(self) -> Any:
        module, _, cls = self.source.partition(":")
        return getattr(importlib.import_module(module), cls)

    def per_process_class(self) -> Any:
        module, _, cls = self.per_process.partition(":")
        return getattr(importlib.import_module(module), cls)

    def processes_of_its_own(self, processes: int) -> bool:
        """Whether a run of `processes` fetches in worker processes it spawns; a model whose
        default is one runs that one inline (in the process that opened the run)."""
        return self.multi_process and (processes > 1 or self.default_processes is None)

    def label(self, client: str, processes: int) -> str:
        """How the history names a run's client: `requests`, `requests, 2 processes`, `httpx,
        asyncio`, `pycurl, curl-multi` (and `, 2 processes` when it ran more than its one)."""
        if self.multi_process and self.default_processes is None:  # processes are what it is
            return f"{client}, {processes} processes"
        text = client if self.name == "threads" else f"{client}, {self.name}"
        return text + (f", {processes} processes" if self.multi_process and processes > 1 else "")


_PKG = "fetchtui.core.fetching"
_RUNS = "fetchtui.core.runs"
#: Every client, one entry each. httpx appears twice: its Client for threads, its AsyncClient
#: for an event loop. An event loop's clients are listed with its default first: aiohttp's C
#: parser spends a fraction of AsyncClient's CPU per request (bench/models.py).
CLIENTS: tuple[ClientSpec, ...] = (
    ClientSpec("requests", "sync", "one requests.Session shared by every worker (the lesson's way)",
               f"{_PKG}.requests_client:RequestsClient"),
    ClientSpec("requests-per-thread", "sync", "a requests.Session per worker thread",
               f"{_PKG}.requests_client:RequestsPerThreadClient"),
    ClientSpec("requests-get", "sync", "a bare requests.get: a new connection every time",
               f"{_PKG}.requests_client:RequestsGetClient"),
    ClientSpec("httpx", "sync", "one httpx.Client shared by every worker",
               f"{_PKG}.httpx_client:HttpxClient", http2=True),
    ClientSpec("pycurl", "sync", "libcurl, one easy handle per thread: its HTTP runs in C, GIL released",
               f"{_PKG}.pycurl_client:PycurlClient", http2=True, releases_gil=True),
    ClientSpec("aiohttp", "async", "aiohttp, one ClientSession on the event loop",
               f"{_PKG}.aiohttp_client:AiohttpClient"),
    ClientSpec("httpx", "async", "httpx's AsyncClient on the event loop",
               f"{_PKG}.httpx_async_client:HttpxAsyncClient", http2=True),
    # the multi loop makes an easy handle per transfer slot itself (runs/curl_multi.py)
    ClientSpec("pycurl", "multi", "libcurl's multi interface: a process's transfers all on one thread, in C",
               f"{_PKG}.pycurl_client:CurlHandle", http2=True),
)
_BY_KIND: dict[Kind, dict[str, ClientSpec]] = {
    kind: {c.name: c for c in CLIENTS if c.kind == kind} for kind in ("sync", "async", "multi")}

MODELS: dict[str, ModelSpec] = {m.name: m for m in (
    ModelSpec("threads", "sync", "one pool of -w threads in one process (the lesson's way)", "requests",
              f"{_RUNS}.pool:PoolSource"),
    ModelSpec("processes", "sync", "-P worker processes of -w threads each: a GIL per process",
              "requests", f"{_RUNS}.processes:ProcessesSource", multi_process=True),
    ModelSpec("asyncio", "async", "one event loop thread running -w tasks", "aiohttp",
              f"{_RUNS}.event_loop:LoopSource", threaded=False, workers_are="tasks"),
    ModelSpec("curl-multi", "multi", "one thread per process drives -w transfers through libcurl's "
              "multi interface: asyncio's event loop, in C (-P N processes, default 1)", "pycurl",
              f"{_RUNS}.curl_multi:open_curl_multi", multi_process=True, threaded=False,
              default_processes=1, per_process=f"{_RUNS}.curl_multi:CurlMultiSource",
              workers_are="transfers"),
)}

MODEL_NAMES: tuple[ModelName, ...] = tuple(m.name for m in MODELS.values())
#: Every client name, each once, in registry order (the CLI's -b choices, the setup pane's select).
CLIENT_NAMES: tuple[ClientName, ...] = tuple(dict.fromkeys(c.name for c in CLIENTS))


def multi_process_model() -> ModelName:
    """The model that -P alone implies."""
    return next(m.name for m in MODELS.values() if m.multi_process)


def clients_of(model_name: str) -> dict[str, ClientSpec]:
    """The clients a model runs, its default first."""
    spec = MODELS[model_name]
    table = _BY_KIND[spec.kind]
    return {spec.default_client: table[spec.default_client], **table}


def client_names(model_name: str) -> tuple[ClientName, ...]:
    return tuple(c.name for c in clients_of(model_name).values())


def client(model_name: str, client_name: str) -> ClientSpec | None:
    """The entry for `client_name` as `model_name` runs it (httpx is a different class on an event loop)."""
    return clients_of(model_name).get(client_name)


def default_client(model_name: str) -> ClientName:
    return MODELS[model_name].default_client


def pairs() -> list[tuple[ModelName, ClientName]]:
    """Every (model, client) a run can be: the models dialog's rows."""
    return [(m, c) for m in MODEL_NAMES for c in client_names(m)]


def default_processes(model_name: str) -> int:
    """-P's default for a model: its own, else one per core."""
    import os

    from fetchtui.core.input.config import MAX_PROCESSES

    return MODELS[model_name].default_processes or min(os.cpu_count() or 1, MAX_PROCESSES)


def processes_for(model_name: str, processes: int) -> int:
    """The worker processes a run of `model_name` has: `processes` for a multi-process model, else 1."""
    return processes if MODELS[model_name].multi_process else 1


def pair_problem(model_name: str, client_name: str, http2: bool = False) -> str | None:
    """Why `client_name` cannot run under `model_name` (with HTTP/2 if asked), or None."""
    spec = client(model_name, client_name)
    if spec is None:
        return f"the {model_name} model runs {', '.join(client_names(model_name))}; not {client_name}"
    if http2 and not spec.http2:
        speakers = ", ".join(c.name for c in clients_of(model_name).values() if c.http2)
        return f"--http2 needs a client that speaks it ({speakers}), not {client_name}"
    return None


def http2_clients(model_name: str) -> tuple[ClientName, ...]:
    return tuple(c.name for c in clients_of(model_name).values() if c.http2)


#: The clients a pool of threads runs (in one process or several), and those an event loop runs.
THREAD_CLIENTS: tuple[ClientName, ...] = client_names("threads")
ASYNC_CLIENTS: tuple[ClientName, ...] = client_names("asyncio")
