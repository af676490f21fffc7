"""The headless runs: fetch, report, export, and an exit code; driven through a run source."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fetchtui import collector
from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.runs.events import Event, ended_ids
from fetchtui.core.runs.session import RunSession
from fetchtui.core.runs.source import Sources
from fetchtui.headless.report import checks_text, pace_text, summary_text, terminal_fit, trace_line
from fetchtui.headless.stops import Stops

STDOUT = "-"  # as an export path: write it to standard output

if TYPE_CHECKING:
    from fetchtui.core.history.records import History
    from fetchtui.core.report.checks import Check
    from fetchtui.core.runs.figures import Export

# Exports, history and the sweep are imported where they are used: `fetchtui run URL` is
# timed against the seed's bare script (bench/startup.py), and each costs milliseconds.

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CHECK_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _progress(err: TextIO):  # type: ignore[no-untyped-def]
    """rich's live progress bar, for a terminal only (and only then imported)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rps]:.0f} req/s"), TimeRemainingColumn(),
                    TextColumn("{task.fields[pace]}"),
                    console=Console(file=err), transient=True)


def _feed(progress, task, session: RunSession, stopped: threading.Event) -> None:  # type: ignore[no-untyped-def]
    """The bar of a run whose stats wait for its end: the ledger's count and rate, 10 times a second."""
    while not stopped.wait(0.1):
        done, rps = session.progress()
        progress.update(task, completed=done, rps=rps)


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
    checks: Sequence[Check] = (),
    trace_events: str | None = None,
) -> int:
    """Fetch `targets`, report, record in `history`, export; return the exit code (with
    `checks`, 0 when they all pass and 3 when one fails). `trace_events` is a path for the
    run as a Trace Event Format file (Perfetto), with its threads' sampled states."""
    out = out or sys.stdout
    err = err or sys.stderr
    # folded here: rows, as from a pipe, no event object a request; a pool of our own
    # (another interpreter's fetch process, --python) ends with the run. Where the threads'
    # time goes is sampled from a child (no GIL taken from the run) once the run has lasted
    # SHORT_RUN_S: a one-request run starts no second Python.
    from fetchtui.core.threadstates.run import SHORT_RUN_S
    from fetchtui.core.threadstates.sampling import Sampling

    session = RunSession.open(sources, targets, config, checks, sampling=Sampling(after_s=SHORT_RUN_S))
    stats = session.stats
    human = _Human(err if STDOUT in (json_path, csv_path) else out, err)  # stdout carries the export then
    warn = _Human(err, err)
    # a trace is for its reader only: once `| head` has gone, tracing stops, said nowhere
    traced = _Human(human.stream, human.stream)
    progress = _progress(err) if err.isatty() else None
    # A count and a rate the ledger gives while the fold waits for the run's end; a trace, and
    # an open loop's pace (time left, behind schedule), need the stats as the run goes.
    live = trace or (progress is not None and (config.rate is not None or config.duration is not None))
    fed = threading.Event()  # set: the bar's feeder stops
    from fetchtui.headless.report import thread_states_text

    with Stops() as stops:
        try:
            if progress is not None:
                progress.start()
                task = progress.add_task("run", total=config.planned(len(targets)), rps=0.0, pace="")

            def shown(batch: list[Event]) -> None:
                if trace:
                    lines = [trace_line(stats, req_id) for req_id in ended_ids(batch)]
                    if lines and not traced.gone:
                        traced.write("\n".join(lines) + "\n")
                if progress is not None:
                    progress.update(task, completed=stats.done, rps=stats.rps(), pace=pace_text(stats))

            session.start()
            collector.release()  # start-up is over: the client is imported, the run under way
            if progress is not None and not live:
                threading.Thread(target=_feed, args=(progress, task, session, fed), name="fetchtui-bar",
                                 daemon=True).start()
            session.run_to_end(stop=stops.event.is_set, on_batch=shown, live=live)
        finally:
            fed.set()
            if progress is not None:
                with contextlib.suppress(OSError):  # the terminal closed: the close-out goes on
                    progress.stop()
            session.close_out(within=0)  # the run has ended (or something failed): let go, no wait
        # the close-out: a second signal from here on exits at once, naming what it loses
        exports = (("JSON", json_path), ("CSV", csv_path))
        stops.pending = [f"the {kind} export {path}" for kind, path in exports if path]
        if history is not None and history.store is not None:
            stops.pending.append("the history row")
        if stops.signum is not None:
            how = "interrupted" if stops.signum == signal.SIGINT \
                else f"stopped by {signal.Signals(stops.signum).name}"
            human.write(f"{how}: partial result below (unfinished requests are cancelled)\n")
        states = session.thread_states()  # in the summary, its limit, the exports and history
        human.write(summary_text(stats, fit=terminal_fit(human.stream)))
        if states is not None:  # None: not sampled (a replay)
            human.write(thread_states_text(states))
        results = stats.summary().checks
        if results:
            human.write(checks_text(results))
        human.flush()
        # what the end of a duration cancelled (by the user's choice of -z) is no failure
        clean = stats.failed == 0 and (stats.cancelled == 0 or stats.timed_end)
        if checks:  # the checks are what passing means: they decide, as k6's thresholds do
            code = stops.exit_code or (EXIT_OK if all(r.passed for r in results) else EXIT_CHECK_FAILED)
        else:
            code = stops.exit_code or (EXIT_OK if clean else EXIT_FAILED)

        def exported(done: Export) -> None:
            nonlocal code
            code = _said(done.written, done.error, done.path, human, warn, code)
            stops.pending.pop(0)

        if trace_events:  # an export too: before the history, as they are
            code = _exported(lambda: session.write_trace(trace_events), trace_events, human, warn, code)

        def closing() -> None:
            stops.closing = True  # the exports are out: a signal in the history's wait ends it

        def busy() -> None:
            warn.write("fetchtui: the history file is busy (another fetchtui writing?); "
                       "waiting a few seconds for it\n")
            warn.flush()

        problem = history.problem if history is not None else None
        session.finish(history, json_path=json_path, csv_path=csv_path, on_export=exported,
                       before_record=closing if history is not None else None, on_busy=busy)
        if history is not None and history.problem and history.problem != problem:
            warn.write(f"fetchtui: warning: {safe_text(history.problem)}; this run is not recorded\n")
    return code


