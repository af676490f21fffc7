"""What the benchmarks share: the demo server in a process of its own, nginx, and the installed command."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: The lesson's script at 16 threads, as a peer: a shared requests.Session, each fetch's pid and
#: ident printed; `RESULT elapsed_s cpu_s` on stderr (argv: URL, N).
SEED = """
import os, sys, threading, time, requests
from concurrent.futures import ThreadPoolExecutor
url, n = sys.argv[1], int(sys.argv[2])
session = requests.Session()
def fetch(u):
    with session.get(u) as response:
        response.text
    print(f"{os.getpid()} process | {threading.get_ident()} url : {u}")
began, cpu = time.perf_counter(), time.process_time()
with ThreadPoolExecutor(max_workers=16) as pool:
    list(pool.map(fetch, [url] * n))
print("RESULT", time.perf_counter() - began, time.process_time() - cpu, file=sys.stderr)
"""


def start_server() -> tuple[subprocess.Popen[str], str]:
    """`fetchtui demo-server` on a free port, in its own process: (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "fetchtui", "demo-server", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().split(" on ", 1)[1].split()[0]


def fetchtui() -> list[str]:
    """The installed `fetchtui` command (its console script), else `python -m fetchtui`."""
    installed = Path(sys.executable).with_name("fetchtui")
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "fetchtui"]


NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok"; }}
    }}
}}
"""


def ensure(tool: str, package: str) -> str | None:
    """The tool's path, installing its package when we can (root with apt-get)."""
    found = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", package], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nginx(nginx: str, workdir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    conf = Path(workdir) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port))
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", workdir], stderr=subprocess.DEVNULL)
    give_up = time.monotonic() + 10
    while time.monotonic() < give_up:  # bounded: until it listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.05)
    stop_nginx(proc)
    raise SystemExit("nginx did not start listening within 10 s")


@contextlib.contextmanager
def serving_nginx(needed_by: str) -> Iterator[tuple[subprocess.Popen[bytes], str, str]]:
    """nginx (installed with apt-get if missing) on a free port for the block, then stopped:
    (its master process, its URL, the temp dir it runs in, free for the block's files too)."""
    nginx = ensure("nginx", "nginx-light")
    if nginx is None:
        raise SystemExit(f"{needed_by} needs nginx (apt-get install nginx-light)")
    with tempfile.TemporaryDirectory(prefix="fetchtui-bench-") as workdir:
        proc, url = start_nginx(nginx, workdir)
        try:
            yield proc, url, workdir
        finally:
            stop_nginx(proc)


def stop_nginx(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM: nginx stops its workers too (SIGKILL to the master left them running)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
