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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from fetchtui import __version__
from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import mask_url
from fetchtui.core.report.export_doc import (
    FORMAT_VERSION,
    REQUEST_FIELDS,
    ExportConfig,
    ProcessRow,
    RequestRow,
    StageConfig,
    ThreadRow,
)
from fetchtui.core.report.shape import to_doc
from fetchtui.core.runs.events import Phases
from fetchtui.core.stats import RequestRecord, RunStats

__all__ = ["FORMAT_VERSION", "REQUEST_FIELDS", "ExportError", "write_csv", "write_json"]
_FLUSH_ROWS = 8192  # rows joined per write: one syscall per few MB, not per row


class ExportError(Exception):
    """The export could not be written; the run itself is untouched."""


def config_dict(config: RunConfig, total: int) -> dict[str, Any]:
    """The export's config object (ExportConfig) of a run of `total` requests."""
    limits = config.limits
    doc: dict[str, Any] = to_doc(ExportConfig(
        fetchtui=__version__, workers=config.workers, client=config.client, model=config.model,
        processes=config.processes, requests=total, timeout=limits.timeout, max_bytes=limits.max_bytes,
        max_redirects=limits.max_redirects, ca_bundle=limits.ca_bundle,
        # its credentials are sent, never written down
        proxy=mask_url(limits.proxy) if limits.proxy else limits.proxy, env_proxy=limits.env_proxy,
        direct=limits.direct, http2=limits.http2, insecure=not limits.verify, rate=config.rate,
        duration_s=config.duration, cut_at_end=config.cut_at_end,
        stages=tuple(StageConfig(w, d) for w, d in config.stages), python=config.python))
    return doc


def _round(value: float | None) -> float | None:
    # to the nanosecond, as measured: a replay of the export then gives back its own summary
    return round(value, 9) if value is not None else None


def _ms(ns: int | None) -> float | None:
    return round(ns / 1e6, 6) if ns is not None else None


def request_row(stats: RunStats, rec: RequestRecord) -> dict[str, Any]:
    """One request as exported, read through its record (a view): what a row of `_values` says."""
    return dict(zip(REQUEST_FIELDS, _record_values(stats, rec), strict=True))


def _record_values(stats: RunStats, rec: RequestRecord) -> tuple[Any, ...]:
    """A RequestRow's values (in REQUEST_FIELDS' order) of a request read through its record."""
    elapsed = rec.elapsed_ns
    thread = rec.thread
    phases = rec.phases or Phases()
    return (rec.req_id, rec.url, thread.ident if thread else None, thread.name if thread else None,
            thread.pid if thread else None, _round(stats.relative_s(rec.start_ns)),
            _round(stats.relative_s(rec.end_ns)), _ms(elapsed), rec.status, rec.nbytes,
            rec.outcome.value if rec.outcome else None, rec.error_kind, rec.error,
            *(_ms(ns) for _, ns in phases.spans()),
            rec.phases.conn_id if rec.phases else None, rec.phases.conn_reused if rec.phases else None,
            rec.http_version, _round(stats.relative_s(rec.due_ns)),
            thread.task if thread else None,
            _ms(rec.cpu_ns) if rec.start_ns is not None else None)


