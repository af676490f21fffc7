"""Command-line parsing: builds a run config and hands it to the TUI or the headless runner."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NoReturn, TypeVar

from fetchtui import __version__, collector
from fetchtui.cli_input import (
    demo_server,
    fail,
    history_for,
    list_text,
    python_or_exit,
    read_list,
    request_spec,
    run_config,
    targets_or_exit,
)
from fetchtui.core import registry
from fetchtui.core.input.config import (
    DEFAULT_SERIES,
    MAX_BODY_BYTES,
    MAX_LIST_BYTES,
    MAX_PROCESSES,
    MAX_WORKERS,
    MODELS,
    ConfigError,
    parse_max_bytes,
    parse_models,
    parse_processes,
    parse_rate,
    parse_redirects,
    parse_run_duration,
    parse_series,
    parse_stages,
    parse_timeout,
    parse_workers,
    whole_number,
)
from fetchtui.core.input.textsafe import safe_text

if TYPE_CHECKING:
    from fetchtui.core.report.checks import Check
    from fetchtui.core.report.diff import RunData
    from fetchtui.tui.app import FetchApp

T = TypeVar("T")


def parse_check(text: str) -> Check:
    """--check, parsed where one is given: a plain run does not import the checks module
    (bench/startup.py times `fetchtui run URL`)."""
    from fetchtui.core.report.checks import CheckError
    from fetchtui.core.report.checks import parse_check as parse

    try:
        return parse(text)
    except CheckError as exc:
        raise ConfigError(str(exc)) from None


def _checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from a config parser: its message, argparse's exit 2."""
    def convert(text: str) -> T:
        try:
            return parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def _port(text: str) -> int:
    try:
        value = whole_number(text, "port")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be from 0 to 65535, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse's parser, saying a bad argument in one line (with where the usage is), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_run_options(parser: argparse.ArgumentParser, *, series: bool = False,
                     history: bool = True) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="URLs to fetch (`URL x100` repeats)")
    parser.add_argument("-f", "--file", help=f"read the URL list from FILE (- for stdin), at most "
                                             f"{MAX_LIST_BYTES >> 20} MiB")
    if series:
        parser.add_argument("-w", "--workers", type=_checked(parse_series), default=list(DEFAULT_SERIES),
                            metavar="N,N,...", help="worker counts to run, in order (default 1,2,4,8,16,32)")
    else:
        parser.add_argument("-w", "--workers", type=_checked(parse_workers), default=10,
                            help=f"worker threads, 1..{MAX_WORKERS} (default 10; 1 = sequential)")
    parser.add_argument("--client", "-b", "--backend", dest="client", choices=registry.CLIENT_NAMES,
                        default=None, metavar="CLIENT",
                        help="HTTP client; " + "; ".join(
                            f"under {m.name} {', '.join(registry.client_names(m.name))} "
                            f"(default {m.default_client})" for m in registry.MODELS.values()))
    parser.add_argument("--model", choices=MODELS, default=None,
                        help="; ".join(f"{m.name}: {m.summary}" for m in registry.MODELS.values())
                        + " (default threads)")
    parser.add_argument("-P", "--processes", type=_checked(parse_processes), default=None, metavar="N",
                        help=f"worker processes under --model processes (implies it), "
                             f"1..{MAX_PROCESSES} (default: one per core)")
    if series:
        parser.add_argument("--python", action="append", default=[], metavar="PATH",
                            help="run the fetch process on this Python (e.g. a free-threaded "
                                 "python3.13t); repeatable: every worker count runs under each")
    else:
        parser.add_argument("--python", metavar="PATH",
                            help="run the fetch process on this Python (e.g. a free-threaded "
                                 "python3.13t, GIL off); it needs this fetchtui installed")
    parser.add_argument("--timeout", type=_checked(parse_timeout), default=10.0,
                        help="total time allowed per request: seconds, or 500ms, 10s, 2m (default 10)")
    parser.add_argument("--max-bytes", type=_checked(parse_max_bytes), default=100 * 1024 * 1024,
                        help="largest body to read, in bytes (default 100 MiB); a head is capped at "
                             "100 header lines of 64 KiB each on every client")
    parser.add_argument("--max-redirects", type=_checked(parse_redirects), default=10,
                        help="redirects to follow (default 10)")
    parser.add_argument("-X", "--request", "--method", dest="method", metavar="METHOD",
                        help="the method of every request (a list line's own -X wins)")
    parser.add_argument("-H", "--header", dest="headers", action="append", default=[],
                        metavar="'Name: value'", help="a header for every request (repeatable): "
                                                      "the name an HTTP token, the value ASCII text")
    parser.add_argument("-d", "--data", metavar="TEXT|@FILE|@-",
                        help=f"a body for every request (POST unless -X says otherwise); from a file "
                             f"or stdin at most {MAX_BODY_BYTES >> 20} MiB")
    parser.add_argument("-k", "--insecure", action="store_true", help="do not verify TLS certificates")
    parser.add_argument("--http2", action="store_true",
                        help="offer HTTP/2 over TLS (clients httpx and pycurl)")
    proxy = parser.add_mutually_exclusive_group()
    proxy.add_argument("-x", "--proxy", metavar="URL",
                       help="send every request through this proxy (NO_PROXY's exceptions apart)")
    proxy.add_argument("--no-proxy", action="store_true",
                       help="ignore HTTP_PROXY / HTTPS_PROXY / ALL_PROXY from the environment")
    parser.add_argument("--cacert", metavar="PATH", help="trust the CA certificates in PATH")
    parser.add_argument("-q", "--rate", type=_checked(parse_rate), metavar="R",
                        help="open loop: R requests per second in all (e.g. 50, 3000/m), "
                             "scheduled evenly; latency is also measured from each one's schedule")
    parser.add_argument("-z", "--duration", type=_checked(parse_run_duration), metavar="D",
                        help="repeat the list for D (e.g. 30s, 2m); requests in flight at the end "
                             "are waited for, up to the timeout")
    parser.add_argument("--cut-at-end", action="store_true",
                        help="with -z: cut the requests in flight when the duration ends")
    if not series:
        parser.add_argument("--stages", type=_checked(parse_stages), metavar="W:D,W:D,...",
                            help="one run in stages: W workers for D each (e.g. 2:10s,8:10s,32:10s), "
                                 "the list repeated as with -z (so not with -z: the stages set the "
                                 "duration); the summary has a row per stage")
    parser.add_argument("--demo", action="store_true",
                        help="start the built-in demo server and use its list when no URLs are given")
    parser.add_argument("--check", dest="checks", action="append", default=[], metavar="EXPR",
                        type=_checked(parse_check),
                        help="a pass/fail check on the run, repeatable: p99<200ms, p50<=1s, errors<1%%, "
                             "failed==0, rps>=500, url[2].p99<300ms; a failed one exits 3")
    if history:
        _add_history_options(parser)


