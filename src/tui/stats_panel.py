"""The run's figures above the thread table: progress, rate, percentiles, status and errors."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from fetchtui.core.stats import RunStats


def _counts(counts: dict[str, int]) -> str:
    return "  ".join(f"{k}:{v}" for k, v in counts.items()) or "-"


class StatsPanel(Vertical):
    """Reads the stats model once per frame; computes nothing of its own."""

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=1, show_eta=False, id="progress")
        yield Static(id="figures")

    def show(self, stats: RunStats | None, state: str, now_ns: int | None = None) -> None:
        bar = self.query_one(ProgressBar)
        figures = self.query_one("#figures", Static)
        if stats is None:
            bar.update(total=1, progress=0)  # not None: an indeterminate bar animates forever
            figures.update(Text("idle: no run yet", "dim"), layout=False)
            return
        now_ns = now_ns or time.perf_counter_ns()
        if bar.total != max(stats.total, 1) or bar.progress != stats.done:
            bar.update(total=max(stats.total, 1), progress=stats.done)
        summary = stats.summary() if stats.ended else None
        lat = summary["latency_ms"] if summary else stats.latency_ms()
        eta = stats.eta_s(now_ns)
        lines = Text()
        lines.append(f"{state:<10}", "bold")
        lines.append(f"done {stats.done}/{stats.total}  ")
        lines.append(f"ok {stats.ok}  ", "green")
        lines.append(f"failed {stats.failed}  ", "red" if stats.failed else "")
        lines.append(f"cancelled {stats.cancelled}  ", "yellow" if stats.cancelled else "")
        lines.append(f"in flight {stats.in_flight}\n")
        lines.append(f"elapsed {stats.elapsed_s(now_ns):.2f} s  ")
        lines.append(f"{stats.rps(now_ns):.1f} req/s  ")
        lines.append(f"ETA {eta:.1f} s  " if eta is not None else "ETA -  ")
        lines.append(f"threads {len(stats.threads)}/{stats.workers}  ")
        ceiling = stats.gil_ceiling_rps()
        lines.append(f"cpu {stats.cpu_share():.0%} of request time, GIL ceiling "
                     f"{f'{ceiling:.0f} req/s' if ceiling else '-'}\n")
        lines.append(f"latency p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  p99 {lat['p99']:.1f}  "
                     f"max {lat['max']:.1f} ms\n")
        lines.append(f"status  {_counts({str(k): v for k, v in sorted(stats.status_counts.items())})}\n")
        lines.append(f"errors  {_counts(dict(sorted(stats.error_counts.items())))}")
        figures.update(lines, layout=False)  # fixed height: no relayout every frame
