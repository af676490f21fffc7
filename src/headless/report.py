"""What the headless front end prints, as plain text: the seed's trace line, the summary, the sweep."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.report.summary import CheckResult, Latency, OpenLoop, RunSummary, StageFigures, UrlFigures
from fetchtui.core.runs.events import Outcome
from fetchtui.core.stats import RunStats

if TYPE_CHECKING:
    from fetchtui.core.history.store import StoredRun
    from fetchtui.core.report.diff import FigureDiff, ShareDiff
    from fetchtui.core.runs.sweep import SweepPoint
    from fetchtui.core.threadstates.figures import ThreadStates


def _open_file_limit() -> int | None:
    """The process's open-file limit (None: none, or not a Unix)."""
    try:
        import resource
    except ImportError:
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


#: read as the front end starts: a run that met it may leave no descriptor to import with
OPEN_FILE_LIMIT = _open_file_limit()


def trace_line(stats: RunStats, req_id: int) -> str:
    """The seed's line (`<pid> process | <ident> url : <url>`) plus what came back, read from
    the folded request."""
    rec = stats.record(req_id)
    thread = rec.thread
    who = f"{thread.pid} process | {thread.ident}" if thread else "- process | -"
    elapsed = rec.elapsed_ns
    took = f"{elapsed / 1e6:.1f} ms" if elapsed is not None else "-"
    result = str(rec.status) if rec.status is not None else ""
    if rec.error_kind and rec.error_kind != "http":
        result = f"{result} {rec.error_kind}".strip()
    if rec.outcome is Outcome.CANCELLED:
        result = "cancelled"
    return safe_text(f"{who} url : {rec.url} -> {result} {took}")


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
          left: Sequence[str] = ()) -> str:
    """A plain text table: the title, a header, a rule, then the rows; columns in `left` are
    left-aligned, the rest right. Cells are safe_text already: this adds no escapes or styles.

    Plain text, not rich: `fetchtui run URL` is timed against the seed's bare script, and
    importing rich's Console cost 23 ms of a 30 ms budget (bench/startup.py).
    """
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(w) if h in left else cell.rjust(w)
                         for cell, w, h in zip(cells, widths, headers, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, line(headers), rule, *(line(row) for row in rows)])


def summary_text(stats: RunStats, title: str = "fetchtui run", fit: tuple[int, int] | None = None) -> str:
    """The end-of-run summary: the figures first, then by URL, the phases and one row per worker.

    `fit` is a terminal's (columns, lines): the figures wrap at words, and the detail tables
    that would push them off the screen are left out, saying which (a pipe gets them all).
    """
    head = _figures(stats, title, fit[0] if fit else None)
    s = stats.summary()
    details: list[tuple[str, str]] = []  # (name, text), most wanted first
    details.append(("threads", _threads_text(stats)))
    if s.stages:
        details.append(("stages", stages_text(s.stages)))
    if len(s.by_url) > 1:
        details.append(("by URL", by_url_text(s.by_url, s.url_count, width=fit[0] if fit else None)))
    details.append(("phases", phases_text(s.phases_ms)))
    kept, left_out = details, []
    if fit is not None:
        room = fit[1] - _RESERVED_LINES - head.count("\n") - 1
        kept = []
        for name, text in details:
            need = text.count("\n") + 2  # the text and the blank line before it
            if need <= room:
                kept.append((name, text))
                room -= need
            else:
                left_out.append(name)
    if "threads" in left_out and stats.threads:  # the lesson's point stays: how many, how busy
        head += "\n" + _figure_lines("threads", _threads_line(stats), fit[0] if fit else None)
    order = ("stages", "by URL", "phases", "threads")  # printed in this order, whatever fits
    parts = [head, *(text for name in order for kept_name, text in kept if kept_name == name)]
    if left_out:
        parts.append(f"({', '.join(left_out)} left out to fit the terminal: pipe to less for them)")
    return "\n\n".join(parts) + "\n"


#: lines a fitted summary leaves for what follows it: checks, "wrote …", the shell's prompt
_RESERVED_LINES = 3


