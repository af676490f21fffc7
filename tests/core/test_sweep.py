"""The worker sweep, the run history's speedup and the GIL ceiling, against the demo server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.history.records import History, list_key
from fetchtui.core.input.config import ConfigError, FetchLimits, RunConfig, parse_series
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.report.summary import RunSummary
from fetchtui.core.runs.sweep import points, run_once, run_sweep

from ..waiting import wait_until


def summary(elapsed_s: float, submitted: int = 40, cancelled: int = 0) -> RunSummary:
    ok = submitted - cancelled
    return RunSummary(submitted, ok, 0, cancelled, elapsed_s, round(ok / elapsed_s, 3))


def test_series_parsing_and_its_messages() -> None:
    assert parse_series("1, 2,4,8,,16") == [1, 2, 4, 8, 16]
    for text, message in [("0,2", "workers must be from 1 to 1024, got 0"),
                          ("1,two", "workers must be a whole number, got 'two'"),
                          ("", "at least one")]:
        with pytest.raises(ConfigError, match=message):
            parse_series(text)


def test_sweep_rows_show_the_pool_speedup_against_one_worker(base: str) -> None:
    targets = parse_targets(f"{base}/delay/100 x20")
    history = History()
    runs = run_sweep(targets, [1, 10], RunConfig(1, "requests", FetchLimits(timeout=10)), history)
    assert [r.workers for r in runs] == [1, 10]
    one, ten = points(history, runs)
    assert one.speedup == pytest.approx(1.0)
    assert ten.ideal_speedup == 10
    # one worker waits out 20 delays of 100 ms one after another; ten wait for them together
    assert runs[0].elapsed_s >= 2.0
    assert ten.speedup is not None and ten.speedup == pytest.approx(runs[0].elapsed_s / runs[1].elapsed_s)
    assert runs[1].elapsed_s < runs[0].elapsed_s


def test_a_sweep_warms_up_unrecorded_before_its_first_measured_point(server: DemoServer) -> None:
    path = "/delay/5?sweep=warm-up"
    history = History()
    runs = run_sweep(parse_targets(f"{server.url}{path} x30"), [1, 4],
                     RunConfig(1, "requests", FetchLimits(timeout=10)), history)
    # each measured point ran the whole list, and is all the history holds
    measured = [(r.workers, r.summary.submitted, r.summary.ok) for r in history.runs]
    assert measured == [(1, 30, 30), (4, 30, 30)]
    assert runs == history.runs
    # before them, a warm-up at the widest run's workers: 2 requests a worker, at least 10
    assert len(server.seen(path)) == 30 + 30 + 10


def test_speedup_needs_a_one_worker_run_of_the_same_list_and_client() -> None:
    history = History()
    other = history.add(RunConfig(4, "requests"), "list-a", summary(1.0))
    assert history.speedup(other) is None
    history.add(RunConfig(1, "requests"), "list-b", summary(4.0))
    history.add(RunConfig(1, "httpx"), "list-a", summary(4.0))
    history.add(RunConfig(1, "requests"), "list-a", summary(4.0, cancelled=3))  # incomplete: no baseline
    assert history.speedup(other) is None
    history.add(RunConfig(1, "requests"), "list-a", summary(4.0))
    assert history.speedup(other) == pytest.approx(4.0)
    assert list_key(parse_targets("http://a.example x2")) != list_key(parse_targets("http://a.example"))


def test_gil_ceiling_is_one_request_per_cpu_time_and_a_delay_list_sits_far_under_it(base: str) -> None:
    config = RunConfig(8, "requests", FetchLimits(timeout=10))
    delay = run_once(parse_targets(f"{base}/delay/100 x48"), config).summary()
    assert delay.cpu_ms_per_request > 0 and delay.gil_ceiling_rps is not None
    assert delay.gil_ceiling_rps == pytest.approx(1000 / delay.cpu_ms_per_request, rel=1e-3)
    # 8 workers on 100 ms requests cannot pass 80 req/s; a client's CPU per request is far below
    # the 2.5 ms that would bring the ceiling down to 5x that
    assert delay.rps <= 80.5
    assert delay.rps / delay.gil_ceiling_rps < 0.2


def test_sweep_command_prints_the_table_and_writes_json(base: str, tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    result = subprocess.run(
        [sys.executable, "-m", "fetchtui", "sweep", f"{base}/delay/50 x8", "-w", "1,2,4",
         "--json", str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "worker sweep" in result.stdout
    doc = json.loads(out.read_text())
    assert [r["workers"] for r in doc["runs"]] == [1, 2, 4]
    assert all(r["client"] == "requests" for r in doc["runs"])
    keys = {"submitted", "ok", "failed", "cancelled", "elapsed_s", "rps", "latency_ms"}
    assert all(keys <= set(r["summary"]) and r["summary"]["ok"] == 8 for r in doc["runs"])


def test_ctrl_c_mid_sweep_keeps_the_point_in_progress_exported_and_recorded(
        server: DemoServer, tmp_path: Path) -> None:
    out, db = tmp_path / "s.json", tmp_path / "h.sqlite3"
    path = "/delay/1000?test=sweep-sigint"  # 1 worker holds it once at a time, 2 workers twice
    proc = subprocess.Popen([sys.executable, "-m", "fetchtui", "sweep", f"{server.url}{path} x2",
                             "-w", "1,2,4", "--json", str(out), "--history", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the warm-up (2 at once, unrecorded), the 1-worker point (one at a time), then the 2-worker one
        wait_until(lambda: len(server.seen(path)) == 6 and server.held(path) == 2,
                   "the 2-worker point under way")
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted: 2 of 3 runs, the last cut short (its unfinished requests cancelled)" in stdout
    runs = [(r["workers"], r["summary"]["ok"], r["summary"]["cancelled"])
            for r in json.loads(out.read_text())["runs"]]
    assert runs == [(1, 2, 0), (2, 0, 2)]  # the 4-worker point never started
    history = subprocess.run([sys.executable, "-m", "fetchtui", "history", "--json", "--history", str(db)],
                             capture_output=True, text=True, timeout=30)
    recorded = [(r["workers"], r["summary"]["cancelled"]) for r in json.loads(history.stdout)]
    assert recorded == [(1, 0), (2, 2)]


def test_sweep_command_rejects_a_bad_series() -> None:
    result = subprocess.run([sys.executable, "-m", "fetchtui", "sweep", "http://127.0.0.1:9/",
                             "-w", "1,0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "workers must be from 1 to 1024, got 0" in result.stderr


def test_ideal_speedup_counts_waves_of_requests() -> None:
    history = History()
    runs = [history.add(RunConfig(w, "requests"), "k", summary(1.0)) for w in (1, 10, 32, 64)]
    assert [p.ideal_speedup for p in points(history, runs)] == [1, 10, 20, 40]