EXIT_STATUSES = ("exit status: 0 all ok (with --check: every check passed), 1 some failed, 2 bad input, "
                 "3 a --check failed, 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP")


def _add_history_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--history", metavar="PATH",
                       help="the run history file (default: history.sqlite3 in the user data directory)")
    group.add_argument("--no-history", action="store_true", help="record nothing in the run history")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fetchtui",
        description="Watch concurrent HTTP fetching happen, thread by thread.",
        epilog="commands: `fetchtui run ...` fetches headless; `fetchtui sweep ...` runs a worker "
               "sweep; `fetchtui history` lists recorded runs; `fetchtui open RUN.json` shows an exported "
               "run; `fetchtui diff A B` compares two runs (exports or history numbers); "
               "`fetchtui schema` prints the JSON Schema of an export; "
               "`fetchtui demo-server` serves a loopback test site; `fetchtui lesson` is the "
               "seed's lesson, step by step, in Korean or English (`fetchtui lesson --run` runs "
               "its steps headless). Without a command, the live monitor opens.",
    )
    parser.add_argument("--version", action="version", version=f"fetchtui {__version__}")
    _add_run_options(parser)
    parser.add_argument("--start", action="store_true", help="start the run at once")
    parser.add_argument("--series", type=_checked(parse_series), default=list(DEFAULT_SERIES),
                        metavar="N,N,...", help="the worker counts a sweep (ctrl+r) runs, in order "
                                                "(default 1,2,4,8,16,32; the setup pane's sweep field)")
    parser.add_argument("--no-summary", action="store_true",
                        help="do not print the last run's summary after quitting")
    parser.add_argument("--trace-events", metavar="PATH",
                        help="write each run as a Trace Event Format file (ui.perfetto.dev, "
                             "chrome://tracing) as it ends: run N of the history (F3) to PATH with "
                             "-N before its suffix (t.json: t-7.json)")
    return parser


