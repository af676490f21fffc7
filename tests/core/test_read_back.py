"""Files fetchtui reads back (exports, history rows) are data: checked, never a traceback, never
an escape sequence on the terminal."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.core.history.store import HistoryStore
from fetchtui.core.report.summary import RunSummary
from fetchtui.core.runs.replay import Recording

CMD = [sys.executable, "-m", "fetchtui"]
DEEP = "[" * 100_000 + "]" * 100_000
ESC = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"  # an OSC title, a clear screen, a colour


def fetchtui(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr


def one_error_line(result: subprocess.CompletedProcess[str], says: str) -> None:
    """Exit 2 and one line on stderr that says `says`."""
    no_traceback(result)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fetchtui: error: ") and says in lines[0], lines


@pytest.fixture(scope="module")
def export(server_export: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads(server_export.read_text())
    return doc


@pytest.fixture(scope="module")
def server_export(base: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "good.json"
    result = fetchtui("run", f"{base}/delay/0 x4", f"{base}/status/503", "-w", "2", "--no-history",
                      "--json", str(path))
    assert result.returncode == 1, result.stderr  # the 503
    return path


def crafted(tmp_path: Path, doc: object, raw: str | None = None) -> str:
    path = tmp_path / "crafted.json"
    path.write_text(raw if raw is not None else json.dumps(doc))
    return str(path)


def history_with(tmp_path: Path, **columns: str) -> str:
    """A history file of two runs, the second's columns as given (SQL assignments' values)."""
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    for _ in range(2):
        store.add("run", 1, "requests", "k", RunSummary(3, 3, 0, 0, 0.5, 6.0, sample=((1.0, 0.1),) * 3))
    store.close()
    with sqlite3.connect(path) as db:
        for name, value in columns.items():
            db.execute(f"UPDATE runs SET {name} = ? WHERE id = 2", (value,))
    return str(path)


# -- item 16: a crafted file is refused in one line, exit 2 ------------------------------
def test_a_history_row_nested_100000_deep_is_skipped_with_a_warning(tmp_path: Path) -> None:
    db = history_with(tmp_path, summary=DEEP)
    listed = fetchtui("history", "--history", db)
    no_traceback(listed)
    assert listed.returncode == 0 and "1 unreadable row(s)" in listed.stderr
    assert "requests" in listed.stdout  # the good row is listed
    one_error_line(fetchtui("diff", "1", "2", "--history", db), "is not a readable history row")
    assert fetchtui("diff", "1", "1", "--history", db).returncode == 0


@pytest.mark.parametrize(("where", "value", "says"), [
    ("request", '"abc"', "request 0's elapsed_ms must be a number"),
    ("request", "1e999", "request 0's elapsed_ms must be a number"),
    ("request", DEEP, "nests deeper than any fetchtui file"),
    ("summary", "1e999", "ok must be a whole number"),
    ("summary", "NaN", "it holds NaN, which is not JSON"),
    ("summary", "Infinity", "it holds Infinity, which is not JSON"),
    ("summary", str(2**70), "ok must be a whole number"),
    ("summary", "1" * 5000, "not JSON"),
], ids=["text", "inf", "deep", "inf-count", "nan", "infinity", "2**70", "5000-digits"])
def test_diff_of_a_crafted_export_says_it_is_no_export_in_one_line(
        export: dict[str, object], tmp_path: Path, where: str, value: str, says: str) -> None:
    doc = json.loads(json.dumps(export))
    if where == "request":
        doc["requests"][0]["elapsed_ms"] = "@@"
    else:
        doc["summary"]["ok"] = "@@"
    bad = crafted(tmp_path, None, json.dumps(doc).replace('"@@"', value))
    result = fetchtui("diff", bad, bad)
    one_error_line(result, "is not a fetchtui run export")
    assert says in result.stderr


@pytest.mark.parametrize(("field", "value", "says"), [
    ("status", 2**70, "request 0's status must be a whole number from 0 to 999"),
    ("start_s", 2**70, "request 0's start_s must be a number from 0 to 1e+09"),
    ("elapsed_ms", 2**70, "request 0's elapsed_ms must be a number"),
    ("bytes", 2**70, "request 0's bytes must be a whole number"),
    ("thread_ident", 2**70, "request 0's thread_ident must be a whole number"),
    ("error", ["x"], "request 0's error must be text"),
])
def test_open_of_a_crafted_export_is_refused_before_the_app_starts(
        export: dict[str, object], tmp_path: Path, field: str, value: object, says: str) -> None:
    doc = json.loads(json.dumps(export))
    doc["requests"][0][field] = value
    result = fetchtui("open", crafted(tmp_path, doc))
    one_error_line(result, "is not a fetchtui run export")
    assert says in result.stderr


def test_open_of_an_export_nested_100000_deep_is_refused(tmp_path: Path) -> None:
    one_error_line(fetchtui("open", crafted(tmp_path, None, DEEP)), "nests deeper than any fetchtui file")


def test_diff_json_writes_only_json_when_a_ratio_overflows(export: dict[str, object], tmp_path: Path) -> None:
    tiny, huge = json.loads(json.dumps(export)), json.loads(json.dumps(export))
    tiny["summary"]["rps"], huge["summary"]["rps"] = 1e-300, 1e15
    (tmp_path / "a.json").write_text(json.dumps(tiny))
    (tmp_path / "b.json").write_text(json.dumps(huge))
    result = fetchtui("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--json")
    no_traceback(result)
    assert result.returncode == 0

    def not_json(name: str) -> None:
        raise AssertionError(f"{name} in diff --json")

    figures = json.loads(result.stdout, parse_constant=not_json)["figures"]
    assert figures[0]["figure"] == "rps" and figures[0]["change"] is None


# -- item 20: a byte order mark is no reason to refuse an export --------------------------
def test_an_export_with_a_utf8_bom_is_read_by_diff_and_open(server_export: Path, tmp_path: Path) -> None:
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + server_export.read_bytes())
    result = fetchtui("diff", str(server_export), str(bom))
    no_traceback(result)
    assert result.returncode == 0 and "no significant change" in result.stdout
    assert Recording.load(bom).events == Recording.load(server_export).events  # what `open` plays


# -- item 5: text from a file is shown as network text is --------------------------------
def test_escape_sequences_in_a_history_row_are_shown_escaped(tmp_path: Path) -> None:
    summary = RunSummary(3, 3, 0, 0, 0.5, 6.0).to_json(sample=True)
    summary["status_counts"] = {f"200{ESC}": 3}
    summary["python"] = {"executable": f"/py{ESC}", "version": f"3.11{ESC}", "implementation": "cpython",
                         "free_threaded": False, "gil": True, "cores": 2}
    db = history_with(tmp_path, backend=f"requests{ESC}", front_end=f"run{ESC}", list_key=f"k{ESC}",
                      finished_at=f"2026-12-07T00:00:00{ESC}", summary=json.dumps(summary))
    for args in (["history"], ["history", "--json"]):
        result = fetchtui(*args, "--history", db)
        no_traceback(result)
        assert result.returncode == 0 and "unreadable" not in result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    table = fetchtui("history", "--history", db).stdout
    assert "requests\\x1b]0;pwned\\x07" in table and "3.11\\x1b]0;pwned\\x07\\x1b[2J" in table
    listed = json.loads(fetchtui("history", "--json", "--history", db).stdout)
    assert listed[1]["summary"]["status_counts"] == {"200\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31m": 3}


def test_escape_sequences_in_an_export_are_read_back_escaped(export: dict[str, object],
                                                             tmp_path: Path) -> None:
    doc = json.loads(json.dumps(export))
    doc["requests"][0]["url"] = f"http://127.0.0.1/{ESC}"
    doc["requests"][0]["error"] = f"boom{ESC}"
    doc["threads"][0]["name"] = f"worker{ESC}"
    doc["summary"]["by_url"][0]["url"] = f"http://127.0.0.1/{ESC}"
    recording = Recording.load(crafted(tmp_path, doc))
    shown = repr([recording.targets[0].url, *recording.events])
    assert "\\x1b" not in shown.replace("\\\\x1b", "")  # each ESC is the 4 characters \x1b now
    assert "http://127.0.0.1/\\x1b]0;pwned\\x07" in recording.targets[0].url
    result = fetchtui("diff", crafted(tmp_path, doc), crafted(tmp_path, doc))
    assert result.returncode == 0 and "\x1b" not in result.stdout + result.stderr
