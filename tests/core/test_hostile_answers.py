"""Answers and redirects that go past what a client should take, the same on every client:
the conformance table (one hostile answer, the one outcome every client gives it) against
the raw-socket hostile server, and the demo server's heads and redirects, over loopback."""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from fetchtui.core import registry
from fetchtui.core.demo.server import DemoServer
from fetchtui.core.fetching.errors import (
    HEAD_TOO_BIG,
    HEADER_TOO_LONG,
    HEADERS_TOO_MANY,
    MAX_HEADER_LINE,
    MAX_HEADER_LINES,
)
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import RequestSpec, parse_targets
from fetchtui.core.runs.models import open_source
from fetchtui.core.stats import RunStats

from ..hostile_server import HostileServer
from ..waiting import wait_until
from .helpers import finish
from .test_cli_run import CMD

# every pair that runs in the caller's process (processes spawn theirs: tested in test_processes)
PAIRS = [(m, c) for m, c in registry.pairs() if not registry.MODELS[m].processes_of_its_own(1)]
Headers = tuple[tuple[str, str], ...]
SECRETS = (("Authorization", "Bearer A1"), ("X-Api-Key", "K1"), ("Cookie", "c=C1"),
           ("Proxy-Authorization", "Basic P1"), ("X-Other", "kept"))


def run_once(text: str, model: str, client: str, spec: RequestSpec | None = None) -> RunStats:
    targets = parse_targets(text, defaults=spec) if spec else parse_targets(text)
    config = RunConfig(1, client, FetchLimits(timeout=10), model=model)  # type: ignore[arg-type]
    return finish(open_source(targets, config), RunStats(targets))


@dataclass(frozen=True)
class Case:
    """One hostile answer (the server's mode) and the one outcome every client gives it: ok
    with `status`, or failed as `kind`, its message holding `says`."""

    path: str
    kind: str | None  # None: ok
    status: int | None = None
    says: str = ""
    limits: dict[str, int] = field(default_factory=dict)


CASES = {
    # an interim head is skipped whatever its code: the final answer decides
    "103 then 500": Case("/interim?final=500", "http", 500, "HTTP 500"),
    "100 then 201": Case("/interim?code=100&final=201", None, 201),
    "60 interim heads": Case("/interim?count=60&final=200", None, 200),
    "a head promising 2 bytes, then close": Case("/cut-after-head?length=2", "reset"),
    # the close before a head's blank line: http.client and libcurl took the head as whole
    "a status line, then close": Case("/cut-in-head?lines=0", "reset"),
    "a head cut before its blank line": Case("/cut-in-head?lines=2", "reset"),
    "a redirect cut before its blank line": Case("/cut-in-head?lines=1&code=302", "reset"),
    # libcurl read a Transfer-Encoding but chunked to the close, Content-Length aside: ok, 0 bytes
    "Transfer-Encoding: identity, Content-Length: 2, then close": Case(
        "/cut-after-head?length=2&te=identity", "invalid"),
    "Transfer-Encoding: identity, read to the close": Case(
        "/cut-after-head?length=none&te=identity&body=ab", "invalid"),
    "Transfer-Encoding: chunked beside a Content-Length": Case(
        "/cut-after-head?length=2&te=chunked&body=2%0D%0Aab%0D%0A0%0D%0A%0D%0A", "invalid"),
    "status 000": Case("/status?code=000", "invalid"),
    "status 099": Case("/status?code=099", "invalid"),
    "3 redirects, 3 allowed": Case("/redirect?left=3", None, 200, limits={"max_redirects": 3}),
    "4 redirects, 3 allowed": Case("/redirect?left=4", "redirects", limits={"max_redirects": 3}),
    "1 redirect, 0 allowed": Case("/redirect?left=1", "redirects", limits={"max_redirects": 0}),
    "a header with no name": Case("/malformed?which=no-name", "invalid"),
    "a space in a header name": Case("/malformed?which=space-in-name", "invalid"),
    "a non-ASCII header name": Case("/malformed?which=non-ascii-name", "invalid"),
    "Content-Length: -1": Case("/malformed?which=negative-length", "invalid"),
    f"{MAX_HEADER_LINES} header lines": Case(f"/headers?n={MAX_HEADER_LINES}", None, 200),
    f"{MAX_HEADER_LINES + 1} header lines": Case(f"/headers?n={MAX_HEADER_LINES + 1}", "too_large",
                                                 says=HEADERS_TOO_MANY),
    "90 Set-Cookie lines of 60 KB": Case("/headers?n=91&size=60000&name=Set-Cookie", "too_large",
                                         says=HEAD_TOO_BIG),
    "a header line of 150 KB": Case("/headers?n=2&size=150000", "too_large", says=HEAD_TOO_BIG),
    "a 70 KB reason phrase": Case("/long-reason?size=70000", "too_large", says=HEADER_TOO_LONG),
    "a 60 KB reason phrase": Case("/long-reason?size=60000", None, 200),
    "99 trailer lines": Case("/trailers?n=99", None, 200),
}


