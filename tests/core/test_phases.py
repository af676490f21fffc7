"""Where the time goes: phases per request, and the connections each client opens and reuses,
checked against the connections a real server accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.report.export import write_csv, write_json
from fetchtui.core.runs.events import PHASE_NAMES, Outcome
from fetchtui.core.stats import RunStats

from .helpers import run_list

N, W = 40, 4


def counted(server: DemoServer, text: str, client: str, **limits: object) -> tuple[RunStats, int]:
    """Run the list; also return how many connections the server accepted meanwhile."""
    before = server.connections
    stats = run_list(text, workers=W, client=client, **limits)
    return stats, server.connections - before


def phases_of(stats: RunStats) -> list[dict[str, int | None]]:
    out = []
    for req_id in range(stats.total):
        rec = stats.view(req_id)
        assert rec.phases is not None and rec.outcome is Outcome.OK
        out.append(dict(rec.phases.spans()))
    return out


@pytest.mark.parametrize("client", ["requests", "requests-per-thread", "httpx", "pycurl"])
def test_a_shared_pool_opens_at_most_one_connection_per_worker_and_reuses_them(
        server: DemoServer, client: str, tmp_path: Path) -> None:
    stats, accepted = counted(server, f"{server.url}/delay/5 x{N}", client)
    summary = json.loads(write_json(stats, {}, tmp_path / "r.json").read_text())
    opened = summary["summary"]["connections"]["opened"]
    assert 1 <= opened <= W and opened == accepted  # the client's count is the server's
    assert summary["summary"]["connections"]["reused"] == N - opened
    rows = summary["requests"]
    assert sum(1 for r in rows if r["conn_reused"] is True) == N - opened
    assert len({r["conn_id"] for r in rows}) == opened
    for row in rows:  # a reused connection has no connect phase: null, not zero
        assert (row["connect_ms"] is None) == row["conn_reused"]


def test_a_bare_requests_get_opens_a_connection_for_every_request(server: DemoServer) -> None:
    stats, accepted = counted(server, f"{server.url}/delay/5 x{N}", "requests-get")
    assert stats.connections().opened == N == accepted and stats.connections().reused == 0
    assert all(p["connect"] is not None for p in phases_of(stats))


def test_tls_only_over_https_and_dns_only_for_a_name(
        server: DemoServer, tls_server: DemoServer, ca_file: str) -> None:
    by_ip, _ = counted(server, f"{server.url}/delay/0 x8", "requests")
    by_name, _ = counted(server, f"{server.url.replace('127.0.0.1', 'localhost')}/delay/0 x8", "requests")
    over_tls, _ = counted(tls_server, f"{tls_server.url.replace('127.0.0.1', 'localhost')}/delay/0 x8",
                          "requests", ca_bundle=ca_file)
    new = [p for p in phases_of(by_ip) if p["connect"] is not None]
    assert new and all(p["dns"] is None and p["tls"] is None for p in new)
    named = [p for p in phases_of(by_name) if p["connect"] is not None]
    assert named and all(p["dns"] is not None and p["tls"] is None for p in named)
    secured = [p for p in phases_of(over_tls) if p["connect"] is not None]
    assert secured and all(p["dns"] is not None and p["tls"] is not None for p in secured)


@pytest.mark.parametrize("client", THREAD_CLIENTS)
def test_phases_never_add_up_to_more_than_the_request(
        server: DemoServer, tls_server: DemoServer, ca_file: str, client: str) -> None:
    text = (f"{server.url.replace('127.0.0.1', 'localhost')}/delay/3 x10\n"
            f"{tls_server.url}/bytes/50000 x10")
    stats, _ = counted(server, text, client, ca_bundle=ca_file)
    for req_id in range(stats.total):
        rec = stats.view(req_id)
        assert rec.phases is not None and rec.elapsed_ns is not None
        spent = sum(ns for _, ns in rec.phases.spans() if ns is not None)
        assert 0 < spent <= rec.elapsed_ns
        assert rec.phases.wait_ns is not None and rec.phases.receive_ns is not None


def test_every_client_accounts_the_same_phases_for_the_same_list(
        tls_server: DemoServer, ca_file: str) -> None:
    text = f"{tls_server.url.replace('127.0.0.1', 'localhost')}/delay/2 x12"
    seen = {}
    for client in THREAD_CLIENTS:
        stats, _ = counted(tls_server, text, client, ca_bundle=ca_file)
        seen[client] = {name for p in phases_of(stats) for name, ns in p.items() if ns is not None}
    assert all(names == set(PHASE_NAMES) for names in seen.values()), seen


def test_the_csv_carries_the_same_phases_as_the_json(server: DemoServer, tmp_path: Path) -> None:
    import csv

    stats, _ = counted(server, f"{server.url}/delay/0 x6", "requests")
    rows = list(csv.DictReader(write_csv(stats, tmp_path / "r.csv").open(newline="")))
    doc = json.loads(write_json(stats, {}, tmp_path / "r.json").read_text())
    for row, obj in zip(rows, doc["requests"], strict=True):
        for field in ("connect_ms", "wait_ms", "receive_ms", "conn_id"):
            assert row[field] == ("" if obj[field] is None else str(obj[field]))
        assert row["conn_reused"] == str(obj["conn_reused"])