def _figures(stats: RunStats, title: str, width: int | None) -> str:
    """The run's figures, one labelled line each; at a width, wrapped at words under the value."""
    s = stats.summary()
    lat = s.latency_ms
    totals = [
        ("requests", f"{s.submitted}  (ok {s.ok}, failed {s.failed}, cancelled {s.cancelled})"),
        ("elapsed", f"{s.elapsed_s:.3f} s"),
        ("throughput", f"{s.rps:.1f} req/s"),
        ("latency", f"p50 {lat.p50:.1f} ms  p90 {lat.p90:.1f} ms  "
                    f"p99 {lat.p99:.1f} ms  max {lat.max:.1f} ms"),
        ("cpu share", f"{s.cpu_share:.0%} of request time was the workers' CPU"),
        *(("python", python_text(s)) for _ in [0] if s.python is not None),
        ("status", "  ".join(f"{k}: {v}" for k, v in s.status_counts.items()) or "-"),
        ("errors", "  ".join(f"{k}: {v}" for k, v in s.error_counts.items()) or "-"),
        *(("cancelled", "; ".join(f"{n} {safe_text(why)}" for why, n in
                                  stats.cancel_reasons()))
          for _ in [0] if stats.cancel_reasons()),
        *(("limit", fd_limit_text(stats.out_of_fds)) for _ in [0] if stats.out_of_fds),
        ("connections", f"opened {s.connections.opened}, reused {s.connections.reused_share:.0%}"),
        ("protocols", "  ".join(f"{k}: {v}" for k, v in s.http_versions.items()) or "-"),
        *open_loop_rows(s.open_loop),
        *steering_rows(s),
    ]
    return "\n".join([title, *(_figure_lines(label, value, width) for label, value in totals)])


def _figure_lines(label: str, value: str, width: int | None) -> str:
    """`  label       value`; at a width, wrapped at words under the value's first column."""
    lead = f"  {label:<11} "
    if width is None or len(lead) + len(value) <= width:
        return lead + value
    import textwrap  # only at a terminal too narrow for a line

    return "\n".join(textwrap.wrap(value, width=max(20, width), initial_indent=lead,
                                    subsequent_indent=" " * len(lead), break_on_hyphens=False))


def _threads_line(stats: RunStats) -> str:
    """The threads table in a line: `10: 18-23 requests, busy 81-82% each`."""
    counts = [t.requests for t in stats.threads.values()]
    shares = [stats.busy_share(key) for key in stats.threads]

    def span(low: int, high: int) -> str:
        return str(low) if low == high else f"{low}-{high}"

    return (f"{len(counts)}: {span(min(counts), max(counts))} requests, "
            f"busy {span(round(min(shares) * 100), round(max(shares) * 100))}% each")


def _threads_text(stats: RunStats) -> str:
    """One row per worker thread (under the processes model, grouped by process, after them)."""
    processes = stats.per_process()
    by_pid = stats.processes > 1  # the processes model: group the threads by their process
    workers = sorted(stats.threads.items(), key=lambda kv: kv[1].info.pid) if by_pid \
        else list(stats.threads.items())
    rows = [[*([str(t.info.pid)] if by_pid else []), str(t.info.ident), safe_text(t.info.name),
             str(t.info.native_id), str(t.requests), f"{t.busy_ns / 1e9:.3f}",
             f"{stats.busy_share(key):.0%}"]
            for key, t in workers]
    headers = ("thread ident", "name", "native id", "requests", "busy s", "share")
    threads = table("threads", (("pid", *headers) if by_pid else headers), rows, left=("name",))
    if by_pid:
        rows = [[str(p.pid), str(p.workers), str(p.requests), f"{p.busy_ns / 1e9:.3f}",
                 f"{p.cpu_ms_per_request:.3f}"] for p in processes]
        threads = table("processes", ("pid", "threads", "requests", "busy s", "cpu ms/req"), rows) \
            + "\n\n" + threads
    return threads


def fd_limit_text(count: int) -> str:
    """The one line saying the run met the open-file limit (each request it failed says why)."""
    limit = f" (ulimit -n: {OPEN_FILE_LIMIT})" if OPEN_FILE_LIMIT is not None else ""
    return (f"the open-file limit{limit} was reached: {count} requests failed (connect) "
            "for want of a socket")


