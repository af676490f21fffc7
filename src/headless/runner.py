"""The headless runs: fetch, report, export, and an exit code; driven through a run source."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from fetchtui.core.config import RunConfig
from fetchtui.core.events import Event, RequestFinished
from fetchtui.core.runs.source import Sources, fold_to_end
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import Target
from fetchtui.core.textsafe import safe_text
from fetchtui.headless.report import pace_text, summary_text, trace_line

STDOUT = "-"  # as an export path: write it to standard output

if TYPE_CHECKING:
    from fetchtui.core.history import History

# Exports, history and the sweep are imported where they are used: `fetchtui run URL` is
# timed against the seed's bare script (bench/startup.py), and each costs milliseconds.

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
    """rich's live progress bar, for a terminal only (and only then imported)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rps]:.0f} req/s"), TimeRemainingColumn(),
                    TextColumn("{task.fields[pace]}"),
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
    history: History | None = None,
) -> int:
    """Fetch `targets`, report, record in `history`, export; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    source = (sources or _pool()).open(targets, config)
    stats = RunStats(source.targets)
    human = err if STDOUT in (json_path, csv_path) else out  # stdout carries the export then
    progress = _progress(err) if err.isatty() else None
    with _Interrupt() as interrupt:
        try:
            if progress is not None:
                progress.start()
                task = progress.add_task("run", total=config.planned(len(targets)), rps=0.0, pace="")

            def shown(batch: list[Event]) -> None:
                if trace:
                    lines = [trace_line(stats, e) for e in batch if isinstance(e, RequestFinished)]
                    if lines:
                        human.write("\n".join(lines) + "\n")
                if progress is not None:
                    progress.update(task, completed=stats.done, rps=stats.rps(), pace=pace_text(stats))

            source.start()
            fold_to_end(source, stats, cancel_if=interrupt.event.is_set, on_batch=shown)
        finally:
            if progress is not None:
                progress.stop()
            source.close()
    interrupted = interrupt.event.is_set()
    if interrupted:
        human.write("interrupted: partial result below (unfinished requests are cancelled)\n")
    human.write(summary_text(stats))
    human.flush()
    if history is not None:
        from fetchtui.core.history import list_key

        history.add(config, list_key(targets), stats.summary())
        if history.problem:
            err.write(f"fetchtui: warning: {safe_text(history.problem)}; this run is not recorded\n")
    # what the end of a duration cancelled (by the user's choice of -z) is no failure
    clean = stats.failed == 0 and (stats.cancelled == 0 or stats.pace.timed_end)
    code = EXIT_INTERRUPTED if interrupted else (EXIT_OK if clean else EXIT_FAILED)
    if json_path or csv_path:
        from fetchtui.core.export import config_dict, write_csv, write_json

        if json_path:
            code = _exported(lambda: write_json(stats, config_dict(config, stats.total), json_path),
                             json_path, human, err, code)
        if csv_path:
            code = _exported(lambda: write_csv(stats, csv_path), csv_path, human, err, code)
    return code


def _exported(write: Callable[[], Path], path: str, human: TextIO, err: TextIO, code: int) -> int:
    """Write an export and say where; if it fails, say why (the run is printed already) and
    turn a clean exit code into a failed one."""
    from fetchtui.core.export import ExportError

    try:
        written = write()
        if path != STDOUT:
            human.write(safe_text(f"wrote {written}") + "\n")
    except ExportError as exc:
        err.write(f"error: {safe_text(str(exc))}\n")
        return code if code != EXIT_OK else EXIT_FAILED
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
    history: History | None = None,
    configs: Sequence[RunConfig] | None = None,
) -> int:
    """`fetchtui sweep`: run the series, or `configs` (a comparison of models), each run
    recorded in `history`; print the table, write the JSON; return the exit code."""
    import json

    from fetchtui.core.export import config_dict, write_text
    from fetchtui.core.history import History, RunRecord
    from fetchtui.core.sweep import points, run_sweep
    from fetchtui.headless.report import sweep_text

    out = out or sys.stdout
    err = err or sys.stderr
    history = history if history is not None else History(front_end="sweep")
    first = len(history.runs)

    def progress(record: RunRecord) -> None:
        if err.isatty():
            err.write(f"{record.backend}, {record.workers} workers: {record.elapsed_s:.3f} s\n")

    try:
        runs = run_sweep(targets, series, config, history, progress, sources, configs)
    except KeyboardInterrupt:
        runs = history.runs[first:]
        (err if json_path == STDOUT else out).write("interrupted: the runs that ended are below\n")
    human = err if json_path == STDOUT else out
    human.write(sweep_text(points(history, runs)))
    if history.problem:
        err.write(f"fetchtui: warning: {safe_text(history.problem)}; the runs are not recorded\n")
    code = EXIT_OK if all(r.summary.all_ok for r in runs) else EXIT_FAILED
    if len(runs) < (len(configs) if configs is not None else len(series)):
        code = EXIT_INTERRUPTED
    if json_path:
        doc = {"version": 1, "config": config_dict(config, len(targets)),
               "runs": [{"workers": r.workers, "backend": r.backend, "summary": r.summary.to_json()}
                        for r in runs]}
        code = _exported(lambda: write_text(json_path, json.dumps(doc, indent=2) + "\n"),
                         json_path, human, err, code)
    return code
