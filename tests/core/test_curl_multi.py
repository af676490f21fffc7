"""--model curl-multi: libcurl's multi interface moving every transfer of a process on one thread."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import Event, WorkerRetired
from fetchtui.core.runs.models import open_source
from fetchtui.core.stats import RunStats
from tests.rows import End, Start, read_rows

from .helpers import finish


def run(text: str, workers: int = 4, processes: int = 1, **limits: object) -> RunStats:
    targets = parse_targets(text)
    config = RunConfig(workers, "pycurl", FetchLimits(**limits), model="curl-multi",  # type: ignore[arg-type]
                       processes=processes)
    return finish(open_source(targets, config), RunStats(targets))


def test_each_transfer_slot_is_a_worker_on_the_one_loop_thread(base: str) -> None:
    stats = run(f"{base}/delay/30 x40", workers=4)
    assert stats.ok == 40 and stats.total == 40
    workers = list(stats.threads.values())
    assert sorted(w.info.name for w in workers) == [f"transfer-{n}" for n in range(4)]
    assert len({w.info.ident for w in workers}) == 1  # one thread moves them all
    assert sorted(w.info.task for w in workers) == [0, 1, 2, 3]  # told apart by slot
    assert all(w.requests >= 5 for w in workers)  # all four were in flight together
    # 40 requests of 30 ms on 4 slots at once: about 300 ms, not 1.2 s one after another
    assert stats.elapsed_s() < 1.0


def test_phases_come_from_libcurl_and_connections_are_reused(base: str) -> None:
    stats = run(f"{base}/delay/5 x24", workers=3)
    conns = stats.connections()
    assert conns.opened == 3 and conns.reused == 21  # each slot kept its connection alive
    recs = [rec for rec in stats.records if rec is not None]
    assert all(rec.phases is not None and rec.phases.wait_ns is not None for rec in recs)
    ids = {rec.phases.conn_id for rec in recs if rec.phases is not None}
    assert len(ids) == 3
    new = [rec for rec in recs if rec.phases is not None and not rec.phases.conn_reused]
    assert len(new) == 3 and all(rec.phases is not None and rec.phases.connect_ns for rec in new)


def test_the_total_deadline_the_byte_cap_and_redirects_hold(base: str) -> None:
    began = time.monotonic()
    stats = run(f"{base}/hang?cm=1 x2\n{base}/bytes/200000\n{base}/redirect/3\n{base}/redirect-loop",
                workers=5, timeout=0.5, max_bytes=10_000, max_redirects=5)
    assert time.monotonic() - began < 5  # the hangs were cut at their deadline
    kinds = [stats.view(i).error_kind for i in range(5)]
    assert kinds == ["timeout", "timeout", "too_large", None, "redirects"]
    assert stats.view(3).status == 200


def test_a_secret_header_is_not_sent_on_to_another_origin(server: DemoServer) -> None:
    other = server.url.replace("127.0.0.1", "localhost")  # the same server, another origin
    text = (f"{server.url}/redirect-to?url={other}/echo?cm=secret -H 'Authorization: Bearer T0P' "
            f"-H 'X-Other: kept'")
    stats = run(text, workers=1)
    assert stats.ok == 1, stats.view(0).error
    seen = server.seen("/echo?cm=secret")
    assert len(seen) == 1
    headers = {k.lower(): v for k, v in seen[0].headers}
    assert "authorization" not in headers and headers.get("x-other") == "kept"


def test_the_environments_proxy_carries_its_requests(server: DemoServer, tinyproxy: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", tinyproxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    path = "/delay/50?proxy-env=curl-multi"  # a connection each: tinyproxy closes them after one answer
    stats = run(f"{server.url}{path} x3", workers=3)
    assert stats.ok == 3, [r.error for r in stats.records if r]
    assert ["tinyproxy-test" in dict(seen.headers).get("Via", "") for seen in server.seen(path)] == [True] * 3


def test_http2_is_spoken_where_asked(h2_server: str, ca_file: str) -> None:
    stats = run(f"{h2_server}/ x6", workers=3, ca_bundle=ca_file, http2=True)
    assert stats.ok == 6, [r.error for r in stats.records if r]
    assert stats.summary().http_versions == {"HTTP/2": 6}


def test_processes_each_run_a_loop_and_the_ceiling_counts_one_core_each(base: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "fetchtui", "run", f"{base}/delay/10 x60", "--model",
                           "curl-multi", "-P", "2", "-w", "3", "--json", str(out), "--no-history"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    summary = doc["summary"]
    assert summary["ok"] == 60 and doc["config"]["model"] == "curl-multi"
    pids = {t["pid"] for t in doc["threads"]}
    assert len(pids) == 2 and len(doc["threads"]) == 6
    assert len({(t["pid"], t["ident"]) for t in doc["threads"]}) == 2  # a loop thread each
    # one thread per process: at most one core each, whether or not the Python has a GIL
    assert summary["gil_ceiling_rps"] == pytest.approx(2 * 1000 / summary["cpu_ms_per_request"], rel=0.01)


def test_a_shrink_under_a_rate_starts_nothing_on_a_retired_slot(base: str) -> None:
    targets = parse_targets(f"{base}/delay/5 x60")
    config = RunConfig(4, "pycurl", FetchLimits(timeout=10), model="curl-multi", rate=150.0)
    source = open_source(targets, config)
    stats = RunStats(targets)
    events: list[Event | Start | End] = []

    def fold_until(condition: Callable[[], bool], what: str) -> None:
        give_up = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < give_up, f"waited 30 s for {what}"
            batch = source.drain(0.05)
            events.extend(read_rows(batch))
            stats.apply(batch)

    source.start()
    try:
        fold_until(lambda: stats.ok >= 10, "ten requests")  # slots hold scheduled requests now
        assert source.resize(1)
        fold_until(lambda: stats.ended, "the run to end")
    finally:
        source.close()
    retired = {e.thread.worker: e.t_ns for e in events if isinstance(e, WorkerRetired)}
    assert len(retired) == 3
    late = [e for e in events
            if isinstance(e, Start) and e.t_ns > retired.get(e.thread.worker, e.t_ns)]
    assert late == []  # each retired slot's scheduled request went first, then the slot left
    assert (stats.ok, stats.failed, stats.cancelled) == (60, 0, 0)


def test_a_process_takes_only_the_ids_its_free_transfer_slots_can_run(base: str) -> None:
    """A loop fills its free slots with ids taken under one lock, never more: when both of a
    process's slots hang, every quick request is left to the other process, not held back."""
    from fetchtui.core.runs.processes import ProcessesSource

    from ..waiting import fold_until

    targets = parse_targets(f"{base}/hang?test=reserve x2\n{base}/delay/0 x40")
    config = RunConfig(2, "pycurl", FetchLimits(timeout=30), model="curl-multi", processes=2)
    source, stats = ProcessesSource(targets, config), RunStats(targets)
    source.start()
    try:
        fold_until(source, stats, lambda: stats.ok == 40, "the forty quick requests")
        assert stats.view(0).outcome is None and stats.view(1).outcome is None  # still hanging
        assert stats.ok == 40 and stats.failed == 0
    finally:
        source.close()
