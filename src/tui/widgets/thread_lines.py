"""The live table's lines as (text, part) pieces: a thread's own line, wide or at 80 columns,
and a finished request's line under it."""

from __future__ import annotations

from urllib.parse import urlsplit

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.runs.events import Outcome
from fetchtui.core.stats import RequestRecord, RunStats
from fetchtui.tui.widgets.outcomes import GLYPH, RUNNING

Spans = list[tuple[str, str]]  # a line as (text, part) pieces; a part is a component class


def head(stats: RunStats, ident: int, now_ns: int, selected: bool, pids: int) -> Spans:
    """A thread's line: pid (with several processes), ident, name, native id, its count and
    busy share, then what it runs now and for how long, or idle."""
    thread = stats.threads[ident]
    info = thread.info
    line: Spans = [
        *([(f"pid {info.pid:<8}", "name")] if pids > 1 else []),
        (f"{info.ident:>16} ", "selected" if selected else "ident"),
        (f"{safe_text(info.name, 22):<22} ", "name"),
        (f"tid {info.native_id:<8}", "dim"),
        (f"done {thread.requests:>6}  busy {stats.busy_share(ident, now_ns):>4.0%}  ", ""),
    ]
    if thread.current is not None:
        rec = stats.record(thread.current)
        took = (now_ns - (rec.start_ns or now_ns)) / 1e6
        line.append((f"{RUNNING} {took:>7.0f} ms ", "running"))
        line.append((safe_text(_what(stats, rec)), ""))
    else:
        line.append(("idle", "dim"))
    return line


def narrow_head(stats: RunStats, ident: int, now_ns: int, selected: bool, pids: int, width: int) -> Spans:
    """A thread's line at 80 columns: ident, short name, what it runs now and for how long
    (or idle), its count, then the URL's path, cut from the left to what is left."""
    thread = stats.threads[ident]
    info = thread.info
    name = safe_text(info.name.removeprefix("fetchtui-"), 10)
    line: Spans = [
        *([(f"pid {info.pid} ", "name")] if pids > 1 else []),
        (f"{info.ident} ", "selected" if selected else "ident"),
        (f"{name:<10} ", "name"),
    ]
    if thread.current is None:
        line.append((f"{'idle':<11}", "dim"))
    else:
        rec = stats.record(thread.current)
        took = (now_ns - (rec.start_ns or now_ns)) / 1e6
        line.append((f"{RUNNING}{took:>6.0f} ms ", "running"))
    line.append((f"done {thread.requests:<5} ", ""))
    if thread.current is not None:
        room = width - sum(len(text) for text, _ in line) - 1
        line.append((_tail(safe_text(_path(stats, stats.record(thread.current))), room), ""))
    return line


def finished(stats: RunStats, rec: RequestRecord) -> Spans:
    """A finished request's line: its outcome, bytes, time, connection and URL."""
    part = rec.outcome.value if rec.outcome else ""
    status = str(rec.status) if rec.status is not None else (rec.error_kind or "-")
    if rec.outcome is Outcome.FAILED and rec.error_kind not in (None, "http"):
        status = rec.error_kind or status
    if rec.outcome is Outcome.CANCELLED:
        status = "cancelled"
    glyph = GLYPH.get(rec.outcome, " ") if rec.outcome else " "
    elapsed = rec.elapsed_ns
    took = f"{elapsed / 1e6:>9.1f} ms" if elapsed is not None else " " * 12
    phases = rec.phases
    conn = (f"conn {phases.conn_id:<4} {'reused' if phases.conn_reused else 'new':<6} "
            if phases is not None and phases.conn_id is not None else " " * 19)
    return [
        (" " * 17 + "└ ", "dim"),
        (f"{glyph} {status}".rjust(11) + " ", part),
        (f"{rec.nbytes:>9} B {took}  ", ""),
        (conn, "dim"),
        (safe_text(_what(stats, rec)), "dim"),
    ]


def _method(stats: RunStats, rec: RequestRecord) -> str:
    return stats.target(rec.req_id).spec.method


def _what(stats: RunStats, rec: RequestRecord) -> str:
    """The URL, after its method when that is not GET."""
    method = _method(stats, rec)
    return rec.url if method == "GET" else f"{method} {rec.url}"


def _path(stats: RunStats, rec: RequestRecord) -> str:
    """The URL from its path on (its host is every line's), after a method not GET."""
    parts = urlsplit(rec.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    method = _method(stats, rec)
    return path if method == "GET" else f"{method} {path}"


def _tail(text: str, room: int) -> str:
    """`text` cut from the left to `room` columns, with an ellipsis where it was cut."""
    if len(text) <= room:
        return text
    return "…" + text[len(text) - room + 1:] if room > 1 else ""
