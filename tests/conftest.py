"""Shared fixtures: a real loopback demo server (HTTP and HTTPS with a throwaway CA)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fetchtui.core.demo.server import DemoServer

from .hostile_server import HostileServer

if TYPE_CHECKING:
    import trustme


@pytest.fixture(scope="session", autouse=True)
def _history_stays_in_the_test_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every fetchtui the tests start records its runs (and caches its GIL's place) under a
    temp dir, not the user's."""
    previous = {name: os.environ.get(name) for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME")}
    for name in previous:
        os.environ[name] = str(tmp_path_factory.mktemp(name.lower()))
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def server() -> Iterator[DemoServer]:
    with DemoServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def base(server: DemoServer) -> str:
    return server.url


@pytest.fixture(scope="session")
def hostile() -> Iterator[HostileServer]:
    """The raw-socket server that answers each request with exactly the bytes its mode says."""
    srv = HostileServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    # imported here: the free-threaded run of the thread tests (.ci/run) has no trustme, as
    # cryptography has no wheel for 3.13t, and skips the tests that need a certificate
    trustme = pytest.importorskip("trustme", reason="trustme (cryptography) is not installable here")
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_server(ca: trustme.CA) -> Iterator[DemoServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with DemoServer(ssl_context=context) as srv:
        yield srv


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("ca")) / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(proc: subprocess.Popen[bytes], port: int, limit: float) -> bool:
    """Wait (bounded) until a server process listens on `port`; kill it if it never does."""
    give_up = time.monotonic() + limit
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            if time.monotonic() > give_up or proc.poll() is not None:
                proc.kill()
                return False
            time.sleep(0.05)  # one step of the bounded wait


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a server and its own workers: SIGTERM, which nginx and hypercorn pass on to them
    (SIGKILL to the parent alone left its workers running, orphaned, after the session)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real forward proxy (the distribution's tinyproxy) on loopback: its URL. It marks what
    it forwards with a `Via: 1.1 tinyproxy-test` header, which the demo server keeps."""
    binary = shutil.which("tinyproxy")
    if binary is None:
        pytest.skip("tinyproxy is not installed (apt-get install tinyproxy; .ci/run does)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = tmp_path_factory.mktemp("tinyproxy")
    conf = folder / "tinyproxy.conf"
    conf.write_text(f"Port {port}\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\n"
                    f"ViaProxyName \"tinyproxy-test\"\nMaxClients 64\nLogLevel Error\n"
                    f"LogFile \"{folder / 'log'}\"\n")
    proc = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if not listening(proc, port, limit=10):
        pytest.skip("tinyproxy did not start")
    yield f"http://127.0.0.1:{port}"
    proc.kill()
    proc.wait()


@pytest.fixture(scope="session")
def h2_server(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """hypercorn serving HTTP/2 (and 1.1) over TLS with a trustme certificate: its base URL."""
    pytest.importorskip("hypercorn", reason="hypercorn is a test dependency (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("h2")
    cert, key = folder / "cert.pem", folder / "key.pem"
    issued = ca.issue_cert("127.0.0.1", "localhost")
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "hypercorn", "tests.h2_app:app", "--bind",
                             f"127.0.0.1:{port}", "--certfile", str(cert), "--keyfile", str(key)],
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not listening(proc, port, limit=15):
        pytest.fail("hypercorn did not start")
    yield f"https://localhost:{port}"
    stop(proc)


NGINX_CONF = """worker_processes 1; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; keepalive_requests 1000000;
  client_body_temp_path {dir}/b; proxy_temp_path {dir}/p; fastcgi_temp_path {dir}/f;
  uwsgi_temp_path {dir}/u; scgi_temp_path {dir}/s;
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok"; }} }} }}
"""


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real instant server (the distribution's nginx) on loopback: its URL. It answers in
    microseconds, so the client's own CPU is what a run of it measures."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light; .ci/run does)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    folder = tmp_path_factory.mktemp("nginx")
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, port=port))
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if not listening(proc, port, limit=10):
        pytest.skip("nginx did not start")
    yield f"http://127.0.0.1:{port}/"
    stop(proc)


#: A free-threaded Python (3.13t or newer) with this fetchtui installed: .ci/run builds one
#: (ci/free-threaded-python) and names it here; the tests that need one skip without it.
FREE_THREADED_ENV = "FETCHTUI_FREE_THREADED_PYTHON"


@pytest.fixture(scope="session")
def free_threaded_python() -> str:
    """The path of a free-threaded Python that can run fetchtui's fetch process."""
    path = os.environ.get(FREE_THREADED_ENV)
    if not path:
        pytest.skip(f"no free-threaded Python: {FREE_THREADED_ENV} is not set (ci/free-threaded-python "
                    "builds one; .ci/run builds it and sets this)")
    from fetchtui.core.runs.interpreter import InterpreterError, probe

    try:
        info = probe(path)
    except InterpreterError as exc:
        pytest.fail(f"{FREE_THREADED_ENV}={path} cannot run fetchtui: {exc}")
    if not info.free_threaded:
        pytest.fail(f"{FREE_THREADED_ENV}={path} is Python {info.version} with the GIL built in")
    return path
