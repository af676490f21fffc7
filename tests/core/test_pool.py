"""The in-process pool against a real loopback server, through every client."""

from __future__ import annotations

import threading

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import ClientName, FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.events import Outcome
from fetchtui.core.runs.pool import PoolSource
from fetchtui.core.stats import RunStats
from tests.rows import End, Start, read_rows

from ..waiting import fold_until, wait_until
from .helpers import FAULTS, run_list

pytestmark = pytest.mark.parametrize("client", THREAD_CLIENTS)


def test_every_request_is_fetched_once_by_the_pool(base: str, client: str) -> None:
    stats = run_list(f"{base}/delay/20 x40\n{base}/bytes/1000 x10", workers=4, client=client)
    assert (stats.ok, stats.failed, stats.cancelled) == (50, 0, 0)
    assert len(stats.threads) == 4
    assert sum(t.requests for t in stats.threads.values()) == 50
    assert stats.status_counts == {200: 50}
    assert sum(r.nbytes for r in stats.records if r) == 40 * 3 + 10 * 1000


def test_one_worker_runs_everything_on_one_thread_in_order(base: str, client: str) -> None:
    stats = run_list(f"{base}/delay/0 x10", workers=1, client=client)
    assert len(stats.threads) == 1
    starts = [r.start_ns for r in stats.records if r]
    assert starts == sorted(starts)


@pytest.mark.parametrize(("path", "kind", "limits"), FAULTS)
def test_each_failure_kind_comes_from_a_real_server(
    base: str, client: str, path: str, kind: str, limits: dict[str, float]
) -> None:
    stats = run_list(f"{base}{path} x2", workers=2, client=client, **limits)
    assert (stats.ok, stats.failed) == (0, 2), [r.error for r in stats.records if r]
    assert stats.error_counts == {kind: 2}, [r.error for r in stats.records if r]


def test_connection_refused_is_a_connect_failure(closed_port: int, client: str) -> None:
    stats = run_list(f"http://127.0.0.1:{closed_port}/ x3", workers=2, client=client)
    assert stats.error_counts == {"connect": 3}


def test_redirects_within_the_limit_are_followed(base: str, client: str) -> None:
    stats = run_list(f"{base}/redirect/3", workers=1, client=client)
    assert stats.ok == 1 and stats.status_counts == {200: 1}


def test_credentials_in_the_url_are_sent_as_basic_auth(base: str, client: str) -> None:
    url = base.replace("http://", "http://alice:s3cret@")
    stats = run_list(f"{url}/delay/0", workers=1, client=client)
    assert stats.ok == 1
    assert "s3cret" not in stats.records[0].url  # type: ignore[union-attr]


def test_tls_verified_with_the_right_ca(tls_server: DemoServer, ca_file: str, client: str) -> None:
    stats = run_list(f"{tls_server.url}/delay/0 x3", client=client, ca_bundle=ca_file)
    assert stats.ok == 3


def test_tls_with_an_unknown_ca_is_a_tls_failure(tls_server: DemoServer, client: str) -> None:
    stats = run_list(f"{tls_server.url}/delay/0 x2", client=client)
    assert stats.error_counts == {"tls": 2}, [r.error for r in stats.records if r]


def test_insecure_skips_verification(tls_server: DemoServer, client: str) -> None:
    stats = run_list(f"{tls_server.url}/delay/0 x2", client=client, verify=False)
    assert stats.ok == 2


def test_cancel_accounts_every_in_flight_and_queued_request(base: str, client: ClientName) -> None:
    targets = parse_targets(f"{base}/hang x50")
    source = PoolSource(targets, RunConfig(8, client, FetchLimits(timeout=30)))
    stats = RunStats(targets)
    source.start()
    fold_until(source, stats, lambda: stats.in_flight == 8, "8 requests in flight")
    source.cancel()
    assert source.ended  # cancel closes the run out at once, without waiting on the network
    fold_until(source, stats, lambda: stats.ended, "the close-out to be folded", limit=1)
    assert (stats.ok, stats.failed, stats.cancelled) == (0, 0, 50)
    assert [stats.view(i).error for i in range(8)] == ["cancelled while in flight"] * 8
    assert stats.view(49).error == "cancelled before it started"
    # cut sockets free the stuck threads: nothing holds the process
    wait_until(lambda: source.stuck_threads() == 0, "the cut threads to unwind", limit=3)
    assert not [t for t in threading.enumerate() if t.name.startswith("fetchtui-worker")]


def test_events_carry_thread_identity_and_one_terminal_event_per_request(
    base: str, client: ClientName
) -> None:
    targets = parse_targets(f"{base}/delay/5 x30")
    source = PoolSource(targets, RunConfig(3, client))
    source.start()
    assert source.wait(20)
    events = read_rows(source.drain(0.1, limit=10_000))  # the rows, read back
    started = [e for e in events if isinstance(e, Start)]
    finished = [e for e in events if isinstance(e, End)]
    assert sorted(e.req_id for e in finished) == list(range(30))
    assert sorted(e.req_id for e in started) == list(range(30))
    assert all(e.outcome is Outcome.OK and e.t_ns > 0 for e in finished)
    assert len({e.thread.ident for e in started}) == 3
    assert all(e.thread.name.startswith("fetchtui-worker") and e.thread.native_id for e in started)
    source.close()