def build_run_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fetchtui run",
        description="Fetch a URL list without the UI (threads, worker processes or an event "
                    "loop); print a summary.",
        epilog=EXIT_STATUSES,
    )
    _add_run_options(parser)
    parser.add_argument("--json", metavar="PATH",
                        help="write the run as JSON to PATH (- for stdout: the summary goes to stderr)")
    parser.add_argument("--csv", metavar="PATH",
                        help="write one row per request as CSV to PATH (- for stdout, as --json)")
    parser.add_argument("--trace", action="store_true",
                        help="print a line per request: pid, thread ident, URL, status, ms")
    parser.add_argument("--trace-events", metavar="PATH",
                        help="write the run as a Trace Event Format file (open it in ui.perfetto.dev or "
                             "chrome://tracing): a track per thread, a slice per request, and each "
                             "thread's sampled states (cpu, runnable, gil, lock, net, idle) beside it")
    return parser


def cmd_run(argv: Sequence[str]) -> int:
    from fetchtui.headless.runner import run_headless

    args = build_run_parser().parse_args(argv)
    from fetchtui.headless.stops import Stopped, Stops

    server = None
    try:
        with Stops(raise_first=True):  # reading a million lines takes a moment: a stop is said
            source = read_list(args)
            spec = request_spec(args)
            server = demo_server(args)
            targets = targets_or_exit(source, server, spec)
            del source  # the text: the parsed list holds what the run needs
    except Stopped as stop:
        if server is not None:
            server.stop()
        print(f"fetchtui: {stop} before the run began; nothing was fetched", file=sys.stderr)
        return 128 + stop.signum
    try:
        with history_for(args, "run") as history:
            return run_headless(targets, run_config(args, server), trace=args.trace,
                                json_path=args.json, csv_path=args.csv, history=history,
                                checks=args.checks, trace_events=args.trace_events)
    finally:
        if server is not None:
            server.stop()


def build_step_parser() -> argparse.ArgumentParser:
    """A lesson step's settings: `fetchtui run`'s flags, but for what the lesson owns (its
    output, exports and history)."""
    parser = _Parser(prog="fetchtui run", add_help=False)
    _add_run_options(parser, history=False)
    return parser


def cmd_lesson(argv: Sequence[str]) -> int:
    from fetchtui.cli_lesson import cmd_lesson as lesson

    return lesson(argv)


def build_sweep_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fetchtui sweep",
        description="Run the same list at several worker counts (and, with --models, under "
                    "several concurrency models and clients) and compare the runs.",
        epilog=EXIT_STATUSES,
    )
    _add_run_options(parser, series=True)
    parser.add_argument("--models", type=_checked(parse_models), metavar="MODEL[/CLIENT],...",
                        help="compare models: e.g. threads/requests,threads/pycurl,processes/requests,"
                             "asyncio (each at every -w count; -P sets the processes)")
    parser.add_argument("--json", metavar="PATH",
                        help="write every run's summary as JSON to PATH (- for stdout)")
    parser.add_argument("--trace-events", metavar="PATH",
                        help="write each run as a Trace Event Format file (ui.perfetto.dev, "
                             "chrome://tracing): run N to PATH with -N before its suffix "
                             "(sweep.json: sweep-1.json, sweep-2.json, ...)")
    return parser


