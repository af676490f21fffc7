"""Proxies as requests, httpx and curl take them, through a real proxy (tinyproxy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.fetching.proxies import Proxies
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.registry import THREAD_CLIENTS

from .helpers import run_list


def proxied(server: DemoServer, path: str) -> list[bool]:
    """For each request the server saw for `path`: whether it came through tinyproxy."""
    return ["tinyproxy-test" in dict(seen.headers).get("Via", "") for seen in server.seen(path)]


@pytest.mark.parametrize("client", THREAD_CLIENTS)
def test_the_environments_proxy_carries_every_clients_requests(
        server: DemoServer, tinyproxy: str, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", tinyproxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    # tinyproxy closes a client's connection after each answer without saying so: a request
    # sent on it before the close lands fails (RemoteDisconnected, seen in CI). Three workers
    # on three 50 ms requests each open their own connection, so none is reused.
    path = f"/delay/50?proxy-env={client}"
    stats = run_list(f"{server.url}{path} x3", workers=3, client=client)
    assert stats.ok == 3, [r.error for r in stats.records if r]
    assert proxied(server, path) == [True] * 3  # loopback too, with NO_PROXY unset (as requests)


def test_no_proxy_and_no_proxy_flag_and_the_demo_server_go_direct(
        server: DemoServer, tinyproxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", tinyproxy)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    run_list(f"{server.url}/delay/0?np=1", workers=1)
    monkeypatch.delenv("NO_PROXY")
    run_list(f"{server.url}/delay/0?np=2", workers=1, env_proxy=False)
    run_list(f"{server.url}/delay/0?np=3", workers=1, direct=(f"{server.url}/",))
    assert [proxied(server, f"/delay/0?np={n}") for n in (1, 2, 3)] == [[False]] * 3


def test_an_explicit_proxy_is_used_and_its_credentials_are_never_written(
        server: DemoServer, tinyproxy: str, tmp_path: Path) -> None:
    with_password = tinyproxy.replace("http://", "http://alice:pr0xy-s3cret@")
    path = "/delay/0?proxy=explicit"
    result = subprocess.run(
        [sys.executable, "-m", "fetchtui", "run", f"{server.url}{path} x2", "-x", with_password,
         "--json", str(tmp_path / "r.json"), "--trace"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert proxied(server, path) == [True, True]
    doc = (tmp_path / "r.json").read_text()
    assert json.loads(doc)["config"]["proxy"] == tinyproxy.replace("http://", "http://alice:***@")
    assert not [text for text in (result.stdout, result.stderr, doc) if "pr0xy-s3cret" in text]


def test_a_dead_proxy_is_a_connect_failure_with_a_message(server: DemoServer, closed_port: int) -> None:
    stats = run_list(f"{server.url}/delay/0 x2", workers=1, proxy=f"http://127.0.0.1:{closed_port}")
    assert stats.error_counts == {"connect": 2}


def test_the_proxy_of_a_url_follows_the_rules_of_requests_and_curl() -> None:
    env = {"https_proxy": "http://p-lower:1", "HTTPS_PROXY": "http://p-upper:1",
           "ALL_PROXY": "socks5://p-all:1", "NO_PROXY": ".internal.example,db.example:5432"}
    proxies = Proxies(FetchLimits(), env)
    assert proxies.for_url("https://api.example/") == "http://p-lower:1"  # lowercase wins
    assert proxies.for_url("http://api.example/") == "socks5://p-all:1"
    assert proxies.for_url("http://x.internal.example/") is None
    assert proxies.for_url("http://internal.example/") is None
    assert proxies.for_url("http://db.example:5432/") is None
    assert proxies.for_url("http://db.example:80/") == "socks5://p-all:1"
    assert Proxies(FetchLimits(env_proxy=False), env).for_url("https://api.example/") is None
    assert Proxies(FetchLimits(proxy="http://x:3"), {}).for_url("http://a/") == "http://x:3"
