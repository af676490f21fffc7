"""A run's summary as a type: what every front end shows and the JSON export's `summary` object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from fetchtui.core.interpreter import PythonInfo


@dataclass(frozen=True, slots=True)
class Latency:
    """Percentiles of the finished requests' latency, in milliseconds."""

    p50: float = 0.0
    p90: float = 0.0
    p99: float = 0.0
    max: float = 0.0


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

    rate: float | None = None  # requests per second asked for
    duration_s: float | None = None
    end: str = "wait"  # what the end of the duration did to requests in flight: wait, cut
    in_flight_at_end: int = 0  # started before the duration ended, finished (or cut) after
    not_started: int = 0  # scheduled, but the duration ended first: workers fell behind
    from_schedule_ms: Latency | None = None  # with a rate
    lag_ms: Latency | None = None  # how late requests were sent after their scheduled time

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate, "duration_s": self.duration_s, "end": self.end,
            "in_flight_at_end": self.in_flight_at_end, "not_started": self.not_started,
            "latency_from_schedule_ms": (_latency_json(self.from_schedule_ms)
                                         if self.from_schedule_ms is not None else None),
            "lag_ms": _latency_json(self.lag_ms) if self.lag_ms is not None else None,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> OpenLoop:
        def number(key: str) -> float | None:
            value = doc.get(key)
            return float(value) if value is not None else None
        sched, lag = doc.get("latency_from_schedule_ms"), doc.get("lag_ms")
        return cls(number("rate"), number("duration_s"), str(doc.get("end", "wait")),
                   int(doc.get("in_flight_at_end", 0)), int(doc.get("not_started", 0)),
                   _latency(sched) if sched is not None else None,
                   _latency(lag) if lag is not None else None)


@dataclass(frozen=True, slots=True)
class StageFigures:
    """One stage of --stages: its worker count and length, and what it made."""

    workers: int
    duration_s: float
    requests: int  # ok or failed, finished while it ran
    rps: float
    p50_ms: float
    p99_ms: float

    def to_json(self) -> dict[str, Any]:
        return {"workers": self.workers, "duration_s": self.duration_s, "requests": self.requests,
                "rps": self.rps, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> StageFigures:
        return cls(int(doc["workers"]), float(doc["duration_s"]), int(doc["requests"]),
                   float(doc["rps"]), float(doc["p50_ms"]), float(doc["p99_ms"]))


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

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "requests": self.requests, "ok": self.ok, "failed": self.failed,
                "cancelled": self.cancelled, "latency_ms": _latency_json(self.latency_ms),
                "bytes": self.bytes, "error_counts": dict(self.error_counts)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> UrlFigures:
        return cls(str(doc["url"]), int(doc["requests"]), int(doc["ok"]), int(doc["failed"]),
                   int(doc["cancelled"]), _latency(doc.get("latency_ms")), int(doc.get("bytes", 0)),
                   {str(k): int(v) for k, v in (doc.get("error_counts") or {}).items()})


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One --check against the run: what it says, the value measured, and whether it held."""

    expr: str
    value: float | None  # None: the run has no such figure (no request ran)
    passed: bool
    shown: str = ""  # the value as the check reads it: `212.4 ms`, `0.5%`

    def to_json(self) -> dict[str, Any]:
        return {"expr": self.expr, "value": self.value, "passed": self.passed}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CheckResult:
        value = doc.get("value")
        return cls(str(doc["expr"]), float(value) if value is not None else None,
                   bool(doc["passed"]))


#: What a run was bound by (see core/stats/limit.py for how each is judged).
LimitBy = Literal["workers", "client_cpu", "server", "rate"]


@dataclass(frozen=True, slots=True)
class Limit:
    """What bounded the run's throughput, and the figures that say so."""

    by: LimitBy
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "why": self.why}


def _latency(doc: Mapping[str, Any] | None) -> Latency:
    doc = doc or {}
    return Latency(*(float(doc.get(k, 0.0)) for k in ("p50", "p90", "p99", "max")))