def open_loop_rows(pace: OpenLoop | None) -> list[tuple[str, str]]:
    """The pace asked for and how it went: the corrected latency, lag, and the duration's end."""
    if pace is None:
        return []
    asked = [f"{pace.rate:g} req/s" if pace.rate is not None else "as fast as the workers go"]
    if pace.duration_s is not None:
        asked.append(f"for {pace.duration_s:g} s")
    rows = [("open loop", " ".join(asked))]
    if pace.from_schedule_ms is not None and pace.lag_ms is not None:
        lat, lag = pace.from_schedule_ms, pace.lag_ms
        rows.append(("scheduled", f"p50 {lat.p50:.1f} ms  p90 {lat.p90:.1f} ms  p99 {lat.p99:.1f} ms  "
                                  f"max {lat.max:.1f} ms  (latency from each scheduled time)"))
        rows.append(("sent late", f"p50 {lag.p50:.1f} ms  p99 {lag.p99:.1f} ms  max {lag.max:.1f} ms"))
    if pace.duration_s is not None:
        verb = "cut" if pace.end == "cut" else "waited for"
        end = f"{pace.in_flight_at_end} in flight ({verb})"
        if pace.not_started:
            end += f", {pace.not_started} scheduled but never started (the workers fell behind)"
        rows.append(("at the end", end))
    return rows


def steering_rows(s: RunSummary) -> list[tuple[str, str]]:
    """The pool's resizes and the pauses, and what limited the run."""
    rows = []
    if s.resizes and not s.stages:
        rows.append(("resized", ", ".join(f"to {n} at {t:.1f} s" for t, n in s.resizes)))
    if s.pauses:
        rows.append(("paused", f"{s.paused_s:.1f} s in {len(s.pauses)} pause"
                               f"{'s' if len(s.pauses) > 1 else ''} (not counted in req/s)"))
    if s.limit is not None:
        rows.append(("limited by", f"{s.limit.by}: {s.limit.why}"))
    return rows


def diff_text(a: str, b: str, figures: Sequence[FigureDiff]) -> str:
    """`fetchtui diff`: a row per figure, A, B, the change and its 95% interval, the verdict."""
    units = {"rps": "req/s", "p50": "ms", "p90": "ms", "p99": "ms", "errors": "%", "cpu": "ms/req"}
    rows = [[f.figure, units[f.figure], f"{f.a:,.2f}", f"{f.b:,.2f}", f.shown(f.change),
             f"{f.shown(f.low)} .. {f.shown(f.high)}" if f.low is not None else "-", f.verdict]
            for f in figures]
    return table(f"B ({safe_text(b)}) against A ({safe_text(a)}); 95% intervals by bootstrap",
                 ("figure", "unit", "A", "B", "change", "95% interval", "verdict"), rows,
                 left=("figure", "unit", "verdict")) + "\n"


def shares_text(shares: Sequence[ShareDiff]) -> str:
    """`fetchtui diff`'s thread states: each state's share of the fetching threads' time in A
    and B, and the change in points (nothing when neither run's states were sampled)."""
    if not shares:
        return ""

    def cell(share: float | None) -> str:
        return "-" if share is None else f"{share:.1%}"

    rows = [[s.state, cell(s.a), cell(s.b), "-" if s.points is None else f"{s.points:+.1f} pt"]
            for s in shares]
    return table("thread states: share of the fetching threads' time (-: not sampled)",
                 ("state", "A", "B", "change"), rows, left=("state",)) + "\n"


def checks_text(results: Sequence[CheckResult]) -> str:
    """A line per --check: ✓ or ✗, what it says, and the value measured."""
    lines = [f"  {'✓' if r.passed else '✗'} {safe_text(r.expr):<24} {r.shown}" for r in results]
    passed = sum(r.passed for r in results)
    return "\n".join([f"checks: {passed} of {len(results)} passed", *lines]) + "\n"


PRINTED_URLS = 50


