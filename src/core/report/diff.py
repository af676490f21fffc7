"""`fetchtui diff A B`: did B change from A, or is that noise?

For each figure: A, B, the change (B / A, or B - A for the error rate), a 95% interval for
the change, and a verdict. The latency percentiles and the CPU per request come with a
bootstrap over each run's per-request values (resampled BOOTSTRAP times with a fixed seed,
so a diff reads the same twice). req/s has one figure per run, no sample: its interval is
the mean latency's, turned round (a closed-loop run's req/s is its workers over its mean
latency). The error rate's is the normal interval of a difference of two proportions.

A verdict needs both: the interval clear of "no change", and a change of at least
MIN_EFFECT (10% for req/s and p50, 15% p90, 30% p99, 25% CPU, half a point of errors), so two runs of
the same list read `no significant change` even when thousands of requests make a 1% wobble
"significant".
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from fetchtui.core.report.summary import RunSummary, StateSeconds

BOOTSTRAP = 400
MAX_SAMPLE = 2000  # values a run is resampled from (every k-th beyond it)
#: The least change that is one, by figure: between two runs a machine's own noise moves
#: latency a few percent and the CPU a request costs more (other processes, frequency).
MIN_EFFECT = {"rps": 0.10, "p50": 0.10, "p90": 0.15, "p99": 0.30, "cpu": 0.25}  # tails are noisier
MIN_ERRORS_POINTS = 0.5
SEED = 20261201

Verdict = Literal["slower", "faster", "no significant change"]
FIGURES = ("rps", "p50", "p90", "p99", "errors", "cpu")


@dataclass(frozen=True, slots=True)
class RunData:
    """One side of a diff: its summary, and the per-request values it is resampled from."""

    name: str
    summary: RunSummary
    latencies_ms: Sequence[float]  # of the requests that ran
    cpu_ms: Sequence[float]


@dataclass(frozen=True, slots=True)
class FigureDiff:
    """One figure of A and B, the change, its 95% interval and the verdict."""

    figure: str
    a: float
    b: float
    change: float | None  # B / A (for errors: B - A in points); None when A has none
    low: float | None
    high: float | None
    verdict: Verdict
    ratio: bool = True  # the change is a ratio (else a difference)

    def shown(self, value: float | None) -> str:
        """A change or an interval's end as read: `1.98x`, or `+0.50 pt` for the error rate."""
        if value is None:
            return "-"
        return f"{value:.2f}x" if self.ratio else f"{value:+.2f} pt"

    def to_json(self) -> dict[str, object]:
        """JSON's figures: a ratio that overflowed (a tiny A) is null, never the non-JSON Infinity."""
        return {"figure": self.figure, "a": _finite(self.a), "b": _finite(self.b),
                "change": _finite(self.change), "ci95": [_finite(self.low), _finite(self.high)],
                "verdict": self.verdict,
                "change_is": "ratio" if self.ratio else "difference"}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _thin(values: Sequence[float]) -> list[float]:
    step = max(1, -(-len(values) // MAX_SAMPLE))
    return list(values[::step])


Statistic = Callable[[list[float]], float]


def _boot(a: Sequence[float], b: Sequence[float], stat: Statistic, rng: random.Random) -> list[float]:
    """BOOTSTRAP ratios stat(resample of b) / stat(resample of a)."""
    out = []
    for _ in range(BOOTSTRAP):
        sa, sb = stat(rng.choices(a, k=len(a))), stat(rng.choices(b, k=len(b)))
        if sa > 0:
            out.append(sb / sa)
    return sorted(out)


def _interval(ratios: Sequence[float]) -> tuple[float | None, float | None]:
    if not ratios:
        return None, None
    return ratios[int(0.025 * (len(ratios) - 1))], ratios[int(0.975 * (len(ratios) - 1))]


def _verdict(low: float | None, high: float | None, change: float | None, *, higher_is_slower: bool,
             effect: float) -> Verdict:
    if low is None or high is None or change is None:
        return "no significant change"
    if low > 1 and change - 1 >= effect:
        return "slower" if higher_is_slower else "faster"
    if high < 1 and 1 - change >= effect:
        return "faster" if higher_is_slower else "slower"
    return "no significant change"


def _quantile(q: float) -> Statistic:
    def stat(values: list[float]) -> float:
        values.sort()  # nearest rank, as the summary's percentiles
        return values[max(0, math.ceil(len(values) * q / 100) - 1)] if values else 0.0
    return stat


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def diff(a: RunData, b: RunData) -> list[FigureDiff]:
    """Every figure of B against A."""
    rng = random.Random(SEED)
    la, lb = _thin(a.latencies_ms), _thin(b.latencies_ms)
    out: list[FigureDiff] = []
    sa, sb = a.summary, b.summary
    # req/s: its interval from the mean latency's, turned round
    rps_change = sb.rps / sa.rps if sa.rps > 0 else None
    low = high = None
    if la and lb and rps_change is not None:
        ratios = _boot(la, lb, _mean, rng)  # latency B / A
        point = _mean(lb) / _mean(la) if _mean(la) > 0 else 1.0
        lo, hi = _interval(ratios)
        if lo and hi:
            low, high = rps_change * point / hi, rps_change * point / lo
    out.append(FigureDiff("rps", sa.rps, sb.rps, rps_change, low, high,
                          _verdict(low, high, rps_change, higher_is_slower=False,
                                   effect=MIN_EFFECT["rps"])))
    for q, name in ((50, "p50"), (90, "p90"), (99, "p99")):
        va, vb = getattr(sa.latency_ms, name), getattr(sb.latency_ms, name)
        change = vb / va if va > 0 else None
        low, high = _interval(_boot(la, lb, _quantile(q), rng)) if la and lb else (None, None)
        out.append(FigureDiff(name, va, vb, change, low, high,
                              _verdict(low, high, change, higher_is_slower=True,
                                       effect=MIN_EFFECT[name])))
    out.append(_errors(sa, sb))
    ca, cb = _thin(a.cpu_ms), _thin(b.cpu_ms)
    change = sb.cpu_ms_per_request / sa.cpu_ms_per_request if sa.cpu_ms_per_request > 0 else None
    low, high = _interval(_boot(ca, cb, _mean, rng)) if ca and cb and any(ca) else (None, None)
    out.append(FigureDiff("cpu", sa.cpu_ms_per_request, sb.cpu_ms_per_request, change, low, high,
                          _verdict(low, high, change, higher_is_slower=True, effect=MIN_EFFECT["cpu"])))
    return out


def _errors(sa: RunSummary, sb: RunSummary) -> FigureDiff:
    """The error rate (failed / ran), B - A in points, with a normal interval."""
    na, nb = sa.ok + sa.failed, sb.ok + sb.failed
    pa, pb = (sa.failed / na if na else 0.0), (sb.failed / nb if nb else 0.0)
    change = (pb - pa) * 100
    se = math.sqrt((pa * (1 - pa) / na if na else 0) + (pb * (1 - pb) / nb if nb else 0)) * 100
    low, high = change - 1.96 * se, change + 1.96 * se
    verdict: Verdict = "no significant change"
    if low > 0 and change >= MIN_ERRORS_POINTS:
        verdict = "slower"  # more errors: worse, as a slower run is
    elif high < 0 and change <= -MIN_ERRORS_POINTS:
        verdict = "faster"
    return FigureDiff("errors", pa * 100, pb * 100, change, low, high, verdict, ratio=False)


@dataclass(frozen=True, slots=True)
class ShareDiff:
    """One thread state's share of the fetching threads' time in A and in B (0..1; None: that
    run's states were not sampled), and B - A in points. Shares have no per-request sample to
    resample, so no interval and no verdict: they say where the time went, not whether it moved."""

    state: str
    a: float | None
    b: float | None

    @property
    def points(self) -> float | None:
        return None if self.a is None or self.b is None else (self.b - self.a) * 100

    def to_json(self) -> dict[str, object]:
        return {"state": self.state, "a": self.a, "b": self.b,
                "change_points": None if self.points is None else round(self.points, 4)}


def state_shares(a: RunSummary, b: RunSummary) -> list[ShareDiff]:
    """Each thread state's share in A and B; empty when neither run's states were sampled."""
    if a.thread_states is None and b.thread_states is None:
        return []
    sa = a.thread_states.shares if a.thread_states is not None else None
    sb = b.thread_states.shares if b.thread_states is not None else None
    states = tuple(StateSeconds.__dataclass_fields__)
    return [ShareDiff(state, None if sa is None else round(sa.get(state, 0.0), 4),
                      None if sb is None else round(sb.get(state, 0.0), 4)) for state in states]


class DiffInputError(ValueError):
    """A side of a diff that cannot be read: the message says which and why."""


def from_export(path: str) -> RunData:
    """A run exported with --json: its summary and every request that ran, each field checked
    by core/report/stored.py's rule."""
    from fetchtui.core.report import stored

    try:
        doc = stored.obj(stored.read(path), "the document")
        summary = RunSummary.from_json(doc["summary"])
        latencies: list[float] = []
        cpu: list[float] = []
        for n, row in enumerate(stored.items(doc["requests"], "requests")):
            row = stored.obj(row, f"request {n}")
            if row.get("outcome") not in ("ok", "failed") or row.get("elapsed_ms") is None:
                continue
            latencies.append(stored.ms(row["elapsed_ms"], f"request {n}'s elapsed_ms"))
            spent = stored.optional(stored.ms, row.get("cpu_ms"), f"request {n}'s cpu_ms")
            if spent is not None:
                cpu.append(spent)
    except OSError as exc:
        raise DiffInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except stored.Invalid as exc:
        raise DiffInputError(f"{path} is not a fetchtui run export ({exc})") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DiffInputError(f"{path} is not a fetchtui run export (fetchtui run --json)") from None
    return RunData(path, summary, latencies, cpu if len(cpu) == len(latencies) else [])


def from_history(summary: RunSummary, number: int) -> RunData:
    """A history row: its summary and the sample of requests it kept."""
    return RunData(f"run #{number}", summary, [lat for lat, _ in summary.sample],
                   [cpu for _, cpu in summary.sample])