def outcomes(server: HostileServer, names: list[str], model: str, client: str, *, processes: int = 1,
             timeout: float = 5) -> Outcomes:
    """Each case's (kind, status when ok, message) as `model`/`client` gives it, a run per
    set of limits, its answers all at once over two workers."""
    got: Outcomes = {}
    groups: dict[tuple[tuple[str, int], ...], list[str]] = {}
    for name in names:
        groups.setdefault(tuple(sorted(CASES[name].limits.items())), []).append(name)
    for limits, group in groups.items():
        targets = parse_targets("\n".join(server.url + CASES[name].path for name in group))
        config = RunConfig(2, client, FetchLimits(timeout=timeout, **dict(limits)),  # type: ignore[arg-type]
                           model=model, processes=processes)  # type: ignore[arg-type]
        stats = finish(open_source(targets, config), RunStats(targets))
        for i, name in enumerate(group):
            rec = stats.view(i)
            status = rec.status if rec.error_kind in (None, "http") else None
            got[name] = (rec.error_kind, status, rec.error or "")
    return got


Outcomes = dict[str, tuple[str | None, int | None, str]]


def wrong(got: Outcomes) -> Outcomes:
    """The cases whose outcome is not their one outcome."""
    return {name: seen for name, seen in got.items()
            if (seen[0], seen[1]) != (CASES[name].kind, CASES[name].status)
            or CASES[name].says not in seen[2]}


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_every_hostile_answer_has_its_one_outcome_on_every_client(hostile: HostileServer, model: str,
                                                                   client: str) -> None:
    got = outcomes(hostile, list(CASES), model, client)  # a malformed head held to --timeout: a timeout
    assert not wrong(got), wrong(got)


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_only_libcurl_keeps_a_cap_of_its_own_on_an_answers_heads_and_trailers_together(
        hostile: HostileServer, model: str, client: str) -> None:
    """10,000 interim heads, 5,000 trailer lines, a trailer line of 40 KB: each head within
    the limits, so read, but past libcurl's 5,000 lines in all and 4 KiB a trailer line,
    which it says (docs/guide.md: the one exception)."""
    from fetchtui.core.fetching.pycurl_client import LIBCURL_CAP, LIBCURL_TRAILER_CAP

    paths = ["/interim?count=10000", "/trailers?n=5000", "/trailers?n=1&size=40000"]
    targets = parse_targets("\n".join(hostile.url + path for path in paths))
    config = RunConfig(1, client, FetchLimits(timeout=10), model=model)  # type: ignore[arg-type]
    stats = finish(open_source(targets, config), RunStats(targets))
    got = [(stats.view(i).error_kind, stats.view(i).error) for i in range(3)]
    libcurl = [("too_large", LIBCURL_CAP)] * 2 + [("too_large", LIBCURL_TRAILER_CAP)]
    assert got == (libcurl if client == "pycurl" else [(None, None)] * 3)


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_a_closed_run_leaves_no_connection_open(hostile: HostileServer, model: str, client: str) -> None:
    """Its source closed, a run's kept-alive connections are closed too, though the source is
    still referenced: under `ulimit -n` they would be what the export cannot be written for."""
    key = f"closed-{model}-{client}"
    targets = parse_targets(f"{hostile.url}/gate?key={key}&hold_ms=100 x4")
    source = open_source(targets, RunConfig(4, client, FetchLimits(timeout=5), model=model))  # type: ignore[arg-type]
    finish(source, RunStats(targets))
    # the server counts an answer after sending it: the client may have read it first
    wait_until(lambda: hostile.answered[key] == 4, "the server to count its four answers", limit=5)
    wait_until(lambda: hostile.open_connections(key) == 0, "the server to see every connection closed",
               limit=5)


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_interim_heads_keep_a_kept_alive_connection_in_step(hostile: HostileServer, model: str,
                                                            client: str) -> None:
    """An interim head, then a pause, then the answer: each request on the one connection
    gets its own answer, not the one before's."""
    finals = (200, 201, 202, 203)
    targets = parse_targets("\n".join(f"{hostile.url}/interim?final={code}&delay_ms=50" for code in finals))
    config = RunConfig(1, client, FetchLimits(timeout=5), model=model)  # type: ignore[arg-type]
    stats = finish(open_source(targets, config), RunStats(targets))
    assert [(stats.view(i).status, stats.view(i).nbytes) for i in range(4)] == [(code, 3) for code in finals]


