"""Write a run to JSON or CSV, atomically: a temp file beside the target, then a rename."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fetchtui import __version__
from fetchtui.core.engine import RunConfig
from fetchtui.core.stats import RunStats

FORMAT_VERSION = 1
REQUEST_FIELDS = (
    "id", "url", "thread_ident", "thread_name", "pid", "start_s", "end_s",
    "elapsed_ms", "status", "bytes", "outcome", "error_kind", "error",
)


class ExportError(Exception):
    """The export could not be written; the run itself is untouched."""


def config_dict(config: RunConfig, total: int) -> dict[str, Any]:
    limits = asdict(config.limits)
    limits["insecure"] = not limits.pop("verify")
    return {"fetchtui": __version__, "workers": config.workers, "backend": config.backend,
            "requests": total, **limits}


def request_rows(stats: RunStats) -> list[dict[str, Any]]:
    rows = []
    for req_id, rec in enumerate(stats.records):
        rec = rec or stats.record(req_id)
        elapsed = rec.elapsed_ns
        rows.append({
            "id": rec.req_id,
            "url": rec.url,
            "thread_ident": rec.thread.ident if rec.thread else None,
            "thread_name": rec.thread.name if rec.thread else None,
            "pid": rec.thread.pid if rec.thread else None,
            "start_s": _round(stats.relative_s(rec.start_ns)),
            "end_s": _round(stats.relative_s(rec.end_ns)),
            "elapsed_ms": round(elapsed / 1e6, 3) if elapsed is not None else None,
            "status": rec.status,
            "bytes": rec.nbytes,
            "outcome": rec.outcome.value if rec.outcome else None,
            "error_kind": rec.error_kind,
            "error": rec.error,
        })
    return rows


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None


def to_json(stats: RunStats, config: dict[str, Any]) -> dict[str, Any]:
    """The version-1 document: config, summary, threads, requests."""
    return {
        "version": FORMAT_VERSION,
        "config": config,
        "summary": stats.summary(),
        "threads": [
            {
                "ident": t.info.ident,
                "name": t.info.name,
                "native_id": t.info.native_id,
                "pid": t.info.pid,
                "requests": t.requests,
                "busy_s": round(t.busy_ns / 1e9, 6),
                "cpu_s": round(t.cpu_ns / 1e9, 6),
            }
            for t in stats.threads.values()
        ],
        "requests": request_rows(stats),
    }


def write_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to `path` so that a reader sees the old file or the new, never half."""
    target = Path(path).expanduser()
    directory = target.parent if str(target.parent) else Path(".")
    try:
        if target.is_dir():
            raise ExportError(f"cannot write {target}: it is a directory")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def write_json(stats: RunStats, config: dict[str, Any], path: str | Path) -> Path:
    return write_atomic(path, json.dumps(to_json(stats, config), indent=2, ensure_ascii=False) + "\n")


def write_csv(stats: RunStats, path: str | Path) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REQUEST_FIELDS)
    writer.writeheader()
    writer.writerows(request_rows(stats))
    return write_atomic(path, buffer.getvalue())
