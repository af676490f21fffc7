"""The worker sweep, the run history's speedup and the GIL ceiling, against the demo server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.core.backends import FetchLimits
from fetchtui.core.engine import RunConfig
from fetchtui.core.history import History, list_key
from fetchtui.core.sweep import parse_series, points, run_once, run_sweep
from fetchtui.core.targets import parse_targets


def test_series_parsing_and_its_messages() -> None:
    assert parse_series("1, 2,4,8,,16") == [1, 2, 4, 8, 16]
    for text, message in [("0,2", "from 1 to 1024"), ("1,two", "whole numbers"), ("", "at least one")]:
        with pytest.raises(ValueError, match=message):
            parse_series(text)


def test_sweep_rows_show_the_pool_speedup_against_one_worker(base: str) -> None:
    targets = parse_targets(f"{base}/delay/100 x20")
    history = History()
    runs = run_sweep(targets, [1, 10], RunConfig(1, "requests", FetchLimits(timeout=10)), history)
    assert [r.workers for r in runs] == [1, 10]
    one, ten = points(history, runs)
    assert one.speedup == pytest.approx(1.0)
    assert ten.ideal_speedup == 10
    assert ten.speedup is not None and ten.speedup > 5  # ~2 s vs ~0.2 s
    assert runs[0].elapsed_s > 1.9


def test_speedup_needs_a_one_worker_run_of_the_same_list_and_backend() -> None:
    history = History()
    summary = {"elapsed_s": 1.0, "cancelled": 0}
    other = history.add(4, "requests", "list-a", summary)
    assert history.speedup(other) is None
    history.add(1, "requests", "list-b", {"elapsed_s": 4.0, "cancelled": 0})
    history.add(1, "httpx", "list-a", {"elapsed_s": 4.0, "cancelled": 0})
    assert history.speedup(other) is None
    history.add(1, "requests", "list-a", {"elapsed_s": 4.0, "cancelled": 0})
    assert history.speedup(other) == pytest.approx(4.0)
    assert list_key(parse_targets("http://a.example x2")) != list_key(parse_targets("http://a.example"))


def test_gil_ceiling_separates_io_bound_from_cpu_bound_lists(base: str) -> None:
    config = RunConfig(8, "requests", FetchLimits(timeout=10))
    delay = run_once(parse_targets(f"{base}/delay/100 x48"), config).summary()
    instant = run_once(parse_targets(f"{base}/delay/0 x1500"), config).summary()
    for summary in (delay, instant):
        assert summary["cpu_ms_per_request"] > 0 and summary["gil_ceiling_rps"] > 0
    # threads help the delay list: it runs far under the ceiling; the instant list presses on it
    assert delay["rps"] / delay["gil_ceiling_rps"] < 0.2
    assert instant["rps"] / instant["gil_ceiling_rps"] > 0.25


def test_sweep_command_prints_the_table_and_writes_json(base: str, tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    result = subprocess.run(
        [sys.executable, "-m", "fetchtui", "sweep", f"{base}/delay/50 x8", "-w", "1,2,4",
         "--json", str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "worker sweep" in result.stdout
    doc = json.loads(out.read_text())
    assert [r["workers"] for r in doc["runs"]] == [1, 2, 4]
    assert all(r["backend"] == "requests" for r in doc["runs"])
    keys = {"submitted", "ok", "failed", "cancelled", "elapsed_s", "rps", "latency_ms"}
    assert all(keys <= set(r["summary"]) and r["summary"]["ok"] == 8 for r in doc["runs"])


def test_sweep_command_rejects_a_bad_series() -> None:
    result = subprocess.run([sys.executable, "-m", "fetchtui", "sweep", "http://127.0.0.1:9/",
                             "-w", "1,0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "from 1 to 1024, got 0" in result.stderr


def test_ideal_speedup_counts_waves_of_requests() -> None:
    history = History()
    runs = [history.add(w, "requests", "k",
                        {"submitted": 40, "elapsed_s": 1.0, "rps": 40.0, "cancelled": 0})
            for w in (1, 10, 32, 64)]
    assert [p.ideal_speedup for p in points(history, runs)] == [1, 10, 20, 40]
