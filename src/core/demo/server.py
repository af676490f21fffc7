"""A loopback, httpbin-like demo server: delays, statuses, sizes, drips, redirects and faults."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_DELAY_MS = 60_000
MAX_BYTES = 100 * 1024 * 1024
HANG_LIMIT_S = 120.0  # even a hanging endpoint lets go in the end

ENDPOINTS = {
    "/delay/<ms>": "answer 200 after <ms> milliseconds",
    "/serial/<ms>?slots=N": "take <ms> ms, N requests at a time across the server (default 1): "
                            "a bottleneck",
    "/status/<code>": "answer with that status code",
    "/bytes/<n>": "a body of <n> bytes",
    "/drip?bytes=N&interval_ms=M": "N bytes, one every M ms (default 10 bytes, 500 ms)",
    "/redirect/<n>": "<n> redirects, then 200",
    "/redirect-loop": "redirects to itself forever",
    "/redirect-to?url=U": "302 to U, a loopback URL (another host: 127.0.0.1 and localhost differ)",
    "/many-headers/<n>": "200 with <n> extra header lines",
    "/long-header/<n>": "200 with one header line of <n> bytes",
    "/reason?text=T": "200 with reason phrase T",
    "/hang": "read the request, never answer",
    "/stall": "send headers, then nothing",
    "/reset": "reset the connection before answering",
    "/reset-body": "reset the connection in the middle of the body",
    "/truncated": "Content-Length 1000, send 10 bytes, close",
    "/chunked-forever": "an endless chunked body",
    "/garbage": "bytes that are not HTTP",
    "/echo": "the method, path, headers and body it received, as JSON",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # http.server writes headers and body in separate sends; with Nagle on, a keep-alive
    # client's delayed ACK stalls each response ~40 ms. Responses also go out in one send.
    disable_nagle_algorithm = True
    server: DemoHTTPServer
    server_version = "fetchtui-demo"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a demo server that logs every request would drown the terminal

    def _reply(self, status: int, body: bytes = b"", *, reason: str | None = None,
               headers: dict[str, str] | None = None) -> None:
        head = [f"HTTP/1.1 {status} {reason if reason is not None else self.responses.get(status, ('',))[0]}"]
        head.append(f"Content-Length: {len(body)}")
        if "Content-Type" not in (headers or {}):
            head.append("Content-Type: text/plain; charset=utf-8")
        for key, value in (headers or {}).items():
            head.append(f"{key}: {value}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + body
        self.wfile.write(data)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; True if the server is stopping."""
        self.server.hold(self.path, +1)
        try:
            return self.server.stopping.wait(min(seconds, HANG_LIMIT_S))
        finally:
            self.server.hold(self.path, -1)

    def do_GET(self) -> None:
        length = self.headers.get("Content-Length", "")
        body = self.rfile.read(int(length)) if length.isdigit() and int(length) <= MAX_BYTES else b""
        self.server.record(self.command, self.path, list(self.headers.items()), body)
        self._body = body
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]
        name = segments[0] if segments else ""
        arg = segments[1] if len(segments) > 1 else ""
        handler = getattr(self, f"_ep_{name.replace('-', '_')}", None) if name else self._index
        if handler is None:
            self._reply(404, b"not found\n")
            return
        try:
            handler(arg, query)
        except ValueError:
            self._reply(400, b"bad argument\n")
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def do_HEAD(self) -> None:
        self.server.record(self.command, self.path, list(self.headers.items()), b"")
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")  # no body: it is HEAD

    def _index(self, arg: str, query: dict[str, str]) -> None:
        lines = ["fetchtui demo server", ""]
        lines += [f"{path:32} {what}" for path, what in ENDPOINTS.items()]
        self._reply(200, ("\n".join(lines) + "\n").encode())

    def _ep_echo(self, arg: str, query: dict[str, str]) -> None:
        echoed = {"method": self.command, "path": self.path,
                  "headers": [[k, v] for k, v in self.headers.items()],
                  "body": self._body.decode("utf-8", "replace")}
        self._reply(200, json.dumps(echoed).encode(), headers={"Content-Type": "application/json"})

    def _ep_get(self, arg: str, query: dict[str, str]) -> None:
        self._reply(200, b"ok\n")

    def _ep_delay(self, arg: str, query: dict[str, str]) -> None:
        ms = min(int(arg or "0"), MAX_DELAY_MS)
        if ms < 0:
            raise ValueError(ms)
        if ms and self._wait(ms / 1000):
            return
        self._reply(200, b"ok\n")

    def _ep_serial(self, arg: str, query: dict[str, str]) -> None:
        ms = min(int(arg or "0"), MAX_DELAY_MS)
        if ms < 0:
            raise ValueError(ms)
        slots = int(query.get("slots", "1"))
        if not 1 <= slots <= 1024:
            raise ValueError(slots)
        with self.server.serial(slots):  # the rest queue here: more clients, longer waits, same rate
            if self._wait(ms / 1000):
                return
        self._reply(200, b"ok\n")

    def _ep_status(self, arg: str, query: dict[str, str]) -> None:
        code = int(arg)
        if not 200 <= code <= 599:
            raise ValueError(code)
        self._reply(code, f"status {code}\n".encode())

    def _ep_bytes(self, arg: str, query: dict[str, str]) -> None:
        n = int(arg)
        if not 0 <= n <= MAX_BYTES:
            raise ValueError(n)
        self.wfile.write(
            f"HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        block = b"x" * 65536
        left = n
        while left > 0:
            self.wfile.write(block[: min(left, len(block))])
            left -= len(block)

    def _ep_drip(self, arg: str, query: dict[str, str]) -> None:
        n = min(int(query.get("bytes", "10")), 100_000)
        interval = int(query.get("interval_ms", "500")) / 1000
        self.wfile.write(f"HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n".encode())
        for _ in range(n):
            if self._wait(interval):
                return
            self.wfile.write(b"*")

    def _ep_redirect(self, arg: str, query: dict[str, str]) -> None:
        n = int(arg)
        if n <= 0:
            self._reply(200, b"redirects done\n")
        else:
            self._reply(302, b"", headers={"Location": f"/redirect/{n - 1}"})

    def _ep_redirect_to(self, arg: str, query: dict[str, str]) -> None:
        target = query.get("url", "")
        host = (urlsplit(target).hostname or "").lower()
        if not (host == "localhost" or host.startswith("127.") or host == "::1"):
            raise ValueError("only loopback targets")  # the demo never sends anyone off the machine
        self._reply(302, b"", headers={"Location": target})

    def _ep_many_headers(self, arg: str, query: dict[str, str]) -> None:
        n = min(int(arg), 100_000)
        head = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(n))
        self.wfile.write(f"HTTP/1.1 200 OK\r\n{head}Content-Length: 3\r\n\r\nok\n".encode())

    def _ep_long_header(self, arg: str, query: dict[str, str]) -> None:
        n = min(int(arg), 16 * 1024 * 1024)
        self.wfile.write(f"HTTP/1.1 200 OK\r\nX-Long: {'a' * n}\r\nContent-Length: 3\r\n\r\nok\n".encode())

    def _ep_redirect_loop(self, arg: str, query: dict[str, str]) -> None:
        self._reply(302, b"", headers={"Location": "/redirect-loop"})

    def _ep_reason(self, arg: str, query: dict[str, str]) -> None:
        text = query.get("text", "OK").replace("\r", " ").replace("\n", " ")
        self._reply(200, f"reason: {text}\n".encode(), reason=text)

    def _ep_hang(self, arg: str, query: dict[str, str]) -> None:
        self._wait(HANG_LIMIT_S)
        self.close_connection = True

    def _ep_stall(self, arg: str, query: dict[str, str]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        self._wait(HANG_LIMIT_S)
        self.close_connection = True

    def _abort(self) -> None:
        # SO_LINGER with a zero timeout turns close() into a TCP reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _ep_reset(self, arg: str, query: dict[str, str]) -> None:
        self._abort()

    def _ep_reset_body(self, arg: str, query: dict[str, str]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        self._wait(0.05)
        self._abort()

    def _ep_truncated(self, arg: str, query: dict[str, str]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
        self.close_connection = True

    def _ep_chunked_forever(self, arg: str, query: dict[str, str]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"400\r\n" + b"y" * 1024 + b"\r\n"
        while not self._wait(0.005):
            self.wfile.write(chunk)
        self.close_connection = True

    def _ep_garbage(self, arg: str, query: dict[str, str]) -> None:
        self.wfile.write(b"this is not HTTP at all\r\n\r\n")
        self.close_connection = True


@dataclass(frozen=True)
class Seen:
    """A request as the demo server received it (the last thousand are kept, for tests)."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


class DemoHTTPServer(ThreadingHTTPServer):
    """The threading server behind DemoServer; one thread per connection."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], ssl_context: ssl.SSLContext | None = None):
        self.stopping = threading.Event()
        self._serial: dict[int, threading.Semaphore] = {}  # /serial's, by its slots
        self.ssl_context = ssl_context
        self._held: Counter[str] = Counter()
        self._held_lock = threading.Lock()
        self.accepted = 0  # connections accepted, TLS or not
        self.seen: deque[Seen] = deque(maxlen=1000)
        super().__init__(address, _Handler)

    def record(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.seen.append(Seen(method, path, headers, body))

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._held_lock:
            self.accepted += 1
        super().process_request(request, client_address)

    def serial(self, slots: int) -> threading.Semaphore:
        """The one semaphore every /serial request with `slots` shares."""
        with self._held_lock:
            return self._serial.setdefault(slots, threading.Semaphore(slots))

    def hold(self, path: str, delta: int) -> None:
        with self._held_lock:
            self._held[path] += delta

    def held(self, path: str) -> int:
        with self._held_lock:
            return self._held[path]

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is not None:
            try:  # the handshake runs in the connection's thread, not the accept loop
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-response is normal here


#: The demo's port: the same each launch, so the demo list is the same list in the history
#: (a speedup compares runs of one list); another port only when this one is taken.
DEMO_PORT = 8765


class DemoServer:
    """Run the demo server on 127.0.0.1 in a background thread (port 0 picks a free one)."""

    def __init__(self, port: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        self._server = DemoHTTPServer(("127.0.0.1", port), ssl_context)
        self.port: int = self._server.server_address[1]
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def seen(self, path: str) -> list[Seen]:
        """The requests received for `path` (with its query), oldest first."""
        return [seen for seen in list(self._server.seen) if seen.path == path]

    @property
    def connections(self) -> int:
        """How many connections the server has accepted so far: a test compares a client's
        count of the connections it opened with this one."""
        return self._server.accepted

    def held(self, path: str) -> int:
        """How many requests for `path` (with its query) the server is holding open right now:
        a test waits on this instead of guessing how long a client takes to get there."""
        return self._server.held(path)

    def start(self) -> DemoServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name="fetchtui-demo-server", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.1)
        finally:
            self._server.stopping.set()
            self._server.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def demo_list(base: str) -> str:
    """A list that shows the point of a thread pool: slow requests that overlap, a few faults."""
    return "\n".join([
        # two short lines: the editor at 80 columns shows each whole
        "# fetchtui demo: 200 requests of ~100 ms",
        "# one thread needs ~20 s, ten need ~2 s",
        f"{base}/delay/100 x160",
        f"{base}/delay/250 x20",
        f"{base}/bytes/65536 x10",
        f"{base}/status/404 x4",
        f"{base}/status/503 x4",
        f"{base}/redirect/3 x2",
    ]) + "\n"

