"""A reader of stdout that has gone (`| head -1`) is no error: the command ends quietly, and a
run it made is still recorded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .test_read_back import fetchtui, history_with, no_traceback


def closed_pipe() -> int:
    """The write end of a pipe whose reader has gone, as `| head -1`'s once it has its line."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_diff_and_history_into_a_closed_pipe_end_quietly(tmp_path: Path) -> None:
    db = history_with(tmp_path)
    for args in (["diff", "1", "2", "--history", db], ["diff", "1", "2", "--json", "--history", db],
                 ["history", "--history", db], ["history", "--json", "--history", db]):
        write = closed_pipe()
        try:
            result = fetchtui(*args, stdout=write)
        finally:
            os.close(write)
        no_traceback(result)
        assert result.returncode == 0 and result.stderr == "", (args, result.stderr)


def test_a_trace_into_a_closed_pipe_stops_and_the_run_is_recorded(base: str, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    write = closed_pipe()
    try:
        result = fetchtui("run", f"{base}/delay/0 x50", "-w", "2", "--trace", "--history", str(db),
                          stdout=write)
    finally:
        os.close(write)
    no_traceback(result)
    assert result.returncode == 0
    assert "url :" not in result.stderr  # no trace line went to stderr
    assert "ok 50, failed 0" in result.stderr  # the summary did, as with any closed stdout
    listed = json.loads(fetchtui("history", "--json", "--history", str(db)).stdout)
    assert [run["summary"]["ok"] for run in listed] == [50]