def _values(stats: RunStats) -> Iterator[tuple[Any, ...]]:
    """Every request's RequestRow values, in id order, read from the records' columns (a record
    and a dict a request cost 13 us; see bench/export.py). A request never reported (a cancelled
    list's tail, no record kept) is read through its view, once for a run of one URL."""
    t0 = stats.t0_ns
    threads: dict[int, tuple[Any, ...]] = {}  # worker number -> (ident, name, pid), task
    no_phases: tuple[Any, ...] = (None,) * 7
    last_target: object = None
    unreported: tuple[Any, ...] = ()

    def at(ns: int | None) -> float | None:  # _round(stats.relative_s(ns))
        return None if ns is None or t0 is None else round((ns - t0) / 1e9, 9)

    for req_id, cells in enumerate(stats.record_fields()):
        if cells is None:
            target = stats.target(req_id)
            if target is not last_target:
                last_target = target
                unreported = _record_values(stats, stats.view(req_id))[1:]
            yield (req_id, *unreported)
            continue
        worker, start, end, outcome, status, nbytes, kind, error, cpu, phases, version, due = cells
        thread = threads.get(worker)
        if thread is None:
            info = stats.threads[worker].info if worker >= 0 else None
            thread = threads[worker] = ((info.ident, info.name, info.pid, info.task) if info is not None
                                        else (None, None, None, None))
        ident, name, pid, task = thread
        spans = no_phases
        if phases is not None:
            dns, connect, tls, wait, receive, conn_id, reused = phases
            spans = (_ms(dns), _ms(connect), _ms(tls), _ms(wait), _ms(receive), conn_id, reused)
        yield (req_id, stats.target(req_id).display, ident, name, pid, at(start), at(end),
               None if start is None or end is None else round((end - start) / 1e6, 6),
               status, nbytes, None if outcome is None else outcome.value, kind, error, *spans,
               version, at(due), task, None if start is None else round(cpu / 1e6, 6))


def _threads(stats: RunStats) -> list[ThreadRow]:
    states = stats.thread_states
    return [ThreadRow(ident=t.info.ident, name=t.info.name, native_id=t.info.native_id, pid=t.info.pid,
                      task=t.info.task, requests=t.requests, busy_s=round(t.busy_ns / 1e9, 9),
                      cpu_s=round(t.cpu_ns / 1e9, 9), retired_s=_round(stats.relative_s(t.retired_ns)),
                      states=None if states is None else states.thread(t.info.pid, t.info.native_id))
            for t in stats.threads.values()]


def _processes(stats: RunStats) -> list[ProcessRow]:
    return [ProcessRow(pid=p.pid, workers=p.workers, requests=p.requests,
                       busy_s=round(p.busy_ns / 1e9, 9), cpu_s=round(p.cpu_ns / 1e9, 9))
            for p in stats.per_process()]


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


def write_json(stats: RunStats, config: Mapping[str, Any], path: str | Path) -> Path:
    """The version-1 document (ExportDoc): config, summary, threads, processes, one request a
    line, then every URL's row."""
    from fetchtui.core.report import codec  # here: a run that writes nothing does not load it

    head = json.dumps({"version": FORMAT_VERSION, "config": config, "summary": stats.summary().to_json(),
                       "threads": to_doc(_threads(stats)), "processes": to_doc(_processes(stats))},
                      indent=2, ensure_ascii=False)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    row = codec.row_encoder(RequestRow)
    target = Path(path).expanduser()
    with atomic_writer(target) as handle:
        handle.write(head[:-2] + ',\n  "requests": [\n    ')  # the head without its closing brace
        _write_lines(handle, map(row, _values(stats)), ",\n    ")
        # every URL's row (the summary's by_url stops at its first 1,000), one at a time
        handle.write('\n  ],\n  "by_url": [\n    ')
        _write_lines(handle, (encode(to_doc(url)) for url in stats.all_urls()), ",\n    ")
        handle.write("\n  ]\n}\n")
    return target


def write_csv(stats: RunStats, path: str | Path) -> Path:
    """One row per request (a RequestRow), in id order, under a header of REQUEST_FIELDS."""
    target = Path(path).expanduser()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def lines() -> Iterator[str]:  # a few thousand rows a write: csv's C loop, one string
        for values in _values(stats):
            writer.writerow(values)
            if buffer.tell() > 1 << 20:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    with atomic_writer(target) as handle:
        handle.write(",".join(REQUEST_FIELDS) + "\r\n")
        for text in lines():
            handle.write(text)
    return target


def write_text(path: str | Path, text: str) -> Path:
    """A small document (a sweep's JSON) written whole, atomically."""
    target = Path(path).expanduser()
    with atomic_writer(target) as handle:
        handle.write(text)
    return target
