"""The run history on disk: every run of every front end, in SQLite, so it outlasts the process.

One row per run, written in one transaction when the run ends: a process killed while writing
loses at most that run (SQLite's write-ahead log rolls the half-written one back), and two
fetchtui processes writing at once take turns (WAL, a busy timeout). The schema's version is
SQLite's `user_version`; a file written by a newer fetchtui is read, never written.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from fetchtui.core.history.records import RunRecord
from fetchtui.core.report import stored
from fetchtui.core.report.summary import RunSummary

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 5.0  # the most a run waits for another process's write before giving up on it
FIRST_TRY_S = 0.25  # before saying that the file is busy
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    finished_at TEXT    NOT NULL,  -- ISO 8601, UTC
    front_end   TEXT    NOT NULL,  -- tui, run or sweep
    workers     INTEGER NOT NULL,
    backend     TEXT    NOT NULL,  -- the client's label (the column's first name: every store opens)
    list_key    TEXT    NOT NULL,  -- history.list_key: runs of one list compare
    summary     TEXT    NOT NULL   -- the JSON export's summary object
);
CREATE INDEX IF NOT EXISTS runs_by_list ON runs (list_key, backend, workers);
"""


#: The per-URL rows a history row keeps at most (an export keeps every one).
HISTORY_URL_ROWS = 1000


class HistoryError(Exception):
    """The history file cannot be opened or written; the message says which and why."""


def default_path() -> Path:
    """history.sqlite3 in the user data directory (XDG_DATA_HOME on Linux)."""
    import platformdirs

    return platformdirs.user_data_path("fetchtui", appauthor=False) / "history.sqlite3"


class HistoryStore:
    """The history file: append a run, read the runs back."""

    def __init__(self, path: str | Path, *, writing: bool = True) -> None:
        self.path = Path(path).expanduser()
        self.skipped = 0  # rows that could not be read back (a damaged or foreign row)
        self.unreadable: set[object] = set()  # their numbers, as the file holds them
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False,
                                       isolation_level=None)  # transactions are explicit below
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash keeps every commit
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            self.read_only = version > SCHEMA_VERSION
            if version < SCHEMA_VERSION:  # a new file (or an older schema, when there is one)
                with self._db:  # one transaction: COMMIT on success, ROLLBACK on an error
                    self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA}")  # no-op when present
                    self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            why = _unwritable(self.path) if writing else None
            raise HistoryError(f"cannot use the history file {self.path}: {why or exc}") from None

    def add(self, front_end: str, workers: int, client: str, key: str, summary: RunSummary, *,
            patience: float = BUSY_TIMEOUT_S, on_busy: Callable[[], None] | None = None) -> int:
        """Record one run; returns its number in the history. A file another process is
        writing is tried for FIRST_TRY_S, then `on_busy` is told and it waits up to `patience`
        seconds in all before giving up (the run is kept in memory by the caller)."""
        if self.read_only:
            raise HistoryError(f"{self.path} was written by a newer fetchtui")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        doc = summary.to_json(sample=True)
        if len(doc["by_url"]) > HISTORY_URL_ROWS:  # a million-URL list: its export has them all
            doc["by_url_rows"], doc["by_url"] = len(doc["by_url"]), doc["by_url"][:HISTORY_URL_ROWS]
        row = (stamp, front_end, workers, client, key, json.dumps(doc))
        waits = [min(FIRST_TRY_S, patience), max(0.0, patience - FIRST_TRY_S)]
        for attempt, wait in enumerate(waits):
            self._db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                with self._db:
                    self._db.execute("BEGIN IMMEDIATE")
                    cursor = self._db.execute(
                        "INSERT INTO runs (finished_at, front_end, workers, backend, list_key, summary)"
                        " VALUES (?, ?, ?, ?, ?, ?)", row)
                return int(cursor.lastrowid or 0)
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy:
                    raise HistoryError(f"cannot record the run in {self.path}: {exc}") from None
                if attempt == 0 and waits[1] > 0 and on_busy is not None:
                    on_busy()
            except sqlite3.Error as exc:
                raise HistoryError(f"cannot record the run in {self.path}: {exc}") from None
        raise HistoryError(f"the history file {self.path} stayed busy for {patience:g} s "
                           "(another process is writing it)")

    def runs(self, limit: int | None = None, *, after: int = 0) -> list[StoredRun]:
        """The recorded runs, oldest first (the newest `limit` of them; those numbered past
        `after` only: what others recorded since a look)."""
        query = "SELECT id, finished_at, front_end, workers, backend, list_key, summary FROM runs"
        try:
            rows = self._db.execute(f"{query} WHERE id > ? ORDER BY id DESC LIMIT ?",
                                    (after, limit or -1)).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot read {self.path}: {exc}") from None
        out = []
        self.skipped = 0
        self.unreadable.clear()
        for row in reversed(rows):
            try:  # one damaged row (hand-edited, another tool's) is skipped, not fatal
                out.append(_stored_run(*row))
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
                self.skipped += 1
                self.unreadable.add(row[0])
        return out

    def close(self) -> None:
        self._db.close()


def _stored_run(number: object, finished_at: object, front_end: object, workers: object,
                client: object, key: object, summary: object) -> StoredRun:
    """One row of the file, each column checked and its text made safe (core/report/stored.py's rule):
    a row is data, whoever wrote it. Raises stored.Invalid (a ValueError) for a damaged one."""
    record = RunRecord(stored.whole(number, "id"), stored.whole(workers, "workers", low=1),
                       stored.text(client, "client"), stored.text(key, "list_key"),
                       RunSummary.from_json(stored.parse(summary)))
    return StoredRun(record, stored.text(finished_at, "finished_at"), stored.text(front_end, "front_end"))


def _unwritable(path: Path) -> str | None:
    """What keeps `path` from being written, in words ("unable to open database file" says none)."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only file system (--history PATH picks another file, " \
                   "--no-history records nothing)"
    except OSError:
        pass
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"{'it' if path.exists() else 'its folder'} is not writable (--history PATH picks " \
               "another file, --no-history records nothing)"
    return None


class StoredRun:
    """A run read back from the file, with when it finished and which front end ran it."""

    __slots__ = ("finished_at", "front_end", "record")

    def __init__(self, record: RunRecord, finished_at: str, front_end: str) -> None:
        self.record = record
        self.finished_at = finished_at
        self.front_end = front_end
