"""A run's summary as a type: what every front end shows and the JSON export's `summary` object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from fetchtui.core import stored
from fetchtui.core.interpreter import PythonInfo
from fetchtui.core.stored import counts, items, ms, number, obj, optional, seconds, text, whole
from fetchtui.core.textsafe import safe_text


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
        doc = obj(doc, "open_loop")
        sched, lag = doc.get("latency_from_schedule_ms"), doc.get("lag_ms")
        return cls(optional(number, doc.get("rate"), "open_loop.rate"),
                   optional(seconds, doc.get("duration_s"), "open_loop.duration_s"),
                   text(doc.get("end", "wait"), "open_loop.end"),
                   whole(doc.get("in_flight_at_end", 0), "open_loop.in_flight_at_end"),
                   whole(doc.get("not_started", 0), "open_loop.not_started"),
                   _latency(sched, "open_loop.latency_from_schedule_ms") if sched is not None else None,
                   _latency(lag, "open_loop.lag_ms") if lag is not None else None)


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
        doc = obj(doc, "a stage")
        return cls(whole(doc["workers"], "a stage's workers"),
                   seconds(doc["duration_s"], "a stage's duration_s"),
                   whole(doc["requests"], "a stage's requests"), number(doc["rps"], "a stage's rps"),
                   ms(doc["p50_ms"], "a stage's p50_ms"), ms(doc["p99_ms"], "a stage's p99_ms"))


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
        doc = obj(doc, "a by_url row")
        requests, ok, failed, cancelled = (whole(doc[key], f"a by_url row's {key}")
                                           for key in ("requests", "ok", "failed", "cancelled"))
        return cls(text(doc["url"], "a by_url row's url"), requests, ok, failed, cancelled,
                   _latency(doc.get("latency_ms"), "a by_url row's latency_ms"),
                   whole(doc.get("bytes", 0), "a by_url row's bytes"),
                   counts(doc.get("error_counts"), "a by_url row's error_counts"))


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
        doc = obj(doc, "a check")
        return cls(text(doc["expr"], "a check's expr"),
                   optional(_signed, doc.get("value"), "a check's value"),
                   stored.flag(doc["passed"], "a check's passed"))


#: What a run was bound by (see core/stats/limit.py for how each is judged).
LimitBy = Literal["workers", "client_cpu", "server", "rate"]


@dataclass(frozen=True, slots=True)
class Limit:
    """What bounded the run's throughput, and the figures that say so."""

    by: LimitBy
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"by": self.by, "why": self.why}


def _latency(doc: object, what: str = "latency_ms") -> Latency:
    figures = obj(doc, what)
    return Latency(*(ms(figures.get(k, 0.0), f"{what}.{k}") for k in ("p50", "p90", "p99", "max")))


def _signed(value: object, what: str) -> float:
    return number(value, what, stored.MAX_FIGURE, -stored.MAX_FIGURE)


def _python(doc: object) -> PythonInfo | None:
    """The interpreter a run names, as a file holds it (None: the run named none)."""
    if not doc:
        return None
    info = obj(doc, "python")
    return PythonInfo(text(info.get("executable", ""), "python.executable"),
                      text(info.get("version", ""), "python.version"),
                      text(info.get("implementation", ""), "python.implementation"),
                      stored.flag(info.get("free_threaded", False), "python.free_threaded"),
                      stored.flag(info.get("gil", True), "python.gil"),
                      whole(info.get("cores") or os.cpu_count() or 1, "python.cores", 1 << 20, 1))


def _pairs(doc: Mapping[str, Any], key: str, first: str, second: str) -> list[tuple[float, Any]]:
    """A list of {first: seconds, second: value} objects (resizes, pauses), its values read."""
    out = []
    for row in items(doc.get(key), key):
        row = obj(row, f"a row of {key}")
        out.append((seconds(row[first], f"{key}' {first}"), row[second]))
    return out


def _sampled(pair: object) -> tuple[float, float]:
    """One (latency ms, CPU ms) pair of a history row's sample."""
    values = items(pair, "a sample")
    if len(values) != 2:
        raise stored.Invalid(f"a sample must be a pair of numbers, got {len(values)} of them")
    return ms(values[0], "a sample's latency"), ms(values[1], "a sample's CPU")


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
        (an export written before a figure existed opens as well). Every field is checked by
        core/stored.py's rule: a crafted one raises stored.Invalid, naming it."""
        doc = obj(doc, "summary")
        conns = obj(doc.get("connections"), "connections")
        pace = doc.get("open_loop")
        limit = obj(doc.get("limit"), "limit")
        return cls(
            submitted=whole(doc["submitted"], "submitted"), ok=whole(doc["ok"], "ok"),
            failed=whole(doc["failed"], "failed"), cancelled=whole(doc["cancelled"], "cancelled"),
            elapsed_s=seconds(doc["elapsed_s"], "elapsed_s"),
            rps=number(doc.get("rps", 0.0), "rps"),
            latency_ms=_latency(doc.get("latency_ms")),
            cpu_share=number(doc.get("cpu_share", 0.0), "cpu_share"),
            cpu_ms_per_request=ms(doc.get("cpu_ms_per_request", 0.0), "cpu_ms_per_request"),
            gil_ceiling_rps=optional(number, doc.get("gil_ceiling_rps"), "gil_ceiling_rps"),
            status_counts=counts(doc.get("status_counts"), "status_counts"),
            error_counts=counts(doc.get("error_counts"), "error_counts"),
            connections=Connections(whole(conns.get("opened", 0), "connections.opened"),
                                    whole(conns.get("reused", 0), "connections.reused")),
            phases_ms={text(k, "a phase's name"): _latency(v, f"phases_ms.{safe_text(k, 40)}")
                       for k, v in obj(doc.get("phases_ms"), "phases_ms").items()},
            http_versions=counts(doc.get("http_versions"), "http_versions"),
            open_loop=OpenLoop.from_json(pace) if pace else None,
            resizes=tuple((t, whole(n, "a resize's workers"))
                          for t, n in _pairs(doc, "resizes", "t_s", "workers")),
            pauses=tuple((t, seconds(s, "a pause's s")) for t, s in _pairs(doc, "pauses", "t_s", "s")),
            paused_s=seconds(doc.get("paused_s", 0.0), "paused_s"),
            stages=tuple(StageFigures.from_json(r) for r in items(doc.get("stages"), "stages")),
            limit=(Limit(cast(LimitBy, text(limit["by"], "limit.by")),
                         text(limit.get("why", ""), "limit.why")) if limit else None),
            by_url=tuple(UrlFigures.from_json(r) for r in items(doc.get("by_url"), "by_url")),
            url_count=whole(doc.get("url_count", len(items(doc.get("by_url"), "by_url"))), "url_count"),
            checks=tuple(CheckResult.from_json(r) for r in items(doc.get("checks"), "checks")),
            sample=tuple(_sampled(pair) for pair in items(doc.get("sample"), "sample")),
            python=_python(doc.get("python")),
        )
