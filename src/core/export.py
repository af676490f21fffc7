"""Write a run to JSON or CSV, streamed to a temp file beside the target, then renamed into place."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from fetchtui import __version__
from fetchtui.core.config import RunConfig
from fetchtui.core.events import PHASE_NAMES, Phases
from fetchtui.core.stats import RequestRecord, RunStats
from fetchtui.core.targets import mask_url

FORMAT_VERSION = 1
REQUEST_FIELDS = (
    "id", "url", "thread_ident", "thread_name", "pid", "start_s", "end_s",
    "elapsed_ms", "status", "bytes", "outcome", "error_kind", "error",
    "dns_ms", "connect_ms", "tls_ms", "wait_ms", "receive_ms", "conn_id", "conn_reused",
    "http_version", "scheduled_s", "task", "cpu_ms",
)
_FLUSH_ROWS = 8192  # rows joined per write: one syscall per few MB, not per row


class ExportError(Exception):
    """The export could not be written; the run itself is untouched."""


def config_dict(config: RunConfig, total: int) -> dict[str, Any]:
    limits = asdict(config.limits)
    limits["insecure"] = not limits.pop("verify")
    limits["direct"] = list(limits["direct"])
    if limits["proxy"]:  # its credentials are sent, never written down
        limits["proxy"] = mask_url(limits["proxy"])
    return {"fetchtui": __version__, "workers": config.workers, "backend": config.backend,
            "model": config.model, "processes": config.processes,
            "requests": total, **limits, "rate": config.rate, "duration_s": config.duration,
            "cut_at_end": config.cut_at_end,
            "stages": [{"workers": w, "duration_s": d} for w, d in config.stages],
            "python": config.python}


def _round(value: float | None) -> float | None:
    # to the nanosecond, as measured: a replay of the export then gives back its own summary
    return round(value, 9) if value is not None else None


def request_row(stats: RunStats, rec: RequestRecord) -> dict[str, Any]:
    """One request as exported (JSON object / CSV row)."""
    elapsed = rec.elapsed_ns
    thread = rec.thread
    return {
        "id": rec.req_id,
        "url": rec.url,
        "thread_ident": thread.ident if thread else None,
        "thread_name": thread.name if thread else None,
        "pid": thread.pid if thread else None,
        "start_s": _round(stats.relative_s(rec.start_ns)),
        "end_s": _round(stats.relative_s(rec.end_ns)),
        "elapsed_ms": round(elapsed / 1e6, 6) if elapsed is not None else None,
        "status": rec.status,
        "bytes": rec.nbytes,
        "outcome": rec.outcome.value if rec.outcome else None,
        "error_kind": rec.error_kind,
        "error": rec.error,
        **_phase_fields(rec.phases),
        "http_version": rec.http_version,
        "scheduled_s": _round(stats.relative_s(rec.due_ns)),
        "task": thread.task if thread else None,  # the asyncio task (its thread is the loop's)
        # the worker's CPU for it (under asyncio: the loop's since the one before): diff resamples it
        "cpu_ms": round(rec.cpu_ns / 1e6, 6) if rec.start_ns is not None else None,
    }


def _phase_fields(phases: Phases | None) -> dict[str, Any]:
    """The phases in ms (null: it did not happen) and the connection, as exported."""
    fields: dict[str, Any] = {f"{name}_ms": round(ns / 1e6, 6) if ns is not None else None
                              for name, ns in (phases or Phases()).spans()}
    fields["conn_id"] = phases.conn_id if phases else None
    fields["conn_reused"] = phases.conn_reused if phases else None
    return fields


class _Unreported:
    """The row (without its id) of a request never reported, encoded: once for a run of them
    of one URL (most of a cancelled million-request list), stamped with each id."""

    def __init__(self, stats: RunStats, encode: Callable[[dict[str, Any]], str]) -> None:
        self.stats, self.encode = stats, encode
        self.target: object = None
        self.text = ""

    def __call__(self, req_id: int) -> str:
        target = self.stats.target(req_id)
        if target is not self.target:
            self.target = target
            self.text = self.encode(_without_id(request_row(self.stats, self.stats.view(req_id))))
        return self.text


def _rows(stats: RunStats, encode: Callable[[dict[str, Any]], str],
          stamp: Callable[[int, str], str]) -> Iterator[str]:
    """Every request: its row without the id, encoded, then stamped with the id."""
    unreported = _Unreported(stats, encode)
    for req_id in range(stats.total):
        rest = encode(_without_id(request_row(stats, stats.view(req_id)))) if stats.kept(req_id) \
            else unreported(req_id)
        yield stamp(req_id, rest)


#: A request with no phases: its phase fields, as the encoder writes them.
_NO_PHASES = ", ".join([*(f'"{name}_ms": null' for name in PHASE_NAMES),
                        '"conn_id": null', '"conn_reused": null'])


def _json_rows(stats: RunStats, encode: Callable[[Any], str]) -> Iterator[str]:
    """Every request's JSON object, in id order: the text `encode(request_row(...))` makes,
    written from the records' columns (13 us a request through a record and a dict; see
    bench/export.py). A request never reported goes the way of _rows."""
    t0 = stats.t0_ns
    threads: dict[int, tuple[str, str]] = {}  # worker number -> its fields, its task

    def at(ns: int | None) -> str:  # _round(stats.relative_s(ns)), encoded
        return "null" if ns is None or t0 is None else repr(round((ns - t0) / 1e9, 9))

    def ms(ns: int | None) -> str:
        return "null" if ns is None else repr(round(ns / 1e6, 6))

    def text(value: str | None) -> str:
        return "null" if value is None else encode(value)

    unreported = _Unreported(stats, encode)
    for req_id, cells in enumerate(stats.record_fields()):
        if cells is None:
            yield f'{{"id": {req_id}, {unreported(req_id)[1:]}'
            continue
        worker, start, end, outcome, status, nbytes, kind, error, cpu, phases, version, due = cells
        if worker not in threads:
            info = stats.threads[worker].info if worker >= 0 else None
            threads[worker] = (
                (f'"thread_ident": {info.ident}, "thread_name": {encode(info.name)}, "pid": {info.pid}',
                 "null" if info.task is None else str(info.task)) if info is not None
                else ('"thread_ident": null, "thread_name": null, "pid": null', "null"))
        thread, task = threads[worker]
        if phases is None:
            spans = _NO_PHASES
        else:
            dns, connect, tls, wait, receive, conn_id, reused = phases
            spans = (f'"dns_ms": {ms(dns)}, "connect_ms": {ms(connect)}, "tls_ms": {ms(tls)}, '
                     f'"wait_ms": {ms(wait)}, "receive_ms": {ms(receive)}, '
                     f'"conn_id": {"null" if conn_id is None else conn_id}, '
                     f'"conn_reused": {"null" if reused is None else ("true" if reused else "false")}')
        elapsed = "null" if start is None or end is None else ms(end - start)
        yield (f'{{"id": {req_id}, "url": {encode(stats.target(req_id).display)}, {thread}, '
               f'"start_s": {at(start)}, "end_s": {at(end)}, "elapsed_ms": {elapsed}, '
               f'"status": {"null" if status is None else status}, "bytes": {nbytes}, '
               f'"outcome": {"null" if outcome is None else encode(outcome.value)}, '
               f'"error_kind": {text(kind)}, "error": {text(error)}, {spans}, '
               f'"http_version": {text(version)}, "scheduled_s": {at(due)}, "task": {task}, '
               f'"cpu_ms": {"null" if start is None else ms(cpu)}}}')


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    del row["id"]
    return row


def _threads(stats: RunStats) -> list[dict[str, Any]]:
    return [
        {
            "ident": t.info.ident,
            "name": t.info.name,
            "native_id": t.info.native_id,
            "pid": t.info.pid,
            "task": t.info.task,
            "requests": t.requests,
            "busy_s": round(t.busy_ns / 1e9, 9),
            "cpu_s": round(t.cpu_ns / 1e9, 9),
            # it left a shrinking pool this far into the run (None: it stayed to the end)
            "retired_s": _round(stats.relative_s(t.retired_ns)),
        }
        for t in stats.threads.values()
    ]


STDOUT = "-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[str]]:
    """A text file at `path` that a reader sees old or new, never half written; `-` is stdout.

    Only a new path or a regular file is replaced by a rename (keeping an existing file's
    mode, else umask's). Anything else that is there already (a device such as /dev/null or
    /dev/stdout, a FIFO, /dev/fd/N, a symlink) is written through, as a shell's `>` would.
    """
    if str(path) == STDOUT:
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError as exc:  # `| head`: the reader left; nothing to keep
            raise ExportError("stdout was closed before the export was written") from exc
        return
    target = Path(path).expanduser()
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a directory")
    try:
        there = os.lstat(target)
    except FileNotFoundError:
        there = None
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    if there is not None and not stat.S_ISREG(there.st_mode):
        try:
            with open(target, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
                yield handle
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return
    directory = target.parent if str(target.parent) else Path(".")
    mode = stat.S_IMODE(there.st_mode) if there is not None else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            yield handle
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_paths_problem(json_path: str | None, csv_path: str | None) -> str | None:
    """Why these export paths cannot be written as asked (checked before anything is fetched)."""
    given = [(flag, p) for flag, p in (("--json", json_path), ("--csv", csv_path)) if p is not None]
    for flag, p in given:
        if not p.strip():
            return f"{flag} needs a path (or - for stdout), got an empty one"
        if p == STDOUT:
            continue
        if p.endswith(os.sep) or (os.altsep and p.endswith(os.altsep)):
            return f"{flag} {p!r} names a directory; give a file name"
        path = os.path.expanduser(p)
        if os.path.isdir(path):
            return f"{flag} {p!r} is a folder; give a file name"
        folder = os.path.dirname(path) or os.curdir
        if not os.path.isdir(folder):
            what = "is not a folder" if os.path.exists(folder) else "does not exist"
            return f"{flag} {p!r}: its folder {folder!r} {what}"
    if len(given) == 2:
        (_, a), (_, b) = given
        if a == STDOUT and b == STDOUT:
            return "--json - and --csv - would both go to stdout, one after the other; give one a file"
        if a != STDOUT and b != STDOUT and os.path.realpath(os.path.expanduser(a)) == \
                os.path.realpath(os.path.expanduser(b)):
            return f"--json and --csv name the same file ({a}): the CSV would overwrite the JSON"
    return None


def _write_lines(handle: IO[str], lines: Iterator[str], joiner: str) -> None:
    chunk: list[str] = []
    first = True
    for line in lines:
        chunk.append(line)
        if len(chunk) == _FLUSH_ROWS:
            handle.write(("" if first else joiner) + joiner.join(chunk))
            chunk.clear()
            first = False
    if chunk:
        handle.write(("" if first else joiner) + joiner.join(chunk))


def write_json(stats: RunStats, config: dict[str, Any], path: str | Path) -> Path:
    """The version-1 document: config, summary, threads, one request per line, then every
    URL's row."""
    head = json.dumps({"version": FORMAT_VERSION, "config": config,
                       "summary": stats.summary().to_json(), "threads": _threads(stats),
                       "processes": [{"pid": p.pid, "workers": p.workers, "requests": p.requests,
                                      "busy_s": round(p.busy_ns / 1e9, 9), "cpu_s": round(p.cpu_ns / 1e9, 9)}
                                     for p in stats.per_process()]},
                      indent=2, ensure_ascii=False)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    target = Path(path).expanduser()
    with atomic_writer(target) as handle:
        handle.write(head[:-2] + ',\n  "requests": [\n    ')  # the head without its closing brace
        _write_lines(handle, _json_rows(stats, encode), ",\n    ")
        # every URL's row (the summary's by_url stops at its first 1,000), one at a time
        handle.write('\n  ],\n  "by_url": [\n    ')
        _write_lines(handle, (encode(row.to_json()) for row in stats.all_urls()), ",\n    ")
        handle.write("\n  ]\n}\n")
    return target


def _csv_line(row: dict[str, Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row.values())
    return buffer.getvalue()


def write_csv(stats: RunStats, path: str | Path) -> Path:
    """One row per request, in id order, under a header of REQUEST_FIELDS."""
    target = Path(path).expanduser()
    with atomic_writer(target) as handle:
        handle.write(",".join(REQUEST_FIELDS) + "\r\n")
        _write_lines(handle, _rows(stats, _csv_line, lambda req_id, rest: f"{req_id},{rest}"), "\r\n")
        if stats.total:
            handle.write("\r\n")
    return target


def write_text(path: str | Path, text: str) -> Path:
    """A small document (a sweep's JSON) written whole, atomically."""
    target = Path(path).expanduser()
    with atomic_writer(target) as handle:
        handle.write(text)
    return target