def _latency_json(lat: Latency) -> dict[str, float]:
    return {"p50": lat.p50, "p90": lat.p90, "p99": lat.p99, "max": lat.max}


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The figures of a run; `to_json()` is the export's summary object (format version 1)."""

    submitted: int
    ok: int
    failed: int
    cancelled: int
    elapsed_s: float
    rps: float
    latency_ms: Latency = field(default_factory=Latency)
    cpu_share: float = 0.0
    cpu_ms_per_request: float = 0.0
    gil_ceiling_rps: float | None = None
    status_counts: Mapping[str, int] = field(default_factory=dict)
    error_counts: Mapping[str, int] = field(default_factory=dict)
    connections: Connections = field(default_factory=Connections)
    phases_ms: Mapping[str, Latency] = field(default_factory=dict)  # over requests that had each
    http_versions: Mapping[str, int] = field(default_factory=dict)  # "HTTP/2": requests
    open_loop: OpenLoop | None = None  # a run with a rate or a duration
    resizes: tuple[tuple[float, int], ...] = ()  # (t_s, workers): the pool resized as it ran
    pauses: tuple[tuple[float, float], ...] = ()  # (t_s, seconds) each pause began and lasted
    paused_s: float = 0.0  # no part of rps
    stages: tuple[StageFigures, ...] = ()
    limit: Limit | None = None
    by_url: tuple[UrlFigures, ...] = ()  # a row per distinct URL of the list, in list order
    url_count: int = 0  # distinct URLs in all: by_url has the first 1,000 (an export every one)
    checks: tuple[CheckResult, ...] = ()  # --check, judged once the run ended
    #: (latency ms, CPU ms) of up to SAMPLE requests that ran, spread over the run: what
    #: `fetchtui diff` resamples when a run is a history row (an export has every request)
    sample: tuple[tuple[float, float], ...] = ()
    python: PythonInfo | None = None  # the fetch process's interpreter, and its GIL

    @property
    def complete(self) -> bool:
        """No request was cancelled: the run's elapsed time is the whole list's."""
        return self.cancelled == 0

    @property
    def all_ok(self) -> bool:
        return self.ok == self.submitted

    def to_json(self, sample: bool = False) -> dict[str, Any]:
        """The export's summary object; with `sample`, the history's (its latency sample too)."""
        return {
            **({"sample": [list(pair) for pair in self.sample]} if sample else {}),
            "submitted": self.submitted,
            "ok": self.ok,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "elapsed_s": self.elapsed_s,
            "rps": self.rps,
            "latency_ms": _latency_json(self.latency_ms),
            "cpu_share": self.cpu_share,
            "cpu_ms_per_request": self.cpu_ms_per_request,
            "gil_ceiling_rps": self.gil_ceiling_rps,
            "status_counts": dict(self.status_counts),
            "error_counts": dict(self.error_counts),
            "connections": {"opened": self.connections.opened, "reused": self.connections.reused},
            "phases_ms": {name: _latency_json(lat) for name, lat in self.phases_ms.items()},
            "http_versions": dict(self.http_versions),
            "open_loop": self.open_loop.to_json() if self.open_loop is not None else None,
            "resizes": [{"t_s": t, "workers": n} for t, n in self.resizes],
            "pauses": [{"t_s": t, "s": seconds} for t, seconds in self.pauses],
            "paused_s": self.paused_s,
            "stages": [stage.to_json() for stage in self.stages],
            "limit": self.limit.to_json() if self.limit is not None else None,
            "by_url": [row.to_json() for row in self.by_url],
            "url_count": self.url_count,
            "checks": [check.to_json() for check in self.checks],
            "python": self.python.to_json() if self.python is not None else None,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RunSummary:
        """Read a summary object back (an export, a history file); absent figures are zero
        (an export written before a figure existed opens as well)."""
        ceiling = doc.get("gil_ceiling_rps")
        conns = doc.get("connections") or {}
        pace = doc.get("open_loop")
        return cls(
            submitted=int(doc["submitted"]), ok=int(doc["ok"]), failed=int(doc["failed"]),
            cancelled=int(doc["cancelled"]), elapsed_s=float(doc["elapsed_s"]),
            rps=float(doc.get("rps", 0.0)),
            latency_ms=_latency(doc.get("latency_ms")),
            cpu_share=float(doc.get("cpu_share", 0.0)),
            cpu_ms_per_request=float(doc.get("cpu_ms_per_request", 0.0)),
            gil_ceiling_rps=float(ceiling) if ceiling is not None else None,
            status_counts={str(k): int(v) for k, v in (doc.get("status_counts") or {}).items()},
            error_counts={str(k): int(v) for k, v in (doc.get("error_counts") or {}).items()},
            connections=Connections(int(conns.get("opened", 0)), int(conns.get("reused", 0))),
            phases_ms={str(k): _latency(v) for k, v in (doc.get("phases_ms") or {}).items()},
            http_versions={str(k): int(v) for k, v in (doc.get("http_versions") or {}).items()},
            open_loop=OpenLoop.from_json(pace) if pace else None,
            resizes=tuple((float(r["t_s"]), int(r["workers"])) for r in doc.get("resizes") or ()),
            pauses=tuple((float(r["t_s"]), float(r["s"])) for r in doc.get("pauses") or ()),
            paused_s=float(doc.get("paused_s", 0.0)),
            stages=tuple(StageFigures.from_json(r) for r in doc.get("stages") or ()),
            limit=(Limit(cast(LimitBy, str(limit["by"])), str(limit.get("why", "")))
                   if (limit := doc.get("limit")) else None),
            by_url=tuple(UrlFigures.from_json(r) for r in doc.get("by_url") or ()),
            url_count=int(doc.get("url_count", len(doc.get("by_url") or ()))),
            checks=tuple(CheckResult.from_json(r) for r in doc.get("checks") or ()),
            sample=tuple((float(a), float(b)) for a, b in doc.get("sample") or ()),
            python=PythonInfo.from_json(python) if (python := doc.get("python")) else None,
        )