@pytest.mark.parametrize(("model", "client"), PAIRS)
@pytest.mark.parametrize(("allowed", "headers"), [(0, ()), (2, ()), (2, SECRETS[:1])])
def test_n_redirects_are_followed_and_the_next_one_fails(hostile: HostileServer, model: str, client: str,
                                                         allowed: int, headers: Headers) -> None:
    """A redirect loop sends `allowed` + 1 requests, whoever follows it (a secret header:
    fetchtui itself)."""
    via = f"{model}-{client}-{allowed}-{len(headers)}"
    targets = parse_targets(f"{hostile.url}/redirect?left=loop&via={via}",
                            defaults=RequestSpec("GET", headers))
    config = RunConfig(1, client, FetchLimits(timeout=5, max_redirects=allowed), model=model)  # type: ignore[arg-type]
    stats = finish(open_source(targets, config), RunStats(targets))
    assert stats.view(0).error_kind == "redirects", stats.view(0).error
    assert hostile.seen_like(f"via={via}") == allowed + 1


@pytest.mark.parametrize(("model", "client"), PAIRS)
@pytest.mark.parametrize("path", [f"/many-headers/{MAX_HEADER_LINES + 1}", "/many-headers/2000",
                                  f"/long-header/{MAX_HEADER_LINE + 100}", "/long-header/1000000"])
def test_an_oversized_head_is_too_large_on_every_client(base: str, model: str, client: str,
                                                        path: str) -> None:
    stats = run_once(f"{base}{path}", model, client)
    rec = stats.view(0)
    assert rec.error_kind == "too_large", rec.error
    assert rec.error in (HEADERS_TOO_MANY, HEADER_TOO_LONG, HEAD_TOO_BIG)


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
        base: str, hostile: HostileServer, model: str, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fetchtui.core.fetching import pycurl_client

    monkeypatch.setattr(pycurl_client, "_LIBCURL_CAPS", False)  # as before libcurl 8.9
    paths = [f"/many-headers/{MAX_HEADER_LINES + 1}", f"/long-header/{MAX_HEADER_LINE + 100}",
             "/chunked-forever", f"/many-headers/{MAX_HEADER_LINES - 5}", "/bytes/900"]
    text = "\n".join(base + path for path in paths)
    assert not wrong(outcomes(hostile, [name for name in CASES if not CASES[name].limits], model, client))
    config = RunConfig(1, client, FetchLimits(timeout=10, max_bytes=1000), model=model)  # type: ignore[arg-type]
    targets = parse_targets(text)
    stats = finish(open_source(targets, config), RunStats(targets))
    errors = [stats.view(i).error or "" for i in range(5)]
    assert [stats.view(i).error_kind for i in range(3)] == ["too_large"] * 3, errors
    assert errors[:2] == [HEADERS_TOO_MANY, HEADER_TOO_LONG] and "body" in errors[2]
    assert (stats.view(3).status, stats.view(4).status, stats.view(4).nbytes) == (200, 200, 900), errors


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


DEADLINE_S = 6


