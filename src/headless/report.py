"""What the headless front end prints: the seed's trace line, the summary and the sweep table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from fetchtui.core.events import Outcome, RequestFinished
from fetchtui.core.stats import RunStats
from fetchtui.core.sweep import SweepPoint
from fetchtui.core.textsafe import safe_text


def trace_line(stats: RunStats, event: RequestFinished) -> str:
    """The seed's line (`<pid> process | <ident> url : <url>`) plus what came back."""
    rec = stats.record(event.req_id)
    thread = rec.thread
    who = f"{thread.pid} process | {thread.ident}" if thread else "- process | -"
    elapsed = rec.elapsed_ns
    took = f"{elapsed / 1e6:.1f} ms" if elapsed is not None else "-"
    result = str(event.status) if event.status is not None else ""
    if event.error_kind and event.error_kind != "http":
        result = f"{result} {event.error_kind}".strip()
    if event.outcome is Outcome.CANCELLED:
        result = "cancelled"
    return safe_text(f"{who} url : {rec.url} -> {result} {took}")


def console(out: TextIO) -> Console:
    # Piped output gets room for the tables instead of rich's 80-column default.
    return Console(file=out, highlight=False, width=None if out.isatty() else 132)


def summary_tables(stats: RunStats) -> list[Table]:
    """The end-of-run summary as rich tables; every cell is Text, never markup."""
    s = stats.summary()
    lat = s.latency_ms
    totals = Table(title="fetchtui run", show_header=False, box=None, pad_edge=False)
    totals.add_column(style="bold")
    totals.add_column()
    for label, value in [
        ("requests", f"{s.submitted}  (ok {s.ok}, failed {s.failed}, cancelled {s.cancelled})"),
        ("elapsed", f"{s.elapsed_s:.3f} s"),
        ("throughput", f"{s.rps:.1f} req/s"),
        ("latency", f"p50 {lat.p50:.1f} ms  p90 {lat.p90:.1f} ms  "
                    f"p99 {lat.p99:.1f} ms  max {lat.max:.1f} ms"),
        ("cpu share", f"{s.cpu_share:.0%} of request time was this process's CPU"),
        ("status", "  ".join(f"{k}: {v}" for k, v in s.status_counts.items()) or "-"),
        ("errors", "  ".join(f"{k}: {v}" for k, v in s.error_counts.items()) or "-"),
    ]:
        totals.add_row(Text(label), Text(value))
    threads = Table(title="threads", title_justify="left")
    for name in ("thread ident", "name", "native id", "requests", "busy s", "share"):
        threads.add_column(name, justify="left" if name == "name" else "right")
    for t in stats.threads.values():
        share = stats.busy_share(t.info.ident)
        threads.add_row(*(Text(str(v)) for v in (
            t.info.ident, safe_text(t.info.name), t.info.native_id, t.requests,
            f"{t.busy_ns / 1e9:.3f}", f"{share:.0%}")))
    return [totals, threads]


def sweep_table(points: Sequence[SweepPoint]) -> Table:
    """One row per sweep run: measured against ideal speedup, and the GIL ceiling."""
    table = Table(title="worker sweep (speedup against 1 worker; ceiling: 1 / CPU per request)",
                  title_justify="left")
    for name in ("workers", "backend", "elapsed s", "req/s", "speedup", "ideal", "eff.",
                 "p50 ms", "p99 ms", "failed", "cpu ms", "ceiling/s"):
        table.add_column(name, justify="left" if name == "backend" else "right")
    for point in points:
        s = point.record.summary
        speedup = point.speedup
        cells = [
            str(point.record.workers), point.record.backend, f"{s.elapsed_s:.3f}",
            f"{s.rps:.1f}",
            f"{speedup:.2f}x" if speedup is not None else "-",
            f"{point.ideal_speedup:.1f}x",
            f"{speedup / point.ideal_speedup:.0%}" if speedup is not None else "-",
            f"{s.latency_ms.p50:.1f}", f"{s.latency_ms.p99:.1f}",
            str(s.failed + s.cancelled), f"{s.cpu_ms_per_request:.2f}",
            f"{point.ceiling_rps:.0f}" if point.ceiling_rps else "-",
        ]
        table.add_row(*(Text(c) for c in cells))
    return table
