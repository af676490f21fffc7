"""The JSON export's requests, written from the records' columns, say what each request's
record says (request_row, which the CSV export writes), for any run a pool can make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fetchtui.core.input.targets import parse_targets
from fetchtui.core.report.export import request_row, write_json
from fetchtui.core.runs.events import (
    Event,
    Outcome,
    Phases,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats

from ..rows import as_rows
from .test_fold_reference import Run, step

gaps_of = st.lists(st.integers(0, 5_000), min_size=120, max_size=120)


def exported(stats: RunStats, path: Path) -> list[dict[str, Any]]:
    write_json(stats, {}, path)
    rows: list[dict[str, Any]] = json.loads(path.read_text())["requests"]
    return rows


def recorded(stats: RunStats) -> list[dict[str, Any]]:
    """Each request as its record reads: a view, then request_row."""
    return [request_row(stats, stats.view(req_id)) for req_id in range(stats.total)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(step, max_size=120), gaps_of, st.booleans(), st.booleans(), st.booleans())
def test_each_exported_request_reads_as_its_record_whatever_the_run_did(
        tmp_path: Path, steps: list[tuple[object, ...]], gaps: list[int], paced: bool, two_lines: bool,
        ends: bool) -> None:
    targets = parse_targets("http://127.0.0.1:9/a x30\nhttp://u:secret@127.0.0.1:9/b x30" if two_lines
                            else "http://127.0.0.1:9/a x60")
    run = Run(len(targets), paced)
    run.emit(RunStarted(len(targets), 2, 1_000, rate=50.0 if paced else None))
    run.play(steps, gaps)
    if ends:  # the close-out cancels what never started: those rows are its
        run.emit(RunEnded(run.t + 1, cancelled=True))
    stats = RunStats(targets)
    packer, unpacker = Packer(), Unpacker()
    for batch in run.batches:
        stats.apply(unpacker.unpack(packer.pack(1, batch)))
    assert exported(stats, tmp_path / "run.json") == recorded(stats)


def test_names_errors_and_urls_are_escaped_as_json_in_each_request(tmp_path: Path) -> None:
    slot = ThreadInfo(7, 'wörker "one"\\\n', 8, 9, None)
    targets = parse_targets("http://127.0.0.1:9/ü?q=\"x\" x2")
    events: list[Event] = [
        RunStarted(2, 1, 0),
        RequestStarted(0, 10, slot),
        RequestFinished(0, 30, slot, Outcome.FAILED, 503, 4, "http", 'HTTP 503 "busy"\tnow', 5,
                        Phases(None, 1_500, None, 2_000_001, 7, 3, False), "HTTP/1.1"),
        RunEnded(40, cancelled=True),
    ]
    stats = RunStats(targets)
    stats.apply(as_rows(events))
    rows = exported(stats, tmp_path / "run.json")
    assert rows == recorded(stats)
    assert rows[0]["thread_name"] == 'wörker "one"\\\n' and rows[0]["error"] == 'HTTP 503 "busy"\tnow'
    assert rows[0]["connect_ms"] == 0.0015 and rows[0]["wait_ms"] == 2.000001
    assert rows[0]["conn_reused"] is False
    assert rows[1]["outcome"] == "cancelled" and rows[1]["thread_ident"] is None