class _Human:
    """Where the summary goes: the given stream, or `err` once that one's reader has gone;
    nowhere once that has gone too (`gone`: a closed terminal, the exports and history still
    follow). Given `err` as its stream too, it writes there until that is gone."""

    def __init__(self, stream: TextIO, err: TextIO) -> None:
        self.stream, self.err = stream, err
        self.gone = False

    def write(self, text: str) -> None:
        if self.gone:
            return
        try:
            self.stream.write(text)
        except (OSError, ValueError):  # `| head` left, the terminal closed (EIO), the stream closed
            if self.stream is self.err:
                self.gone = True
                return
            self.stream = self.err
            self.write(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = self.err


def _exported(write: Callable[[], Path], path: str, human: _Human | TextIO, err: _Human | TextIO,
              code: int) -> int:
    """Write an export and say where; if it fails, say why (the run is printed already) and
    turn a clean exit code into a failed one."""
    from fetchtui.core.report.export import ExportError

    try:
        return _said(write(), None, path, human, err, code)
    except ExportError as exc:
        return _said(None, exc, path, human, err, code)


def _said(written: Path | None, error: Exception | None, path: str, human: _Human | TextIO,
          err: _Human | TextIO, code: int) -> int:
    """Say where an export went, or why it did not (a clean exit code then turns failed)."""
    if error is not None:
        err.write(f"error: {safe_text(str(error))}\n")
        return code if code != EXIT_OK else EXIT_FAILED
    if path != STDOUT:
        human.write(safe_text(f"wrote {written}") + "\n")
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
    checks: Sequence[Check] = (),
    trace_events: str | None = None,
) -> int:
    """`fetchtui sweep`: run the series, or `configs` (a comparison of models), each run
    recorded in `history`; print the table, write the JSON (and with `trace_events`, each
    run's Trace Event Format file); return the exit code."""
    import json

    from fetchtui.core.history.records import History, RunRecord
    from fetchtui.core.report.export import config_dict, write_text
    from fetchtui.core.runs.sweep import points, run_sweep
    from fetchtui.core.threadstates.trace_events import numbered
    from fetchtui.headless.report import sweep_text

    out = out or sys.stdout
    err = err or sys.stderr
    history = history if history is not None else History(front_end="sweep")
    warn = _Human(err, err)  # a closed terminal is written to no more; the sweep goes on

    def progress(record: RunRecord) -> None:
        if err.isatty():
            warn.write(f"{record.client}, {record.workers} workers: {record.elapsed_s:.3f} s\n")

    planned = len(configs) if configs is not None else len(series)
    human = _Human(err if json_path == STDOUT else out, err)
    with Stops() as stops:  # a signal ends the run in progress as `run` ends one: it is kept
        exported = [f"the JSON export {json_path}"] if json_path else []
        stops.pending = [*exported, "the run in progress"]
        traced: list[int] = [EXIT_OK]  # the exit code the traces' writing leaves

        def trace(session: RunSession) -> None:
            if trace_events:  # run N's file: the Nth written
                path = numbered(trace_events, len(traced))
                written = _exported(lambda: session.write_trace(path), path, human, warn, traced[-1])
                traced.append(written)

        runs = run_sweep(targets, series, config, history, progress, sources, configs, checks,
                         stop=stops.event.is_set, on_states=trace if trace_events else None)
        stops.pending = exported
        if stops.signum is not None:
            how = "interrupted" if stops.signum == signal.SIGINT \
                else f"stopped by {signal.Signals(stops.signum).name}"
            cut = ", the last cut short (its unfinished requests cancelled)" \
                if runs and not runs[-1].complete else ""
            human.write(f"{how}: {len(runs)} of {planned} runs{cut}; below\n")
        human.write(sweep_text(points(history, runs)))
        if history.problem:
            warn.write(f"fetchtui: warning: {safe_text(history.problem)}; the runs are not recorded\n")
        if checks:
            code = EXIT_OK if all(c.passed for r in runs for c in r.summary.checks) else EXIT_CHECK_FAILED
        else:
            code = EXIT_OK if all(r.summary.all_ok for r in runs) else EXIT_FAILED
        if traced[-1] != EXIT_OK and code == EXIT_OK:  # a trace that could not be written
            code = traced[-1]
        if stops.exit_code is not None:
            code = stops.exit_code
        if json_path:
            doc = {"version": 1, "config": config_dict(config, len(targets)),
                   "runs": [{"workers": r.workers, "client": r.client, "speedup": history.speedup(r),
                             "summary": r.summary.to_json()} for r in runs]}
            code = _exported(lambda: write_text(json_path, json.dumps(doc, indent=2) + "\n"),
                             json_path, human, warn, code)
    return code
