"""The asyncio model against a real loopback server: one loop thread, -w tasks, every async client."""

from __future__ import annotations

import threading
import time

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.registry import ASYNC_CLIENTS
from fetchtui.core.runs.event_loop import LoopSource
from fetchtui.core.stats import RunStats

from ..waiting import fold_until, wait_until
from .helpers import FAULTS, finish

pytestmark = pytest.mark.parametrize("client", ASYNC_CLIENTS)


def loop_run(text: str, client: str, workers: int = 4, **limits: object) -> RunStats:
    targets = parse_targets(text)
    source = LoopSource(targets, RunConfig(workers, client, FetchLimits(**limits),  # type: ignore[arg-type]
                                           model="asyncio"))
    return finish(source, RunStats(targets))


def test_every_request_runs_on_one_thread_with_a_task_each(base: str, client: str) -> None:
    stats = loop_run(f"{base}/delay/20 x40\n{base}/bytes/1000 x10", client, workers=8)
    assert (stats.ok, stats.failed, stats.cancelled) == (50, 0, 0)
    infos = [t.info for t in stats.threads.values()]
    assert len(infos) == 8 and len({i.ident for i in infos}) == 1  # one thread, eight tasks
    assert sorted(i.task for i in infos) == list(range(8))  # type: ignore[type-var]
    assert sum(r.nbytes for r in stats.records if r) == 40 * 3 + 10 * 1000
    assert stats.summary().cpu_ms_per_request > 0


def test_tasks_overlap_their_waits_on_the_one_thread(base: str, client: str) -> None:
    stats = loop_run(f"{base}/delay/300 x8", client, workers=8)
    assert stats.ok == 8
    starts = sorted(r.start_ns for r in stats.records if r and r.start_ns)
    ends = sorted(r.end_ns for r in stats.records if r and r.end_ns)
    assert starts[-1] < ends[0]  # all eight in flight at once on one thread


@pytest.mark.parametrize(("path", "kind", "limits"), FAULTS)
def test_each_failure_kind_comes_from_a_real_server(
    base: str, client: str, path: str, kind: str, limits: dict[str, float]
) -> None:
    stats = loop_run(f"{base}{path} x2", client, workers=2, **limits)
    assert (stats.ok, stats.failed) == (0, 2), [r.error for r in stats.records if r]
    assert stats.error_counts == {kind: 2}, [r.error for r in stats.records if r]


def test_connection_refused_is_a_connect_failure(closed_port: int, client: str) -> None:
    stats = loop_run(f"http://127.0.0.1:{closed_port}/ x3", client)
    assert stats.error_counts == {"connect": 3}, [r.error for r in stats.records if r]


def test_credentials_in_the_url_are_sent_and_not_shown(server: DemoServer, client: str) -> None:
    url = server.url.replace("http://", "http://alice:s3cret@")
    stats = loop_run(f"{url}/delay/0?test=loop-auth-{client}", client)
    assert stats.ok == 1 and "s3cret" not in stats.view(0).url
    seen = server.seen(f"/delay/0?test=loop-auth-{client}")
    assert dict(seen[0].headers)["Authorization"] == "Basic YWxpY2U6czNjcmV0"


def test_tls_verified_with_the_right_ca_and_refused_without(
    tls_server: DemoServer, ca_file: str, client: str
) -> None:
    assert loop_run(f"{tls_server.url}/delay/0 x2", client, ca_bundle=ca_file).ok == 2
    assert loop_run(f"{tls_server.url}/delay/0 x2", client).error_counts == {"tls": 2}
    assert loop_run(f"{tls_server.url}/delay/0 x2", client, verify=False).ok == 2


def test_cancel_accounts_every_request_and_stops_the_loop(base: str, client: str) -> None:
    targets = parse_targets(f"{base}/hang x50")
    source = LoopSource(targets, RunConfig(8, client, FetchLimits(timeout=30),  # type: ignore[arg-type]
                                           model="asyncio"))
    stats = RunStats(targets)
    source.start()
    fold_until(source, stats, lambda: stats.in_flight == 8, "8 requests in flight")
    source.cancel()
    assert source.ended
    fold_until(source, stats, lambda: stats.ended, "the close-out to be folded", limit=1)
    assert (stats.ok, stats.failed, stats.cancelled) == (0, 0, 50)
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "fetchtui-loop"],
               "the loop thread to end", limit=5)


def test_rate_and_duration_hold_under_asyncio(base: str, client: str) -> None:
    targets = parse_targets(f"{base}/delay/0")
    source = LoopSource(targets, RunConfig(4, client, model="asyncio", rate=40, duration=0.5))  # type: ignore[arg-type]
    began = time.monotonic()
    stats = finish(source, RunStats(targets))
    assert stats.total == 20 and stats.ok == 20 and time.monotonic() - began >= 0.45


def test_each_request_names_its_connection_under_httpx(server: DemoServer, client: str) -> None:
    if client != "httpx":
        pytest.skip("aiohttp lets go of a small answer's connection before it can be named")
    before = server.connections
    stats = loop_run(f"{server.url}/delay/0 x30", client, workers=3)
    ids = {stats.view(i).phases.conn_id for i in range(30)}  # type: ignore[union-attr]
    assert None not in ids and len(ids) == stats.connections().opened == server.connections - before <= 3
