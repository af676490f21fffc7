"""Answers and redirects that go past what a client should take, the same on every client,
over loopback against the demo server."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from fetchtui.core import registry
from fetchtui.core.config import FetchLimits, RunConfig
from fetchtui.core.demo_server import DemoServer
from fetchtui.core.fetching.errors import MAX_HEADER_LINE, MAX_HEADER_LINES
from fetchtui.core.runs.models import open_source
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import RequestSpec, parse_targets

from .helpers import finish

# every pair that runs in the caller's process (processes spawn theirs: tested in test_processes)
PAIRS = [(m, c) for m, c in registry.pairs() if not registry.MODELS[m].processes_of_its_own(1)]
SECRETS = (("Authorization", "Bearer A1"), ("X-Api-Key", "K1"), ("Cookie", "c=C1"),
           ("Proxy-Authorization", "Basic P1"), ("X-Other", "kept"))


def run_once(text: str, model: str, client: str, spec: RequestSpec | None = None) -> RunStats:
    targets = parse_targets(text, defaults=spec) if spec else parse_targets(text)
    config = RunConfig(1, client, FetchLimits(timeout=10), model=model)  # type: ignore[arg-type]
    return finish(open_source(targets, config), RunStats(targets))


@pytest.mark.parametrize(("model", "client"), PAIRS)
@pytest.mark.parametrize("path", [f"/many-headers/{MAX_HEADER_LINES + 1}", "/many-headers/2000",
                                  f"/long-header/{MAX_HEADER_LINE + 100}", "/long-header/1000000"])
def test_an_oversized_head_is_too_large_on_every_client(base: str, model: str, client: str,
                                                        path: str) -> None:
    stats = run_once(f"{base}{path}", model, client)
    rec = stats.view(0)
    assert rec.error_kind == "too_large", rec.error
    assert rec.error is not None and ("header lines" in rec.error or "header line is longer" in rec.error)


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_a_head_within_the_limits_is_read_on_every_client(base: str, model: str, client: str) -> None:
    stats = run_once(f"{base}/many-headers/{MAX_HEADER_LINES - 5}\n{base}/long-header/60000", model, client)
    assert stats.ok == 2, [stats.view(i).error for i in range(2)]


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_a_redirect_to_another_host_sends_no_secret_header(server: DemoServer, model: str,
                                                           client: str) -> None:
    echo = f"/echo?to=other-host&via={model}-{client}"
    url = f"{server.url}/redirect-to?url={quote(f'http://localhost:{server.port}{echo}', safe='')}"
    stats = run_once(url, model, client, RequestSpec("GET", SECRETS))
    assert stats.ok == 1, stats.view(0).error
    (seen,) = server.seen(echo)
    names = {name.lower() for name, _ in seen.headers}
    assert "x-other" in names  # an ordinary header follows the redirect
    assert not names & {"authorization", "x-api-key", "cookie", "proxy-authorization"}, seen.headers


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_a_redirect_on_the_same_host_keeps_the_headers(server: DemoServer, model: str, client: str) -> None:
    echo = f"/echo?to=same-host&via={model}-{client}"
    url = f"{server.url}/redirect-to?url={quote(server.url + echo, safe='')}"
    stats = run_once(url, model, client, RequestSpec("GET", SECRETS[:2]))
    assert stats.ok == 1, stats.view(0).error
    (seen,) = server.seen(echo)
    names = {name.lower() for name, _ in seen.headers}
    assert {"authorization", "x-api-key"} <= names


CURL_PAIRS = [(m, c) for m, c in PAIRS if c == "pycurl"]


@pytest.mark.parametrize(("model", "client"), CURL_PAIRS)
def test_a_libcurl_without_limits_of_its_own_is_held_to_them_by_callbacks(
        base: str, model: str, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fetchtui.core.fetching import pycurl_backend

    monkeypatch.setattr(pycurl_backend, "_LIBCURL_CAPS", False)  # as before libcurl 8.9
    paths = [f"/many-headers/{MAX_HEADER_LINES + 1}", f"/long-header/{MAX_HEADER_LINE + 100}",
             "/chunked-forever", f"/many-headers/{MAX_HEADER_LINES - 5}", "/bytes/900"]
    text = "\n".join(base + path for path in paths)
    config = RunConfig(1, client, FetchLimits(timeout=10, max_bytes=1000), model=model)  # type: ignore[arg-type]
    targets = parse_targets(text)
    stats = finish(open_source(targets, config), RunStats(targets))
    errors = [stats.view(i).error or "" for i in range(5)]
    assert [stats.view(i).error_kind for i in range(3)] == ["too_large"] * 3, errors
    assert "header lines" in errors[0] and "header line is longer" in errors[1] and "body" in errors[2]
    assert (stats.view(3).status, stats.view(4).status, stats.view(4).nbytes) == (200, 200, 900), errors
