"""The headless runs: fetch, report, export, and an exit code; driven through a run source."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from rich.console import Console
from rich.text import Text

from fetchtui.core.config import RunConfig
from fetchtui.core.events import RequestFinished
from fetchtui.core.export import ExportError, config_dict, write_csv, write_json, write_text
from fetchtui.core.history import History, RunRecord
from fetchtui.core.runs.source import Sources
from fetchtui.core.stats import RunStats
from fetchtui.core.sweep import points, run_sweep
from fetchtui.core.targets import Target
from fetchtui.core.textsafe import safe_text
from fetchtui.headless.report import console, summary_tables, sweep_table, trace_line

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _pool() -> Sources:
    from fetchtui.core.runs.pool import PoolSources

    return PoolSources()


class _Interrupt:
    """Ctrl-C sets a flag the run loop reads, for as long as the run lasts."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: object = None

    def __enter__(self) -> _Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]


def _progress(err: TextIO):  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rps]:.0f} req/s"), TimeRemainingColumn(),
                    console=Console(file=err), transient=True)


def run_headless(
    targets: Sequence[Target],
    config: RunConfig,
    *,
    trace: bool = False,
    json_path: str | None = None,
    csv_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    sources: Sources | None = None,
) -> int:
    """Fetch `targets`, report, export; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    source = (sources or _pool()).open(targets, config)
    stats = RunStats(source.targets)
    progress = _progress(err) if err.isatty() else None
    with _Interrupt() as interrupt:
        try:
            if progress is not None:
                progress.start()
                task = progress.add_task("run", total=len(targets), rps=0.0)
            source.start()
            while not stats.ended:
                if interrupt.event.is_set() and not source.cancelled:
                    source.cancel()
                batch = source.drain(0.1)
                stats.apply(batch)
                if trace:
                    lines = [trace_line(stats, e) for e in batch if isinstance(e, RequestFinished)]
                    if lines:
                        out.write("\n".join(lines) + "\n")
                if progress is not None:
                    progress.update(task, completed=stats.done, rps=stats.rps())
        finally:
            if progress is not None:
                progress.stop()
            source.close()
    interrupted = interrupt.event.is_set()
    show = console(out)
    if interrupted:
        show.print(Text("interrupted: partial result below (unfinished requests are cancelled)"))
    for table in summary_tables(stats):
        show.print(table)
    code = EXIT_INTERRUPTED if interrupted else (EXIT_OK if stats.ok == stats.total else EXIT_FAILED)
    for path, kind in ((json_path, "json"), (csv_path, "csv")):
        if not path:
            continue
        try:
            if kind == "json":
                written = write_json(stats, config_dict(config, len(targets)), path)
            else:
                written = write_csv(stats, path)
            show.print(Text(f"wrote {written}"))
        except ExportError as exc:
            Console(file=err, highlight=False).print(Text(f"error: {safe_text(str(exc))}"))
            code = code if code != EXIT_OK else EXIT_FAILED
    return code


def run_sweep_headless(
    targets: Sequence[Target],
    series: Sequence[int],
    config: RunConfig,
    *,
    json_path: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    sources: Sources | None = None,
) -> int:
    """`fetchtui sweep`: run the series, print the table, write the JSON; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    history = History()
    show = console(out)
    status = Console(file=err, highlight=False)

    def progress(record: RunRecord) -> None:
        if err.isatty():
            status.print(Text(f"{record.workers} workers: {record.elapsed_s:.3f} s"))

    try:
        runs = run_sweep(targets, series, config, history, progress, sources)
    except KeyboardInterrupt:
        runs = history.runs
        show.print(Text("interrupted: the runs that ended are below"))
    show.print(sweep_table(points(history, runs)))
    code = EXIT_OK if all(r.summary.all_ok for r in runs) else EXIT_FAILED
    if len(runs) < len(series):
        code = EXIT_INTERRUPTED
    if json_path:
        doc = {"version": 1, "config": config_dict(config, len(targets)),
               "runs": [{"workers": r.workers, "backend": r.backend, "summary": r.summary.to_json()}
                        for r in runs]}
        try:
            show.print(Text(f"wrote {write_text(json_path, json.dumps(doc, indent=2) + chr(10))}"))
        except ExportError as exc:
            status.print(Text(f"error: {safe_text(str(exc))}"))
            code = code if code != EXIT_OK else EXIT_FAILED
    return code
