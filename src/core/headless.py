"""The headless front end of `fetchtui run`: progress, trace, summary and exports, no TUI."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from fetchtui.core.engine import Engine, RunConfig, drain
from fetchtui.core.events import Outcome, RequestFinished
from fetchtui.core.export import ExportError, config_dict, write_atomic, write_csv, write_json
from fetchtui.core.history import History, RunRecord
from fetchtui.core.stats import RunStats
from fetchtui.core.sweep import SweepPoint, points, run_sweep
from fetchtui.core.targets import Target
from fetchtui.core.textsafe import safe_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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


def _console(out: TextIO) -> Console:
    # Piped output gets room for the tables instead of rich's 80-column default.
    return Console(file=out, highlight=False, width=None if out.isatty() else 132)


def summary_tables(stats: RunStats) -> list[Table]:
    """The end-of-run summary as rich tables; every cell is Text, never markup."""
    s = stats.summary()
    lat = s["latency_ms"]
    totals = Table(title="fetchtui run", show_header=False, box=None, pad_edge=False)
    totals.add_column(style="bold")
    totals.add_column()
    for label, value in [
        ("requests", f"{s['submitted']}  (ok {s['ok']}, failed {s['failed']}, cancelled {s['cancelled']})"),
        ("elapsed", f"{s['elapsed_s']:.3f} s"),
        ("throughput", f"{s['rps']:.1f} req/s"),
        ("latency", f"p50 {lat['p50']:.1f} ms  p90 {lat['p90']:.1f} ms  "
                    f"p99 {lat['p99']:.1f} ms  max {lat['max']:.1f} ms"),
        ("cpu share", f"{s['cpu_share']:.0%} of request time was this process's CPU"),
        ("status", "  ".join(f"{k}: {v}" for k, v in s["status_counts"].items()) or "-"),
        ("errors", "  ".join(f"{k}: {v}" for k, v in s["error_counts"].items()) or "-"),
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


def run_headless(
    targets: Sequence[Target],
    config: RunConfig,
    *,
    trace: bool = False,
    json_path: str | None = None,
    csv_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Fetch `targets`, report, export; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    engine = Engine(targets, config)
    stats = RunStats(targets)
    interrupted = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(signum: int, frame: FrameType | None) -> None:
            interrupted.set()
        previous = signal.signal(signal.SIGINT, on_sigint)
    progress = Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[rps]:.0f} req/s"), TimeRemainingColumn(),
                        console=Console(file=err), transient=True,
                        disable=not err.isatty())
    try:
        with progress:
            task = progress.add_task("run", total=len(targets), rps=0.0)
            engine.start()
            while not stats.ended:
                if interrupted.is_set() and not engine.cancelled:
                    engine.cancel()
                batch = drain(engine.events, 0.1)
                stats.apply(batch)
                if trace:
                    lines = [trace_line(stats, e) for e in batch if isinstance(e, RequestFinished)]
                    if lines:
                        out.write("\n".join(lines) + "\n")
                progress.update(task, completed=stats.done, rps=stats.rps())
    finally:
        engine.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    console = _console(out)
    if interrupted.is_set():
        console.print(Text("interrupted: partial result below (unfinished requests are cancelled)"))
    for table in summary_tables(stats):
        console.print(table)
    code = EXIT_INTERRUPTED if interrupted.is_set() else (
        EXIT_OK if stats.ok == stats.total else EXIT_FAILED)
    exports = [(json_path, "json"), (csv_path, "csv")]
    for path, kind in exports:
        if not path:
            continue
        try:
            if kind == "json":
                written = write_json(stats, config_dict(config, len(targets)), path)
            else:
                written = write_csv(stats, path)
            console.print(Text(f"wrote {written}"))
        except ExportError as exc:
            Console(file=err, highlight=False).print(Text(f"error: {safe_text(str(exc))}"))
            code = code if code != EXIT_OK else EXIT_FAILED
    return code


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
            str(point.record.workers), point.record.backend, f"{s['elapsed_s']:.3f}",
            f"{s['rps']:.1f}",
            f"{speedup:.2f}x" if speedup is not None else "-",
            f"{point.ideal_speedup:.1f}x",
            f"{speedup / point.ideal_speedup:.0%}" if speedup is not None else "-",
            f"{s['latency_ms']['p50']:.1f}", f"{s['latency_ms']['p99']:.1f}",
            str(s["failed"] + s["cancelled"]), f"{s['cpu_ms_per_request']:.2f}",
            f"{point.ceiling_rps:.0f}" if point.ceiling_rps else "-",
        ]
        table.add_row(*(Text(c) for c in cells))
    return table


def run_sweep_headless(
    targets: Sequence[Target],
    series: Sequence[int],
    config: RunConfig,
    *,
    json_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`fetchtui sweep`: run the series, print the table, write the JSON; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    history = History()
    console = _console(out)
    status = Console(file=err, highlight=False)

    def progress(record: RunRecord) -> None:
        if err.isatty():
            status.print(Text(f"{record.workers} workers: {record.elapsed_s:.3f} s"))

    try:
        runs = run_sweep(targets, series, config, history, progress)
    except KeyboardInterrupt:
        runs = history.runs
        console.print(Text("interrupted: the runs that ended are below"))
    console.print(sweep_table(points(history, runs)))
    code = EXIT_OK if all(r.summary["ok"] == r.summary["submitted"] for r in runs) else EXIT_FAILED
    if len(runs) < len(series):
        code = EXIT_INTERRUPTED
    if json_path:
        doc = {"version": 1, "config": config_dict(config, len(targets)),
               "runs": [{"workers": r.workers, "backend": r.backend, "summary": r.summary}
                        for r in runs]}
        try:
            console.print(Text(f"wrote {write_atomic(json_path, json.dumps(doc, indent=2) + chr(10))}"))
        except ExportError as exc:
            status.print(Text(f"error: {safe_text(str(exc))}"))
            code = code if code != EXIT_OK else EXIT_FAILED
    return code
