"""Exports carry the same numbers as the stats model, escape hostile text, and write atomically."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fetchtui.core.export import ExportError, write_csv, write_json

from .helpers import run_list


def test_json_summary_and_timeline_are_the_stats_model(base: str, tmp_path: Path) -> None:
    stats = run_list(f"{base}/delay/5 x12\n{base}/status/404", workers=3)
    doc = json.loads(write_json(stats, {"workers": 3}, tmp_path / "r.json").read_text())
    assert doc["summary"] == stats.summary().to_json()
    segments = sorted((r["thread_ident"], r["start_s"], r["end_s"]) for r in doc["requests"])
    assert segments == sorted((i, round(s, 6), round(e, 6)) for i, s, e, _ in stats.timeline())
    assert doc["summary"]["error_counts"] == {"http": 1}


def test_hostile_text_is_exported_verbatim_and_escaped_by_the_format(base: str, tmp_path: Path) -> None:
    stats = run_list(f"{base}/delay/0", workers=1)
    rec = stats.records[0]
    assert rec is not None
    rec.url = 'http://x/[bold red]x[/]\x1b[2J"quoted",comma\nline'
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
    series = stats.throughput_series(20)
    assert len(series) == 20
    assert sum(series) * stats.elapsed_s() / 20 == pytest.approx(50)
    edges, counts = stats.latency_histogram(10)
    assert len(edges) == len(counts) == 10 and sum(counts) == 50
    assert edges == sorted(edges)
