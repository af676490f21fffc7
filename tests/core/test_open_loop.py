"""Open loop: `-q/--rate` schedules requests, `-z/--duration` repeats the list for a while."""

from __future__ import annotations

import itertools
import json
import signal
import statistics
import subprocess
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import ConfigError, RunConfig, parse_rate, parse_run_duration
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.report.export import config_dict, write_json
from fetchtui.core.runs.child import FetchProcess
from fetchtui.core.runs.events import Outcome, RequestStarted, RunEnded, RunStarted, ThreadInfo
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.runs.replay import Recording, ReplaySource
from fetchtui.core.stats import RunStats

from ..rows import as_rows
from ..waiting import wait_until
from .helpers import finish
from .test_cli_run import CMD, run


def accounted(stats: RunStats) -> bool:
    return stats.ok + stats.failed + stats.cancelled == stats.total == stats.done


def test_rate_and_duration_make_the_planned_count_evenly_spaced(base: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(f"{base}/delay/0", "-q", "50", "-z", "2s", "-w", "4", "--json", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    rows = doc["requests"]
    assert 97 <= len(rows) <= 103 and doc["summary"]["submitted"] == len(rows)
    assert all(r["outcome"] == "ok" for r in rows)
    assert [r["scheduled_s"] for r in rows] == pytest.approx([i / 50 for i in range(len(rows))], abs=1e-6)
    starts = sorted(r["start_s"] for r in rows)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert 0.015 <= statistics.median(gaps) <= 0.025  # ≈ 20 ms apart, not sent in a burst
    assert doc["config"]["rate"] == 50 and doc["config"]["duration_s"] == 2
    pace = doc["summary"]["open_loop"]
    assert pace["rate"] == 50 and pace["not_started"] == 0
    assert "open loop   50 req/s for 2 s" in result.stdout
    assert "latency from each scheduled time" in result.stdout


def test_a_rate_without_duration_runs_the_list_once_at_that_pace(base: str) -> None:
    targets = parse_targets(f"{base}/delay/0 x10")
    source = PoolSource(targets, RunConfig(workers=4, rate=100))
    stats = finish(source, RunStats(targets))
    assert stats.total == 10 and stats.ok == 10 and stats.elapsed_s() >= 0.09  # 10th due at 90 ms
    dues = [stats.relative_s(rec.due_ns) for rec in stats.records if rec is not None]
    assert dues == pytest.approx([i / 100 for i in range(10)], abs=1e-6)


def test_latency_from_schedule_shows_what_a_slow_worker_hid(base: str) -> None:
    """One worker, 100 ms answers, 40 due a second: the queue builds behind it (coordinated
    omission). Measured from the send, every request looks like 100 ms; from its schedule,
    the waiting shows; requests the duration ended before they started are accounted."""
    targets = parse_targets(f"{base}/delay/100")
    source = PoolSource(targets, RunConfig(workers=1, rate=40, duration=1.0))
    stats = finish(source, RunStats(targets))
    summary = stats.summary()
    pace = summary.open_loop
    assert pace is not None and pace.from_schedule_ms is not None and pace.lag_ms is not None
    assert stats.total == 40 and accounted(stats)
    assert stats.ok <= 12 and pace.not_started == stats.cancelled > 0
    # the 10th request was due at 0.25 s and went out near 0.9 s: only the schedule shows it
    assert pace.from_schedule_ms.max >= pace.lag_ms.max > 500 > summary.latency_ms.p50
    never = [stats.view(i) for i in range(stats.total) if stats.view(i).start_ns is None]
    assert never and all(rec.error == "not started before the duration ended" for rec in never)
    assert not stats.interrupted


def test_duration_repeats_the_list_and_waits_for_requests_in_flight(base: str) -> None:
    targets = parse_targets(f"{base}/delay/0\n{base}/delay/300")
    source = PoolSource(targets, RunConfig(workers=2, duration=0.5))
    stats = finish(source, RunStats(targets))
    assert stats.total > 2 and accounted(stats) and stats.cancelled == 0
    assert {stats.view(i).url for i in range(stats.total)} == {t.display for t in targets}
    pace = stats.summary().open_loop
    assert pace is not None and pace.end == "wait" and pace.in_flight_at_end >= 1
    assert stats.elapsed_s() > 0.5  # the run lasted until they were in


def test_cut_at_end_cancels_what_is_in_flight_when_the_duration_ends(server: DemoServer) -> None:
    targets = parse_targets(f"{server.url}/hang?test=cut")
    source = PoolSource(targets, RunConfig(workers=3, duration=0.3, cut_at_end=True))
    stats = finish(source, RunStats(targets), wall_limit=10)  # /hang holds them for 120 s
    assert stats.total == 3 and stats.cancelled == 3 and accounted(stats)
    assert {stats.view(i).error for i in range(3)} == {"cut at the end of the duration"}
    pace = stats.summary().open_loop
    assert pace is not None and pace.end == "cut" and pace.in_flight_at_end == 3
    assert not stats.interrupted and stats.pace.timed_end


def test_open_loop_runs_the_same_in_the_fetch_process(base: str) -> None:
    targets = parse_targets(f"{base}/delay/0")
    sources = FetchProcess()
    try:
        source = sources.open(targets, RunConfig(workers=2, rate=40, duration=0.5))
        stats = finish(source, RunStats(targets))
    finally:
        sources.close()
    assert stats.total == 20 and stats.ok == 20
    assert all(stats.view(i).due_ns is not None for i in range(20))


def test_ctrl_c_in_an_open_loop_run_exits_130_with_every_request_accounted(
    server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "partial.json"
    proc = subprocess.Popen([*CMD, "run", f"{server.url}/delay/0?test=open-ctrl-c", "-q", "20", "-z", "30s",
                             "--json", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: len(server.seen("/delay/0?test=open-ctrl-c")) >= 10, "ten requests sent at the rate")
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 130, stderr
    summary = json.loads(out.read_text())["summary"]
    assert summary["submitted"] == 600
    assert summary["ok"] + summary["failed"] + summary["cancelled"] == 600
    assert 10 <= summary["ok"] < 600 and summary["cancelled"] > 500


def test_open_count_grows_and_is_fixed_by_the_end() -> None:
    targets = parse_targets("http://127.0.0.1:9/a\nhttp://127.0.0.1:9/b")
    stats = RunStats(targets)
    who = ThreadInfo(1, "w", 1, 1)
    stats.apply([RunStarted(None, 1, 0, None, 1.0)])
    stats.apply(as_rows([RequestStarted(i, i, who) for i in range(5)]))
    assert stats.open and stats.total == 5 and stats.view(3).url == "http://127.0.0.1:9/b"
    stats.apply([RunEnded(10, False, total=6, timed=True)])
    assert stats.total == 6 and stats.cancelled == 6 and accounted(stats)
    assert stats.view(4).outcome is Outcome.CANCELLED
    assert stats.view(4).error == "cut at the end of the duration"
    assert stats.view(5).error == "not started before the duration ended"


@pytest.mark.parametrize(("given", "per_second"),
                         [("50", 50.0), ("50/s", 50.0), ("3000/m", 50.0), ("0.5", 0.5)])
def test_rates_read_like_other_tools(given: str, per_second: float) -> None:
    assert parse_rate(given) == per_second


@pytest.mark.parametrize(("parse", "given", "says"), [
    (parse_rate, "0", "rate must be more than 0"),
    (parse_rate, "fast", "rate must be requests per second"),
    (parse_run_duration, "-2s", "duration must be"),
    (parse_run_duration, "soon", "duration must be a number of seconds"),
])
def test_bad_pace_is_one_clear_message(parse: object, given: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse(given)  # type: ignore[operator]


def test_cut_at_end_without_a_duration_is_a_usage_error(base: str) -> None:
    result = run(f"{base}/delay/0", "--cut-at-end")
    assert result.returncode == 2 and "--cut-at-end needs a duration (-z or --stages)" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_open_loop_export_replays_to_the_same_pace(base: str, tmp_path: Path) -> None:
    targets = parse_targets(f"{base}/delay/50")
    config = RunConfig(workers=1, rate=40, duration=0.5)
    stats = finish(PoolSource(targets, config), RunStats(targets))
    path = write_json(stats, config_dict(config, stats.total), tmp_path / "r.json")
    recording = Recording.load(path)
    replayed = finish(ReplaySource(recording), RunStats(recording.targets))
    assert replayed.summary().open_loop == stats.summary().open_loop
    assert (replayed.ok, replayed.cancelled, replayed.interrupted) == (stats.ok, stats.cancelled, False)