def test_a_request_that_ends_after_its_deadline_is_a_timeout_on_every_client(hostile: HostileServer,
                                                                              tmp_path: Path) -> None:
    """`fetchtui run --timeout 2`, stopped (SIGSTOP, as a terminal's ^Z, and its worker
    processes, which run in sessions of their own) while its request is held, the answer sent
    while it is stopped, continued after the deadline: the answer is read at once, and it is a
    timeout. Every (model, client) pair at once, each its own run (a 6 s deadline: 13
    interpreters starting at once on 2 loaded cores took over 2 s to send one request)."""
    runs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    stop: list[int] = []
    try:
        for model, client in registry.pairs():
            key, out = f"{model}-{client}", tmp_path / f"{model}-{client}.json"
            args = ["run", f"{hostile.url}/gate?key={key}", "--timeout", str(DEADLINE_S), "--model", model,
                    "-b", client, "--json", str(out), "--no-history"]
            with (tmp_path / f"{key}.err").open("wb") as err:
                runs[key] = (subprocess.Popen([*CMD, *args], stdout=subprocess.DEVNULL, stderr=err,
                                              start_new_session=True), out)

        def held() -> bool:
            ended = {key: proc.returncode for key, (proc, _) in runs.items()
                     if not hostile.holding[key] and proc.poll() is not None}
            said = {key: (code, (tmp_path / f"{key}.err").read_text(),
                          (tmp_path / f"{key}.json").read_text()[-600:]) for key, code in ended.items()}
            assert not ended, said
            return all(hostile.holding[key] for key in runs)

        # 13 interpreters start at once on a loaded machine: give them time, but fail at once
        # (with what it said) if one ends before its request reached the server
        wait_until(held, "every run's request held", limit=120)
        for pid in [pid for proc, _ in runs.values() for pid in (proc.pid, *children(proc.pid))]:
            with contextlib.suppress(ProcessLookupError):  # a short-lived helper (the state sampler)
                os.kill(pid, signal.SIGSTOP)
                stop.append(pid)  # only what was stopped is continued
        stopped = time.monotonic()
        for key in runs:
            hostile.open_gate(key)
        wait_until(lambda: all(hostile.answered[key] for key in runs), "every answer sent")
        wait_until(lambda: time.monotonic() > stopped + DEADLINE_S + 0.5, "every request's deadline to pass",
                   limit=DEADLINE_S + 3)
        for pid in stop:
            with contextlib.suppress(ProcessLookupError):  # killed while stopped: nothing to continue
                os.kill(pid, signal.SIGCONT)
        for proc, _ in runs.values():
            proc.wait(60)
    finally:
        for pid in stop:  # none is left stopped, whatever failed
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        for proc, _ in runs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    kinds = {key: [r["error_kind"] for r in json.loads(out.read_text())["requests"]]
             for key, (_, out) in runs.items()}
    assert kinds == {key: ["timeout"] for key in runs}


def test_running_out_of_file_descriptors_is_a_connect_error_said_once_on_every_client(
        hostile: HostileServer) -> None:
    """Under `ulimit -n 16`, 40 requests held open at once: those with no descriptor left for
    a socket fail as connect, saying so, no traceback; the summary says once that the limit
    was met. The export goes to stdout (one needs no descriptor of its own). Every (model,
    client) pair at once, each its own run."""

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))

    def started(model: str, client: str) -> subprocess.Popen[str]:
        args = ["run", f"{hostile.url}/gate?key=fds-{model}-{client}&hold_ms=3000 x40", "-w", "40",
                "--model", model, "-b", client, "--timeout", "60", "--no-history", "--json", "-"]
        return subprocess.Popen([*CMD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=limited)

    def seen(out: str, err: str, code: int) -> tuple[set[str | None], bool, str, int, bool, int]:
        requests = json.loads(out)["requests"]
        kinds = {r["error_kind"] for r in requests}
        said = all("Too many open files" in r["error"] for r in requests if r["error_kind"])
        lines = err.splitlines()
        errors = next((line.split(None, 1)[1] for line in lines if line.startswith("  errors ")), "")
        notes = sum("the open-file limit (ulimit -n: 16) was reached" in line for line in lines)
        return kinds, said, re.sub(r"\d+", "N", errors), notes, "Traceback" in err, code

    runs = {f"{model}-{client}": started(model, client) for model, client in registry.pairs()}
    got = {key: seen(*proc.communicate(timeout=120), proc.returncode) for key, proc in runs.items()}
    assert got == {key: ({None, "connect"}, True, "connect: N", 1, False, 1) for key in runs}
