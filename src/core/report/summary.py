"""A run's summary as types: what every front end shows, the JSON export's `summary` object and a history row.

Declared once: core/report/codec.py writes, reads back and describes (JSON Schema) these types from
their fields; core/report/shape.py's metadata gives a field's JSON name and range.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from fetchtui.core.report import shape
from fetchtui.core.report.shape import ms, seconds, spec
from fetchtui.core.runs.interpreter import PythonInfo


@dataclass(frozen=True, slots=True)
class Latency:
    """Percentiles of the finished requests' latency, in milliseconds."""

    p50: float = field(default=0.0, metadata=ms())
    p90: float = field(default=0.0, metadata=ms())
    p99: float = field(default=0.0, metadata=ms())
    max: float = field(default=0.0, metadata=ms())


@dataclass(frozen=True, slots=True)
class Connections:
    """Requests that opened a new connection, and requests that reused one."""

    opened: int = 0
    reused: int = 0

    @property
    def reused_share(self) -> float:
        both = self.opened + self.reused
        return self.reused / both if both else 0.0


@dataclass(frozen=True, slots=True)
class OpenLoop:
    """An open-loop run's pace and how well the workers kept it.

    `from_schedule_ms` is latency from each request's scheduled time, not its send: a request
    that waited for a free worker counts its wait (coordinated omission, as wrk2 corrects it).
    """

    rate: float | None = field(default=None, metadata=spec(doc="requests per second asked for"))
    duration_s: float | None = field(default=None, metadata=seconds())
    end: str = field(default="wait", metadata=spec(
        doc="what the end of the duration did to requests in flight: wait, cut"))
    in_flight_at_end: int = field(default=0, metadata=spec(
        doc="started before the duration ended, finished (or cut) after"))
    not_started: int = field(default=0, metadata=spec(
        doc="scheduled, but the duration ended first: workers fell behind"))
    from_schedule_ms: Latency | None = field(default=None, metadata=spec(
        name="latency_from_schedule_ms", doc="latency from each request's scheduled time (with a rate)"))
    lag_ms: Latency | None = field(default=None, metadata=spec(
        doc="how late requests were sent after their scheduled time"))


@dataclass(frozen=True, slots=True)
class StageFigures:
    """One stage of --stages: its worker count and length, and what it made."""

    workers: int
    duration_s: float = field(metadata=seconds())
    requests: int = field(metadata=spec(doc="ok or failed, finished while it ran"))
    rps: float
    p50_ms: float = field(metadata=ms())
    p99_ms: float = field(metadata=ms())


