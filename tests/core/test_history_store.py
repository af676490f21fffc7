"""The run history on disk: across processes, under concurrent writers, after a SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fetchtui.core.history.records import History
from fetchtui.core.history.store import SCHEMA_VERSION, HistoryError, HistoryStore
from fetchtui.core.input.config import RunConfig
from fetchtui.core.report.summary import RunSummary

from ..waiting import wait_until

CMD = [sys.executable, "-m", "fetchtui"]


def fetchtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=60)


def summary(elapsed_s: float) -> RunSummary:
    return RunSummary(10, 10, 0, 0, elapsed_s, 10 / elapsed_s)


def test_runs_of_two_processes_are_listed_with_their_speedup(base: str, tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite3")
    for workers in ("1", "4"):
        assert fetchtui("run", f"{base}/delay/40 x8", "-w", workers, "--history", db).returncode == 0
    runs = json.loads(fetchtui("history", "--json", "--history", db).stdout)
    assert [(r["number"], r["workers"], r["front_end"]) for r in runs] == [(1, 1, "run"), (2, 4, "run")]
    assert runs[0]["list_key"] == runs[1]["list_key"] and runs[1]["summary"]["ok"] == 8
    table = fetchtui("history", "--history", db).stdout
    one, four = runs[0]["summary"]["elapsed_s"], runs[1]["summary"]["elapsed_s"]
    assert f"{one / four:.2f}x" in table  # the sequential-vs-pool number, across launches


def test_the_seeds_ten_then_more_on_ten_workers_read_a_speedup_per_request(base: str, tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite3")
    url = f"{base}/delay/40?seed=per-request"
    assert fetchtui("run", f"{url} x5", "-w", "1", "--history", db).returncode == 0
    assert fetchtui("run", f"{url} x20", "-w", "4", "--history", db).returncode == 0
    assert fetchtui("run", f"{base}/delay/0 x20", "-w", "4", "--history", db).returncode == 0
    runs = json.loads(fetchtui("history", "--json", "--history", db).stdout)
    one, four = (r["summary"] for r in runs[:2])
    per_request = (one["elapsed_s"] / 5) / (four["elapsed_s"] / 20)
    table = fetchtui("history", "--history", db).stdout
    rows = [line for line in table.splitlines() if line[:1].isdigit()]
    assert f"{per_request:.2f}x/req" in rows[1], table  # the same URL, four times the requests
    assert "/req" not in rows[2] and "x/req: per request" in table  # another URL: none, and why
    # the list column names the list, not a hash
    assert rows[0].endswith("/delay/40?seed=per-request x5") and rows[2].endswith("/delay/0 x20"), table


def test_no_history_records_nothing_and_a_bad_path_warns_but_runs(base: str, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    assert fetchtui("run", f"{base}/delay/0", "--no-history", "--history", str(db)).returncode == 2
    assert fetchtui("run", f"{base}/delay/0", "--no-history").returncode == 0
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    result = fetchtui("run", f"{base}/delay/0 x2", "--history", str(blocked / "h.sqlite3"))
    assert result.returncode == 0 and "ok 2, failed 0" in result.stdout
    assert "warning: cannot use the history file" in result.stderr and "Traceback" not in result.stderr


WRITER = """
import sys
from fetchtui.core.history.store import HistoryStore
from fetchtui.core.report.summary import RunSummary
store = HistoryStore(sys.argv[1])
for n in range(int(sys.argv[2])):
    store.add("run", 1 + n % 8, "requests", sys.argv[3], RunSummary(10, 10, 0, 0, 1.0, 10.0))
    print(n + 1, flush=True)
"""


def writer(db: Path, count: int, key: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(db), str(count), key],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    HistoryStore(db).close()
    procs = [writer(db, 150, key) for key in ("a", "b")]
    for proc in procs:
        assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
    runs = HistoryStore(db).runs()
    assert len(runs) == 300 and len({r.record.number for r in runs}) == 300
    assert sorted(r.record.list_key for r in runs) == ["a"] * 150 + ["b"] * 150


def test_a_writer_killed_mid_write_loses_at_most_the_run_it_was_writing(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    proc = writer(db, 100_000, "k")
    assert proc.stdout is not None
    committed = 0

    def enough() -> bool:
        nonlocal committed
        committed = int(proc.stdout.readline())  # type: ignore[union-attr]
        return committed >= 200

    wait_until(enough, "200 runs committed")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    printed = [int(line) for line in proc.stdout.read().split()]  # the rest of what it said
    committed = printed[-1] if printed else committed
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    runs = HistoryStore(db).runs()
    # every run it said was written is there; the one it was writing may or may not be
    assert committed <= len(runs) <= committed + 1
    assert [r.record.number for r in runs] == list(range(1, len(runs) + 1))


def test_a_file_from_a_newer_fetchtui_is_read_and_never_written(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    HistoryStore(db).add("run", 1, "requests", "k", summary(1.0))
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store = HistoryStore(db)
    assert store.read_only and len(store.runs()) == 1
    with pytest.raises(HistoryError, match="newer fetchtui"):
        store.add("run", 2, "requests", "k", summary(0.5))
    history = History(store)
    history.load()
    history.add(RunConfig(2, "requests"), "k", summary(0.5))  # kept in memory; the problem is said
    assert len(history.runs) == 2 and history.problem is not None and "newer" in history.problem


def test_earlier_runs_come_first_and_this_launchs_speedup_uses_them(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    store.add("run", 1, "requests", "list", summary(4.0))
    history = History(HistoryStore(tmp_path / "h.sqlite3"), "tui")
    history.load()
    assert history.earlier == 1
    now = history.add(RunConfig(4, "requests"), "list", summary(1.0))
    assert now.number == 2 and history.speedup(now) == pytest.approx(4.0)
    replayed = history.add(RunConfig(4, "requests"), "list", summary(1.0), on_disk=False)
    assert replayed.number == 3 and len(store.runs()) == 2