def cmd_sweep(argv: Sequence[str]) -> int:
    from fetchtui.headless.runner import run_sweep_headless

    args = build_sweep_parser().parse_args(argv)
    series: list[int] = args.workers
    source = read_list(args)
    spec = request_spec(args)
    server = demo_server(args)
    try:
        targets = targets_or_exit(source, server, spec)
        args.workers = series[0]
        pythons: list[str | None] = [python_or_exit(p) for p in args.python] or [None]
        args.python = None
        models_processes = args.processes
        if args.models:
            args.model, args.processes = None, None
        base = run_config(args, server)
        configs = None
        if args.models or len(pythons) > 1 or pythons[0] is not None:
            from fetchtui.core.runs.sweep import plan

            try:
                configs = plan(base, series, args.models, models_processes, pythons)
            except ConfigError as exc:  # e.g. --http2 with a client that cannot speak it
                fail(str(exc))
        with history_for(args, "sweep") as history:
            return run_sweep_headless(targets, series, base, json_path=args.json,
                                      history=history, configs=configs, checks=args.checks,
                                      trace_events=args.trace_events)
    finally:
        if server is not None:
            server.stop()


def cmd_demo_server(argv: Sequence[str]) -> int:
    from fetchtui.core.demo.server import DEMO_PORT, ENDPOINTS, DemoServer

    parser = _Parser(prog="fetchtui demo-server",
                                     description="Serve the loopback demo site until Ctrl-C.")
    parser.add_argument("--port", type=_port, default=DEMO_PORT,
                        help=f"port on 127.0.0.1 (default {DEMO_PORT}; 0 = any free)")
    args = parser.parse_args(argv)
    try:
        server = DemoServer(args.port)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}")
    print(f"fetchtui demo server on {server.url}  (Ctrl-C stops it)", flush=True)
    for path, what in ENDPOINTS.items():
        print(f"  {server.url}{path:32} {what}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _keys_from_the_terminal() -> None:
    """When the list came through stdin (a pipe, a file), the app takes its keys from the
    terminal, as `fzf` and `less` do; with no terminal at all, say what to use instead."""
    if sys.stdin is not None and sys.stdin.isatty():
        return
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        fail("the live monitor needs a terminal for its keys, and there is none here; "
              "`fetchtui run` fetches the list without one")
    os.dup2(tty, 0)
    os.close(tty)


def cmd_tui(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    # Textual paints a dirty screen on its next update tick, 60 a second by default: up to 16 ms
    # between a frame's changes and the terminal. At 120 the lag's p99 fell from 85-104 ms to
    # 80-82 ms (bench/tui.py). Textual reads it once, at import; a user's own setting wins.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    from fetchtui.tui.app import FetchApp

    source = read_list(args)
    spec = request_spec(args)
    _keys_from_the_terminal()
    server = demo_server(args)
    config = run_config(args, server)
    stats = None
    with history_for(args, "tui") as history:
        app = FetchApp(list_text(source, server), config, start=args.start,
                       history=history, request=spec, checks=args.checks, series=args.series,
                       trace_events=args.trace_events)
        try:
            code = _exit_code(app, app.run())
            stats = app.final_stats() if not app.return_code else None  # a crash prints its own
        finally:
            app.shutdown_sources()
            if server is not None:
                server.stop()
    if stats is not None and not args.no_summary:  # the screen is restored: leave a record
        from fetchtui.headless.report import summary_text, terminal_fit

        try:
            sys.stdout.write(summary_text(stats, "fetchtui: the monitor's last run",
                                          fit=terminal_fit(sys.stdout)))
            sys.stdout.flush()
        except OSError:  # the terminal went away (SIGHUP): the run is in the history
            pass
    return code


def parse_last(text: str) -> int:
    value = whole_number(text, "--last (a number of runs)")
    if value < 1:
        raise ConfigError(f"--last takes a number of runs from 1 up, got {value}")
    return value


def cmd_history(argv: Sequence[str]) -> int:
    import json

    parser = _Parser(prog="fetchtui history",
                                     description="List the recorded runs, oldest first.")
    parser.add_argument("--json", action="store_true", help="print the runs as JSON")
    parser.add_argument("--history", metavar="PATH", help="the history file to read")
    parser.add_argument("--last", type=_checked(parse_last), metavar="N", default=None,
                        help="only the last N runs")
    args = parser.parse_args(argv)
    from fetchtui.core.history.store import HistoryError, HistoryStore, default_path
    from fetchtui.headless.report import history_text

    try:
        store = HistoryStore(args.history or default_path(), writing=False)
        stored = store.runs(args.last)
        store.close()  # read: the rest is printing
    except HistoryError as exc:
        fail(str(exc))
    if store.skipped:
        print(f"fetchtui: warning: {store.skipped} unreadable row(s) of {safe_text(str(store.path))} "
              "skipped", file=sys.stderr)
    if args.json:
        _to_stdout(json.dumps([{"number": run.record.number, "finished_at": run.finished_at,
                                "front_end": run.front_end, "workers": run.record.workers,
                                "client": run.record.client, "list_key": run.record.list_key,
                                "summary": run.record.summary.to_json()} for run in stored],
                              indent=2) + "\n")
    else:
        _to_stdout(history_text(stored))
    return 0


def _to_stdout(text: str) -> None:
    """A command's output; a reader that has gone (`| head -1`) is no error: the rest goes nowhere."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # what is still buffered would fail again as the interpreter exits
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def cmd_open(argv: Sequence[str]) -> int:
    parser = _Parser(
        prog="fetchtui open",
        description="Open an exported run (fetchtui run --json, or ctrl+o in the app) in the live "
                    "monitor: the thread table as it ended, the timeline, the charts.")
    parser.add_argument("path", metavar="RUN.json", help="a run exported as JSON")
    parser.add_argument("--as-recorded", action="store_true",
                        help="play the run back at the speed it happened, instead of at once")
    _add_history_options(parser)
    args = parser.parse_args(argv)
    from fetchtui.core.runs.replay import Recording, ReplayError

    try:
        recording = Recording.load(args.path)
    except ReplayError as exc:
        fail(str(exc))
    _keys_from_the_terminal()
    os.environ.setdefault("TEXTUAL_FPS", "120")  # as cmd_tui: read once, when textual loads
    from fetchtui.tui.app import FetchApp

    with history_for(args, "tui") as history:
        app = FetchApp.replaying(recording, args.path, speed=1.0 if args.as_recorded else None,
                                 history=history)
        try:
            return _exit_code(app, app.run())
        finally:
            app.shutdown_sources()


def _exit_code(app: FetchApp, returned: int | None) -> int:
    """What the app exited with, never 0 after a crash: Textual prints the traceback and
    returns as if all went well, its return code 1. The run it crashed in is recorded if it
    can be, as any way out of the app records it."""
    if not app.return_code:
        return returned or 0
    try:
        app.close_out()
    except Exception as exc:  # the crash's cause may strike again: say so, once
        print(f"fetchtui: the run could not be recorded after the crash: {safe_text(str(exc))}",
              file=sys.stderr)
    return returned or app.return_code


def cmd_diff(argv: Sequence[str]) -> int:
    """`fetchtui diff A B`: each figure of B against A, with a 95% interval and a verdict."""
    import json

    from fetchtui.core.report import diff

    parser = _Parser(
        prog="fetchtui diff", epilog="exit status: 0 compared, 2 bad input, 3 a --fail-if-slower held",
        description="Compare two runs (JSON exports, or history numbers): req/s, p50, p90, p99, "
                    "error rate and CPU per request, each with a 95%% interval and a verdict: "
                    "slower, faster or no significant change.")
    parser.add_argument("a", metavar="A", help="the baseline: RUN.json, or a history number")
    parser.add_argument("b", metavar="B", help="the run to compare with it")
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument("--history", metavar="PATH", help="the history file the numbers are in")
    parser.add_argument("--fail-if-slower", dest="gates", action="append", default=[],
                        choices=diff.FIGURES, metavar="FIGURE",
                        help=f"exit 3 when B is slower on FIGURE (one of {', '.join(diff.FIGURES)}; "
                             "for errors: more of them), repeatable")
    args = parser.parse_args(argv)
    sides = []
    for given in (args.a, args.b):
        try:
            sides.append(_diff_side(given, args.history))
        except diff.DiffInputError as exc:
            fail(str(exc))
    figures = diff.diff(*sides)
    shares = diff.state_shares(sides[0].summary, sides[1].summary)
    failed = [f.figure for f in figures if f.figure in args.gates and f.verdict == "slower"]
    if args.json:
        _to_stdout(json.dumps({"a": sides[0].name, "b": sides[1].name,
                               "figures": [f.to_json() for f in figures],
                               "thread_states": [s.to_json() for s in shares],
                               "failed_gates": failed}, indent=2, allow_nan=False) + "\n")
    else:
        from fetchtui.headless.report import diff_text, shares_text

        _to_stdout(diff_text(sides[0].name, sides[1].name, figures) + shares_text(shares)
                   + "".join(f"✗ --fail-if-slower {figure}: B is slower on {figure}\n" for figure in failed))
    return 3 if failed else 0


def _diff_side(given: str, history: str | None) -> RunData:
    from fetchtui.core.report import diff

    if os.path.exists(given) or not given.lstrip("#").isdigit():
        return diff.from_export(given)
    from fetchtui.core.history.store import HistoryError, HistoryStore, default_path

    number = int(given.lstrip("#"))
    try:
        store = HistoryStore(history or default_path(), writing=False)
        stored = {run.record.number: run for run in store.runs()}
        store.close()
    except HistoryError as exc:
        raise diff.DiffInputError(str(exc)) from None
    if number in store.unreadable:
        raise diff.DiffInputError(f"run #{number} of the history ({safe_text(str(store.path))}) is "
                                  "not a readable history row")
    if number not in stored:
        raise diff.DiffInputError(f"there is no run #{number} in the history "
                                  f"({safe_text(str(store.path))}); `fetchtui history` lists them")
    return diff.from_history(stored[number].record.summary, number)


def cmd_schema(argv: Sequence[str]) -> int:
    parser = _Parser(
        prog="fetchtui schema",
        description="Print the JSON Schema (2020-12) of the export `fetchtui run --json` writes "
                    "(format version 1).")
    parser.parse_args(argv)
    from fetchtui.core.report.export_schema import FILE, shipped

    try:
        text = shipped()
    except OSError as exc:  # an install that lost its data files
        fail(f"cannot read the installed {FILE}: {exc.strerror or exc}")
    _to_stdout(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"run": cmd_run, "sweep": cmd_sweep, "history": cmd_history, "open": cmd_open,
                "diff": cmd_diff, "lesson": cmd_lesson, "schema": cmd_schema,
                "demo-server": cmd_demo_server}
    if argv and argv[0] in commands:
        if argv[0] != "run":  # `run` releases it once its run has started, the app once painted
            collector.release()
        return commands[argv[0]](argv[1:])
    mistyped = _mistyped_command(argv[0], commands) if argv else None
    if mistyped is not None:
        print(f"fetchtui: unknown command {argv[0]!r}; did you mean {mistyped!r}?", file=sys.stderr)
        return 2
    return cmd_tui(argv)


def _mistyped_command(word: str, commands: Iterable[str]) -> str | None:
    """The command `word` is a slip for (`hsitory`: history), if it is a bare word close to
    one; a URL, a host name or an option is not."""
    if not re.fullmatch(r"[a-z][a-z-]*", word):
        return None
    import difflib

    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.6)
    return close[0] if close else None
