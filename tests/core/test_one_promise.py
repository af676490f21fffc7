"""What every client promises, on every (model, client) pair the registry lists: nothing of one
request reaches the next, no scheme but http(s) is fetched, a non-ASCII URL is sent encoded
and never stalls a run, and no client library's message shows a password."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from fetchtui.core import registry
from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import Event, RunEnded, ThreadInfo
from fetchtui.core.runs.ledger import Ledger
from fetchtui.core.runs.models import open_source
from fetchtui.core.stats import RunStats

from .helpers import finish
from .test_cli_run import CMD, run

# every pair, the processes model's included (one worker process each: the same client code
# runs in it, behind a pipe)
ALL_PAIRS = list(registry.pairs())
IN_PROCESS = [(m, c) for m, c in ALL_PAIRS if not registry.MODELS[m].processes_of_its_own(1)]


def run_on(text: str, model: str, client: str, **limits: object) -> RunStats:
    targets = parse_targets(text)
    config = RunConfig(1, client, FetchLimits(**{"timeout": 10, **limits}), model=model)  # type: ignore[arg-type]
    return finish(open_source(targets, config), RunStats(targets))


class _Redirector(BaseHTTPRequestHandler):
    """A 302 to whatever `?to=` says: a hostile server's redirect to file://, dict://, gopher://."""

    def do_GET(self) -> None:
        to = parse_qs(urlsplit(self.path).query).get("to", [""])[0]
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _SetsCookie(BaseHTTPRequestHandler):
    """Every answer sets a cookie, as a login page would."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Set-Cookie", "sid=FROM_A; Path=/")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A loopback server of `handler` for a module's tests: its base URL, then its end."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def sets_cookie() -> Iterator[str]:
    yield from _serve(_SetsCookie)


@pytest.fixture(scope="module")
def redirector() -> Iterator[str]:
    yield from _serve(_Redirector)


@pytest.fixture(scope="module")
def second_server() -> Iterator[DemoServer]:
    with DemoServer() as srv:
        yield srv


@pytest.mark.parametrize(("model", "client"), ALL_PAIRS)
def test_nothing_of_one_request_reaches_the_next_on_the_same_worker(
        server: DemoServer, second_server: DemoServer, model: str, client: str) -> None:
    first = (f"http://alice:S3cret@127.0.0.1:{server.port}/redirect-to?"
             f"url={quote(f'{server.url}/echo?first={model}-{client}', safe='')}"
             " -X PUT -d 'the first body' -H 'Cookie: c=C1'"
             " -H 'X-Api-Key: K1' -H 'X-Other: kept'")
    second = f"{second_server.url}/echo?second={model}-{client}"
    stats = run_on(f"{first}\n{second}", model, client)
    assert stats.ok == 2, [stats.view(i).error for i in range(2)]
    (seen_first,) = server.seen(f"/echo?first={model}-{client}")
    assert {n.lower() for n, _ in seen_first.headers} >= {"x-api-key", "x-other"}
    (seen,) = second_server.seen(f"/echo?second={model}-{client}")
    names = {name.lower() for name, _ in seen.headers}
    assert seen.method == "GET" and seen.body == b""
    assert not names & {"authorization", "cookie", "x-api-key", "x-other", "content-type"}, seen.headers


@pytest.mark.parametrize(("model", "client"), IN_PROCESS)
@pytest.mark.parametrize("secret", [False, True])
@pytest.mark.parametrize("scheme", ["file", "dict", "gopher", "ftp"])
def test_a_redirect_to_any_scheme_but_http_fails_invalid_and_reaches_nothing(
        redirector: str, model: str, client: str, secret: bool, scheme: str) -> None:
    listener = socket.socket()  # where dict:// and gopher:// would send their bytes
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)  # asked once the run has ended: a connection would be waiting
    port = listener.getsockname()[1]
    to = "file:///etc/passwd" if scheme == "file" else f"{scheme}://127.0.0.1:{port}/INFO%0d%0aQUIT"
    line = f"{redirector}/?to={quote(to, safe='')}" + (" -H 'Authorization: Bearer S'" if secret else "")
    try:
        stats = run_on(line, model, client)
        with pytest.raises(BlockingIOError):
            listener.accept()[0].close()
    finally:
        listener.close()
    rec = stats.view(0)
    assert (rec.error_kind, rec.nbytes) == ("invalid", 0), (rec.status, rec.error)


def test_a_redirect_by_hand_to_another_scheme_names_it(redirector: str) -> None:
    stats = run_on(f"{redirector}/?to=file:///etc/passwd -H 'X-Api-Key: K'", "curl-multi", "pycurl")
    assert stats.view(0).error == "a redirect to a file:// URL (only http and https are followed)"


@pytest.mark.parametrize(("model", "client"), ALL_PAIRS)
def test_a_non_ascii_url_is_sent_percent_encoded_by_every_client(server: DemoServer, model: str,
                                                                  client: str) -> None:
    stats = run_on(f"{server.url}/echo/café?who={model}-{client}&q=ü", model, client)
    assert stats.ok == 1, stats.view(0).error
    (seen,) = server.seen(f"/echo/caf%C3%A9?who={model}-{client}&q=%C3%BC")
    assert seen.method == "GET"


@pytest.mark.parametrize("processes", ["1", "2"])
def test_one_non_ascii_url_among_many_ends_the_curl_multi_run_with_every_request_ok(
        base: str, tmp_path: Path, processes: str) -> None:
    listed = tmp_path / "list.txt"
    listed.write_text(f"{base}/get x50\n{base}/echo/café\n{base}/bytes/10 x50\n", encoding="utf-8")
    out = tmp_path / "run.json"
    done = run("-f", str(listed), "--model", "curl-multi", "-P", processes, "-w", "4", "--no-history",
               "--json", str(out), timeout=60)
    assert done.returncode == 0, done.stderr
    requests = json.loads(out.read_text())["requests"]
    assert len(requests) == 101 and {r["outcome"] for r in requests} == {"ok"}


@pytest.mark.parametrize("client", ["pycurl", "requests", "httpx"])
def test_a_proxy_password_in_a_client_library_message_is_masked(base: str, tmp_path: Path,
                                                               client: str) -> None:
    out = tmp_path / "run.json"
    env = {**os.environ, "http_proxy": "ftp://carol:PA55word@127.0.0.1:1", "no_proxy": "", "NO_PROXY": ""}
    done = subprocess.run([*CMD, "run", f"{base}/get", "-b", client, "--no-history", "--json", str(out)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1, done.stderr
    (request,) = json.loads(out.read_text())["requests"]
    assert request["outcome"] == "failed" and request["error"]
    assert "PA55word" not in out.read_text() + done.stdout + done.stderr


def test_a_share_that_ran_the_last_id_ends_though_another_share_died_holding_ids() -> None:
    """Two processes' ledgers on one dispenser: one reserves ids, then its loop dies (its
    close-out says why); the other runs what is left, the list's last id among them, and its
    share ends there rather than waiting forever for the ids the dead one held."""
    listed, handed = 10, iter(range(10))

    def dispense(count: int) -> range:
        ids = [n for _, n in zip(range(count), handed, strict=False)]
        return range(ids[0], ids[-1] + 1) if ids else range(0)

    ends: dict[str, list[Event]] = {"dead": [], "alive": []}
    dead = Ledger(listed, ends["dead"].extend, RunConfig(3), dispense)
    alive = Ledger(listed, ends["alive"].extend, RunConfig(1), dispense)
    dead.open(3)
    alive.open(1)
    dead.reserve(3)  # ids 0-2, taken ahead for its three slots
    dead.close_out(lost="cannot run curl-multi: a bug")
    me = ThreadInfo(1, "transfer-0", 1, 1, 0)
    ran = []
    for _ in range(listed + 1):  # bounded: at most every id, then the answer that none is left
        taken = alive.take(me)
        if taken is None:
            break
        assert isinstance(taken, tuple)
        ran.append(taken[0])
        alive.finish_fetched(taken[0], 0, me, 0, (200, 0, None, None, None, None))
    assert ran == list(range(3, 10))
    assert alive.ended and isinstance(ends["alive"][-1], RunEnded)
    last = ends["dead"][-1]
    assert dead.ended and isinstance(last, RunEnded) and last.lost == "cannot run curl-multi: a bug"


@pytest.mark.parametrize(("model", "client"), IN_PROCESS)
def test_a_redirect_to_another_host_with_only_secret_headers_sends_none_of_them(
        server: DemoServer, model: str, client: str) -> None:
    echo = f"/echo?only-secrets={model}-{client}"
    url = f"{server.url}/redirect-to?url={quote(f'http://localhost:{server.port}{echo}', safe='')}"
    stats = run_on(f"{url} -H 'Authorization: Bearer A1' -H 'X-Api-Key: K1'", model, client)
    assert stats.ok == 1, stats.view(0).error
    (seen,) = server.seen(echo)
    assert not {name.lower() for name, _ in seen.headers} & {"authorization", "x-api-key"}, seen.headers


@pytest.mark.parametrize("args", [["http://u:pw@127.0.0.1:9/ -H 'Authorization: Bearer T'"],
                                  ["http://TOKEN@127.0.0.1:9/", "-H", "authorization: Bearer T"]])
def test_credentials_in_the_url_beside_an_authorization_header_are_refused_up_front(
        args: list[str]) -> None:
    """requests and httpx sent the URL's, libcurl the header's, aiohttp failed the request."""
    done = run(*args, "--no-history")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "credentials in the URL and an Authorization header: give one of them" in done.stderr
    assert "pw" not in done.stderr and "TOKEN" not in done.stderr and "Bearer T" not in done.stderr


@pytest.mark.parametrize(("model", "client"), ALL_PAIRS)
def test_a_cookie_one_host_set_is_sent_to_no_other(sets_cookie: str, server: DemoServer, model: str,
                                                   client: str) -> None:
    echo = f"/echo?after-a-cookie={model}-{client}"
    stats = run_on(f"{sets_cookie}/login\n{server.url}{echo}", model, client)
    assert stats.ok == 2, [stats.view(i).error for i in range(2)]
    (seen,) = server.seen(echo)
    assert "cookie" not in {name.lower() for name, _ in seen.headers}, seen.headers


@pytest.mark.parametrize(("model", "client"), IN_PROCESS)
def test_headers_named_for_a_key_stay_behind_on_a_redirect_to_another_host(
        server: DemoServer, model: str, client: str) -> None:
    echo = f"/echo?keys={model}-{client}"
    url = f"{server.url}/redirect-to?url={quote(f'http://localhost:{server.port}{echo}', safe='')}"
    stats = run_on(f"{url} -H 'X-Access-Key: K1' -H 'Private-Key: K2' -H 'X-Signing-Key: K3'", model, client)
    assert stats.ok == 1, stats.view(0).error
    (seen,) = server.seen(echo)
    assert not {"x-access-key", "private-key", "x-signing-key"} & {n.lower() for n, _ in seen.headers}


@pytest.mark.parametrize(("model", "client"), IN_PROCESS)
def test_a_redirect_to_a_url_no_client_reads_fails_that_request_alone(
        redirector: str, base: str, model: str, client: str) -> None:
    bad = quote("http://127.0.0.1:99999/x", safe="")
    stats = run_on(f"{redirector}/?to={bad} -H 'Authorization: Bearer S'\n{base}/get x5", model, client)
    assert stats.view(0).error_kind == "invalid", stats.view(0).error
    assert stats.ok == 5 and stats.cancelled == 0, [stats.view(i).error for i in range(6)]


@pytest.mark.parametrize(("model", "client"), ALL_PAIRS)
def test_a_get_with_a_body_and_a_lower_case_method_go_out_alike(server: DemoServer, model: str,
                                                               client: str) -> None:
    stats = run_on(f"{server.url}/echo?get-body={model}-{client} -X GET -d 'q=1'\n"
                   f"{server.url}/echo?lower={model}-{client} -X put -d 'x'", model, client)
    assert stats.ok == 2, [stats.view(i).error for i in range(2)]
    (get,) = server.seen(f"/echo?get-body={model}-{client}")
    (put,) = server.seen(f"/echo?lower={model}-{client}")
    assert (get.method, get.body, put.method) == ("GET", b"q=1", "PUT")


@pytest.mark.parametrize("header", ["Content-Length: 1", "transfer-encoding: chunked"])
def test_a_framing_header_of_the_users_own_is_refused_up_front(header: str) -> None:
    done = run("http://127.0.0.1:9/", "-H", header, "-d", "aGET /SMUGGLED HTTP/1.1", "--no-history")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "fetchtui frames the body itself" in done.stderr


def test_connect_is_no_method_for_a_url() -> None:
    done = run("http://127.0.0.1:9/", "-X", "CONNECT", "--no-history")
    assert done.returncode == 2 and "CONNECT opens a proxy tunnel" in done.stderr


@pytest.mark.parametrize("flag", ["-H Authorization:\\ Bearer\\ SECRET1", "-H 'Authorization':' SECRET1'",
                                  "-H'Authorization: Bearer SECRET1'", "--header='Authorization: SECRET1'",
                                  "-H $'Authorization: SECRET1'", "-H 'X-Access-Key: SECRET1'",
                                  "-H'Authorization: Bearer abc -Xyz SECRET1'"])
def test_a_bad_line_never_shows_a_secret_header_whatever_the_flags_shape(flag: str) -> None:
    done = run(f"http://127.0.0.1:9/ {flag} -Q", "--no-history")  # -Q: no flag, so a bad line
    assert done.returncode == 2 and "line 1:" in done.stderr and "Traceback" not in done.stderr
    assert "SECRET1" not in done.stderr, done.stderr


@pytest.mark.parametrize("url", ["http://u:pä@127.0.0.1:9/", "http://u:PW%E2%82%AC@127.0.0.1:9/",
                                 "http://jürgen:pw@127.0.0.1:9/"])
def test_a_user_name_or_password_outside_ascii_is_refused_up_front(url: str) -> None:
    """requests and aiohttp sent Latin-1 (or failed), httpx and libcurl UTF-8."""
    done = run(url, "--no-history")
    assert done.returncode == 2 and "outside ASCII" in done.stderr and "Traceback" not in done.stderr
    assert "pä" not in done.stderr and "E2%82" not in done.stderr