@dataclass(frozen=True, slots=True)
class UrlFigures:
    """One distinct URL of the list (credentials masked): its requests and how they went."""

    url: str
    requests: int
    ok: int
    failed: int
    cancelled: int
    latency_ms: Latency = field(default_factory=Latency)
    bytes: int = 0
    error_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One --check against the run: what it says, the value measured, and whether it held."""

    expr: str
    value: float | None = field(metadata=spec(
        low=-shape.MAX_FIGURE, doc="the figure measured; null: the run has no such figure (no request ran)"))
    passed: bool
    #: the value as the check reads it (`212.4 ms`, `0.5%`): shown, not written
    shown: str = field(default="", metadata=spec(skip=True))


@dataclass(frozen=True, slots=True)
class StateSeconds:
    """Seconds of thread time in each state (core/threadstates/kinds.py's MEANING says each)."""

    cpu: float = field(default=0.0, metadata=seconds(doc="on a core, running"))
    runnable: float = field(default=0.0, metadata=seconds(doc="ready, waiting for a core (cores full)"))
    gil: float = field(default=0.0, metadata=seconds(doc="waiting for the GIL (none without a GIL)"))
    lock: float = field(default=0.0, metadata=seconds(doc="waiting on another lock (a pool's, a queue's)"))
    net: float = field(default=0.0, metadata=seconds(doc="waiting on the network"))
    idle: float = field(default=0.0, metadata=seconds(doc="a worker with no request"))
    other: float = field(default=0.0, metadata=seconds(doc="any other wait"))

    @property
    def shares(self) -> dict[str, float]:
        """Each state's share of the time (0..1), in the fields' order; empty when none was sampled."""
        spent = {name: getattr(self, name) for name in self.__dataclass_fields__}
        total = sum(spent.values())
        return {name: value / total for name, value in spent.items()} if total > 0 else {}


#: What a run was bound by (see core/stats/limit.py for how each is judged).
LimitBy = Literal["workers", "client_cpu", "server", "rate"]


@dataclass(frozen=True, slots=True)
class Limit:
    """What bounded the run's throughput, and the figures that say so."""

    by: LimitBy
    why: str = ""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The figures of a run: the export's summary object (format version 1), a history row's."""

    submitted: int
    ok: int
    failed: int
    cancelled: int
    elapsed_s: float = field(metadata=seconds())
    rps: float = 0.0
    latency_ms: Latency = field(default_factory=Latency)
    cpu_share: float = 0.0
    cpu_ms_per_request: float = field(default=0.0, metadata=ms())
    gil_ceiling_rps: float | None = None
    status_counts: Mapping[str, int] = field(default_factory=dict)
    error_counts: Mapping[str, int] = field(default_factory=dict)
    connections: Connections = field(default_factory=Connections)
    phases_ms: Mapping[str, Latency | None] = field(default_factory=dict, metadata=spec(
        doc="each phase's latency, over the requests that had it; null where none had it"))
    http_versions: Mapping[str, int] = field(default_factory=dict, metadata=spec(
        doc='requests by protocol: {"HTTP/2": 12}'))
    open_loop: OpenLoop | None = field(default=None, metadata=spec(doc="a run with a rate or a duration"))
    resizes: tuple[tuple[float, int], ...] = field(default=(), metadata=seconds(
        keys=("t_s", "workers"), doc="the pool resized as it ran: when, and to how many workers"))
    pauses: tuple[tuple[float, float], ...] = field(default=(), metadata=seconds(
        keys=("t_s", "s"), doc="when each pause began, and how long it lasted"))
    paused_s: float = field(default=0.0, metadata=seconds(doc="no part of rps"))
    stages: tuple[StageFigures, ...] = ()
    limit: Limit | None = None
    by_url: tuple[UrlFigures, ...] = field(default=(), metadata=spec(
        doc="a row per distinct URL of the list, in list order: the first 1,000 (the export's by_url "
            "has every one)"))
    url_count: int = field(default=0, metadata=spec(doc="distinct URLs in all"))
    checks: tuple[CheckResult, ...] = field(default=(), metadata=spec(
        doc="--check, judged once the run ended"))
    #: (latency ms, CPU ms) of up to SAMPLE requests that ran, spread over the run: what
    #: `fetchtui diff` resamples when a run is a history row (an export has every request)
    sample: tuple[tuple[float, float], ...] = field(default=(), metadata=ms(history=True))
    python: PythonInfo | None = field(default=None, metadata=spec(
        doc="the fetch process's interpreter, and its GIL"))
    thread_states: StateSeconds | None = field(default=None, metadata=spec(
        doc="seconds in each state, summed over the threads that fetched (sampled from Linux's "
            "/proc); null: not sampled, thread_states_why says why"))
    thread_states_why: str | None = field(default=None, metadata=spec(
        doc="why thread_states is null (null too in an export written before it was sampled)"))

    @property
    def complete(self) -> bool:
        """No request was cancelled: the run's elapsed time is the whole list's."""
        return self.cancelled == 0

    @property
    def all_ok(self) -> bool:
        return self.ok == self.submitted

    def to_json(self, sample: bool = False) -> dict[str, Any]:
        """The export's summary object; with `sample`, the history's (its latency sample too)."""
        doc: dict[str, Any] = shape.to_doc(self, history=sample)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RunSummary:
        """Read a summary object back (an export, a history file); absent figures are zero
        (an export written before a figure existed opens as well). Every field is checked by
        core/report/stored.py's rule: a crafted one raises stored.Invalid, naming it."""
        from fetchtui.core.report import codec  # here: a run that only writes never loads it

        summary = codec.from_doc(cls, doc, "summary")
        if "url_count" not in doc:  # written before it was: every row it has
            summary = replace(summary, url_count=len(summary.by_url))
        if summary.python is not None and not summary.python.cores:
            summary = replace(summary, python=replace(summary.python, cores=os.cpu_count() or 1))
        return summary