def by_url_text(rows: Sequence[UrlFigures], count: int = 0, width: int | None = None) -> str:
    """One row per distinct URL, in list order (the first 50: the JSON export has them all); at
    a width, each URL is shortened from its left so its path's end, which tells URLs apart, shows."""
    shown = rows[:PRINTED_URLS]
    lines = [[str(n), str(r.requests), str(r.ok), str(r.failed), str(r.cancelled),
              f"{r.latency_ms.p50:.1f}", f"{r.latency_ms.p90:.1f}", f"{r.latency_ms.p99:.1f}",
              f"{r.latency_ms.max:.1f}",
              " ".join(f"{k}:{v}" for k, v in r.error_counts.items()) or "-", safe_text(r.url)]
             for n, r in enumerate(shown, 1)]
    text = table("by URL (in list order; url[N] in a --check)",
                 ("#", "requests", "ok", "failed", "cancelled", "p50 ms", "p90 ms", "p99 ms",
                  "max ms", "errors", "url"), lines, left=("errors", "url"))
    if width is not None:
        text = "\n".join(_cut_left(line, width) for line in text.split("\n"))
    count = max(count, len(rows))
    if count > len(shown):
        text += f"\n… and {count - len(shown):,} more URLs (the JSON export has every one)"
    return text


def terminal_fit(stream: object) -> tuple[int, int] | None:
    """A terminal's (columns, lines) when `stream` is one, else None (a pipe or a file)."""
    try:
        return os.get_terminal_size(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None


def _cut_left(line: str, width: int) -> str:
    """A table line fitted to a width by shortening its last cell from the cell's left."""
    if len(line) <= width or not line.strip("- "):  # a rule is only shortened
        return line[:width]
    start = line.rfind("  ") + 2  # the last cell: a URL holds no two spaces in a row
    keep = width - start - 1
    return line[:start] + "…" + line[len(line) - keep:] if keep > 8 else line[:width - 1] + "…"


def stages_text(stages: Sequence[StageFigures]) -> str:
    """One row per stage of --stages, with its speedup against the first."""
    first = stages[0].rps if stages else 0.0
    rows = [[str(n), str(st.workers), f"{st.duration_s:g}", str(st.requests), f"{st.rps:.1f}",
             f"{st.rps / first:.2f}x" if first > 0 else "-",
             f"{st.rps / first / (st.workers / stages[0].workers):.0%}" if first > 0 else "-",
             f"{st.p50_ms:.1f}", f"{st.p99_ms:.1f}"]
            for n, st in enumerate(stages, 1)]
    return table("stages (speedup against the first stage; eff.: of the workers' ratio)",
                 ("stage", "workers", "s", "requests", "req/s", "speedup", "eff.", "p50 ms",
                  "p99 ms"), rows)


def pace_text(stats: RunStats) -> str:
    """The live pace of an open-loop run: time left, and how far behind its rate it is."""
    parts = []
    left = stats.time_left_s()
    if left is not None:
        parts.append(f"{left:.0f} s left")
    behind = stats.behind()
    if behind:
        parts.append(f"behind schedule by {behind}")
    return "  ".join(parts)


PHASE_LABELS = {"dns": "DNS", "connect": "connect", "tls": "TLS", "wait": "wait", "receive": "receive"}


def phases_text(phases: Mapping[str, Latency | None]) -> str:
    """hey's details block: where the time went, per phase, over the requests that had it."""
    rows = []
    for name, label in PHASE_LABELS.items():
        lat = phases.get(name)
        cells = [f"{v:.2f}" for v in (lat.p50, lat.p90, lat.p99, lat.max)] if lat and lat.max else ["-"] * 4
        rows.append([label, *cells])
    return table("details (ms, over the requests that had the phase)",
                 ("phase", "p50", "p90", "p99", "max"), rows, left=("phase",))


def python_text(s: RunSummary) -> str:
    """`3.13.5t, GIL off (/path/python3.13t); ceiling 2 cores / 0.410 ms CPU = 4,878 req/s`."""
    python = s.python
    assert python is not None
    text = (f"{python.version}{'t' if python.free_threaded else ''}, GIL {'on' if python.gil else 'off'} "
            f"({safe_text(python.executable)})")
    if s.gil_ceiling_rps and s.cpu_ms_per_request:
        cores = s.gil_ceiling_rps * s.cpu_ms_per_request / 1000
        text += (f"; ceiling {cores:.0f} core{'s' if round(cores) != 1 else ''} / "
                 f"{s.cpu_ms_per_request:.3f} ms CPU = {s.gil_ceiling_rps:,.0f} req/s")
    return text


def sweep_text(points: Sequence[SweepPoint]) -> str:
    """One row per sweep run: measured against ideal speedup, and the GIL ceiling."""
    rows = []
    for point in points:
        s = point.record.summary
        speedup = point.speedup
        rows.append([
            str(point.record.workers), point.record.client,
            s.python.label if s.python is not None else "-", f"{s.elapsed_s:.3f}",
            f"{s.rps:.1f}",
            f"{speedup:.2f}x" if speedup is not None else "-",
            f"{point.ideal_speedup:.1f}x",
            f"{speedup / point.ideal_speedup:.0%}" if speedup is not None else "-",
            f"{s.latency_ms.p50:.1f}", f"{s.latency_ms.p99:.1f}",
            str(s.failed + s.cancelled), f"{s.cpu_ms_per_request:.2f}",
            f"{point.ceiling_rps:.0f}" if point.ceiling_rps else "-",
        ])
    return table("worker sweep (speedup against 1 worker on the same Python; ceiling: the cores its "
                 "GILs let the client use / CPU per request)",
                 ("workers", "client", "python", "elapsed s", "req/s", "speedup", "ideal", "eff.",
                  "p50 ms", "p99 ms", "failed", "cpu ms", "ceiling/s"), rows,
                 left=("client", "python")) + "\n"


def history_text(stored: Sequence[StoredRun]) -> str:
    """`fetchtui history`: one row per recorded run, with its speedup against 1 worker."""
    from fetchtui.core.history.records import History, list_label

    history = History()
    history.runs = [run.record for run in stored]
    rows = []
    for run in stored:
        record, s = run.record, run.record.summary
        speedup = history.speedup_of(record)
        rows.append([
            str(record.number), run.finished_at.replace("T", " ").removesuffix("+00:00"), run.front_end,
            str(record.workers), record.client, s.python.label if s.python is not None else "-",
            str(s.submitted), f"{s.elapsed_s:.3f}", f"{s.rps:.1f}",
            str(speedup) if speedup is not None else "-", f"{s.latency_ms.p50:.1f}",
            f"{s.latency_ms.p99:.1f}", str(s.failed + s.cancelled), _checks_cell(s),
            safe_text(list_label(s)),
        ])
    if not rows:
        return "no runs recorded yet\n"
    return table("run history (speedup against the 1-worker run of the same list, client and Python; "
                 "x/req: per request, against one of the same URLs in other numbers)",
                 ("#", "finished (UTC)", "via", "workers", "client", "python", "requests", "elapsed s",
                  "req/s", "speedup", "p50 ms", "p99 ms", "failed", "checks", "list"),
                 rows, left=("finished (UTC)", "via", "client", "python", "checks", "list")) + "\n"


def _checks_cell(s: RunSummary) -> str:
    """✓ 3/3 when every --check passed, ✗ 1/3 when one failed, - without checks."""
    if not s.checks:
        return "-"
    passed = sum(c.passed for c in s.checks)
    return f"{'✓' if passed == len(s.checks) else '✗'} {passed}/{len(s.checks)}"


def thread_states_text(states: ThreadStates) -> str:
    """Where the fetching threads' time went, in a line: `threads: 9% cpu · 58% gil · 30% net ·
    3% waiting for a core` (or why it is not known)."""
    if states.why is not None:
        return f"threads: states not sampled ({safe_text(states.why)})\n"
    shares = states.shares
    parts = [f"{shares[state]:.0%} {state}" for state in ("cpu", "gil", "lock", "net", "idle", "other")
             if shares.get(state, 0.0) >= 0.005]
    if states.waiting_for_a_core >= 0.005:
        parts.append(f"{states.waiting_for_a_core:.0%} waiting for a core")
    return "threads: " + (" · ".join(parts) or "no time sampled") + "\n"
