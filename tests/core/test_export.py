"""Exports carry the same numbers as the stats model, escape hostile text, and write atomically."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.report.export import ExportError, write_csv, write_json
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.stats import RunStats
from fetchtui.core.stats.series import lane, latency_histogram, throughput

from ..waiting import fold_until
from .helpers import finish, run_list


def test_json_summary_and_timeline_are_the_stats_model(base: str, tmp_path: Path) -> None:
    stats = run_list(f"{base}/delay/5 x12\n{base}/status/404", workers=3)
    doc = json.loads(write_json(stats, {"workers": 3}, tmp_path / "r.json").read_text())
    summary = doc["summary"]
    assert (summary["submitted"], summary["ok"], summary["failed"], summary["cancelled"]) == (13, 12, 1, 0)
    assert summary["status_counts"] == {"200": 12, "404": 1}
    assert 5 <= summary["latency_ms"]["p50"] <= summary["latency_ms"]["max"]
    segments = sorted((r["thread_ident"], r["start_s"], r["end_s"]) for r in doc["requests"])
    assert segments == sorted((stats.threads[w].info.ident, round(s, 9), round(e, 9))
                              for w in stats.threads for _, s, e, _ in lane(stats, w))
    assert len({ident for ident, _, _ in segments}) == 3
    assert doc["summary"]["error_counts"] == {"http": 1}


def test_hostile_text_is_exported_verbatim_and_escaped_by_the_format(base: str, tmp_path: Path) -> None:
    targets = parse_targets(f"{base}/delay/0")
    hostile = 'http://x/[bold red]x[/]\x1b[2J"quoted",comma\nline'
    shown = [replace(targets[0], display=hostile)]  # as a list line's URL would show
    stats = finish(PoolSource(targets, RunConfig(workers=1)), RunStats(shown))
    rec = stats.records[0]
    assert rec is not None and rec.url == hostile
    doc = json.loads(write_json(stats, {}, tmp_path / "r.json").read_text())
    assert doc["requests"][0]["url"] == rec.url
    (row,) = csv.DictReader((write_csv(stats, tmp_path / "r.csv")).open(newline=""))
    assert row["url"] == rec.url


def test_failed_export_leaves_no_partial_file(base: str, tmp_path: Path) -> None:
    stats = run_list(f"{base}/delay/0", workers=1)
    with pytest.raises(ExportError, match="cannot write"):
        write_json(stats, {}, tmp_path / "nope" / "r.json")
    with pytest.raises(ExportError, match="it is a directory"):
        write_json(stats, {}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_throughput_series_and_latency_histogram_count_every_request(base: str) -> None:
    stats = run_list(f"{base}/delay/5 x40\n{base}/delay/30 x10", workers=5)
    series = throughput(stats, 20)
    assert len(series) == 20
    assert sum(series) * stats.elapsed_s() / 20 == pytest.approx(50)
    edges, counts = latency_histogram(stats, 10)
    assert len(edges) == len(counts) == 10 and sum(counts) == 50
    assert edges == sorted(edges)


def test_a_cancelled_run_exports_every_request_once_with_its_outcome(
        server: DemoServer, tmp_path: Path) -> None:
    hang = "/hang?test=export"
    targets = parse_targets(f"{server.url}/delay/0 x6\n{server.url}{hang} x3000\n{server.url}/delay/0 x5")
    source = PoolSource(targets, RunConfig(4, "requests", FetchLimits(timeout=60)))
    stats = RunStats(targets)
    source.start()
    fold_until(source, stats, lambda: stats.ok == 6 and stats.in_flight == 4, "six done, four stuck")
    source.cancel()
    fold_until(source, stats, lambda: stats.ended, "the close-out")
    doc = json.loads(write_json(stats, {}, tmp_path / "r.json").read_text())
    rows = list(csv.DictReader(write_csv(stats, tmp_path / "r.csv").open(newline="")))
    assert [r["id"] for r in doc["requests"]] == list(range(3011))
    assert [int(r["id"]) for r in rows] == list(range(3011))
    outcomes = Counter(r["outcome"] for r in doc["requests"])
    assert outcomes == Counter(r["outcome"] for r in rows) == {"ok": 6, "cancelled": 3005}
    assert doc["summary"]["cancelled"] == 3005 and doc["summary"]["ok"] == 6
    in_flight = [r for r in doc["requests"] if r["thread_ident"] is not None and r["outcome"] == "cancelled"]
    assert len(in_flight) == 4 and {r["error"] for r in in_flight} == {"cancelled while in flight"}
    never = doc["requests"][-1]
    assert (never["url"], never["error"], never["start_s"]) == (
        f"{server.url}/delay/0", "cancelled before it started", None)
    assert rows[-1]["error"] == "cancelled before it started" and rows[-1]["url"] == never["url"]


def test_a_phase_no_request_had_is_null_in_json_as_a_dash_in_the_text(base: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "run.json"
    result = subprocess.run([sys.executable, "-m", "fetchtui", "run", f"{base}/delay/0 x4", "--no-history",
                             "--json", str(out)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    phases = json.loads(out.read_text())["summary"]["phases_ms"]
    # an IP address needs no DNS and plain HTTP no TLS: no figure, where 0.0 read as "instant"
    assert phases["dns"] is None and phases["tls"] is None, phases
    assert phases["wait"]["p50"] > 0
    dns_line = next(line for line in result.stdout.splitlines() if line.startswith("DNS "))
    assert dns_line.split()[1:] == ["-", "-", "-", "-"]
