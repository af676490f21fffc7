"""A hostile HTTP server on loopback: raw sockets, each request answered with exactly the bytes
its mode writes, however wrong, so every client is shown the same answer."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

HEAD_LIMIT = 1 << 20  # a request head bigger than this is not one a test sends
HOLD_LIMIT_S = 60.0  # a held answer lets go in the end


class Conn:
    """One accepted connection, as a mode sees it."""

    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server
        self.buffer = b""
        self.key: str | None = None  # the gate it last asked for

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_request(self) -> tuple[str, str] | None:
        """The next request's (method, target), its body read past; None when the client left."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > HEAD_LIMIT:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                       if line.lower().startswith("content-length:")), 0)
        while len(self.buffer) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        self.buffer = self.buffer[length:]
        return method, target


#: A mode writes its answer to one request; True keeps the connection open for the next.
Mode = Callable[[Conn, dict[str, str]], bool]


def head(status: str, *lines: str | bytes, length: int | None = 0) -> bytes:
    """A response head: the status line (`200 OK`), its header lines, a Content-Length."""
    parts = [f"HTTP/1.1 {status}".encode("latin-1")]
    parts += [line if isinstance(line, bytes) else line.encode("latin-1") for line in lines]
    if length is not None:
        parts.append(f"Content-Length: {length}".encode())
    return b"\r\n".join(parts) + b"\r\n\r\n"


def _interim(conn: Conn, q: dict[str, str]) -> bool:
    """`count` interim heads of status `code`, a pause of `delay_ms`, then the final answer
    `final` with a body naming it: a client that reads an interim head as the answer is seen."""
    interim = head(f"{q.get('code', '103')} Early Hints", "Link: </style.css>; rel=preload", length=None)
    conn.send(interim * int(q.get("count", "1")))
    if int(q.get("delay_ms", "0")):
        conn.server.stopping.wait(int(q["delay_ms"]) / 1000)
    final = q.get("final", "200")
    conn.send(head(f"{final} Final", length=len(final)) + final.encode())
    return True


def _cut_after_head(conn: Conn, q: dict[str, str]) -> bool:
    """A head promising a body (`length` bytes, `none`: no Content-Length; a `te`
    Transfer-Encoding if given), then `body` (none by default), then the close."""
    te = [f"Transfer-Encoding: {q['te']}"] if "te" in q else []
    length = int(q.get("length", "2")) if q.get("length") != "none" else None
    conn.send(head("200 OK", *te, length=length) + q.get("body", "").encode())
    return False


def _cut_in_head(conn: Conn, q: dict[str, str]) -> bool:
    """A head cut before its blank line: the status line and `lines` header lines (a
    Content-Length among them), then the close; `code` 302 makes it a cut redirect."""
    code = q.get("code", "200")
    fields = [b"Content-Length: 2", b"X-Filler: a"][: int(q.get("lines", "1"))]
    if code == "302":
        fields.insert(0, b"Location: /status?code=200")
    conn.send(b"\r\n".join([f"HTTP/1.1 {code} Cut".encode(), *fields]) + b"\r\n")
    return False


def _status(conn: Conn, q: dict[str, str]) -> bool:
    """A status line of exactly the given code (`000`, `099`: not an HTTP status)."""
    conn.send(head(f"{q['code']} Odd"))
    return True


def _redirect(conn: Conn, q: dict[str, str]) -> bool:
    """A 302 to `/redirect?left=N-1` while N > 0, then 200; `left=loop`: to itself forever."""
    left = q.get("left", "loop")
    if left != "loop" and int(left) <= 0:
        conn.send(head("200 OK", length=2) + b"ok")
    else:
        nxt = "loop" if left == "loop" else str(int(left) - 1)
        conn.send(head("302 Found", f"Location: /redirect?left={nxt}&via={q.get('via', '')}"))
    return True


MALFORMED = {
    "no-name": b": no name",
    "space-in-name": b"Bad Name: x",
    "non-ascii-name": "N\u00e4me: x".encode("latin-1"),
    "negative-length": b"Content-Length: -1",
}


def _malformed(conn: Conn, q: dict[str, str]) -> bool:
    """A head with one malformed header line (MALFORMED), the connection kept open after it."""
    line = MALFORMED[q["which"]]
    length = None if q["which"] == "negative-length" else 2
    conn.send(head("200 OK", line, b"X-After: 1", length=length) + b"ok")
    return True


def _headers(conn: Conn, q: dict[str, str]) -> bool:
    """`n` header lines, each `size` bytes long in all (name, ': ', value), Content-Length apart."""
    n, size, name = int(q["n"]), int(q.get("size", "0")), q.get("name", "X-H")
    lines = [f"{name}-{i}: " for i in range(n - 1)] if name == "X-H" else [f"{name}: " for _ in range(n - 1)]
    lines = [line + "v" * max(1, size - len(line)) for line in lines]
    conn.send(head("200 OK", *lines, length=2) + b"ok")  # Content-Length is the n-th line
    return True


def _long_reason(conn: Conn, q: dict[str, str]) -> bool:
    """A status line whose reason phrase is `size` bytes long."""
    conn.send(head("200 " + "R" * int(q["size"]), length=2) + b"ok")
    return True


def _trailers(conn: Conn, q: dict[str, str]) -> bool:
    """A chunked body of two bytes, then `n` trailer lines of `size` bytes each."""
    size = int(q.get("size", "12"))
    trailers = b"".join(f"X-T{i}: ".encode() + b"v" * max(1, size - 6 - len(str(i))) + b"\r\n"
                        for i in range(int(q["n"])))
    body = b"2\r\nok\r\n0\r\n" + trailers + b"\r\n"
    conn.send(head("200 OK", "Transfer-Encoding: chunked", length=None) + body)
    return True


def _gate(conn: Conn, q: dict[str, str]) -> bool:
    """Hold the request until the test opens its gate (HostileServer.open_gate(key)), or for
    `hold_ms`, then 200."""
    server, key = conn.server, q["key"]
    with server.lock:
        server.holding[key] += 1
        if conn.key != key:
            server.open_by_key[key] += 1
            if conn.key is not None:
                server.open_by_key[conn.key] -= 1
            conn.key = key
    server.gate(key).wait(min(HOLD_LIMIT_S, int(q.get("hold_ms", "60000")) / 1000))
    conn.send(head("200 OK", length=2) + b"ok")
    with server.lock:
        server.answered[key] += 1
    return True


MODES: dict[str, Mode] = {
    "interim": _interim, "cut-after-head": _cut_after_head, "cut-in-head": _cut_in_head,
    "status": _status, "redirect": _redirect,
    "malformed": _malformed, "headers": _headers, "long-reason": _long_reason, "trailers": _trailers,
    "gate": _gate,
}


class HostileServer:
    """Listens on 127.0.0.1; a request for `/<mode>?args` is answered by MODES[mode]."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.gates: dict[str, threading.Event] = {}
        self.requests: Counter[str] = Counter()  # target -> how many times it was asked for
        self.holding: Counter[str] = Counter()  # a gate's key -> requests it has held
        self.answered: Counter[str] = Counter()  # a gate's key -> requests answered once it opened
        self.open_by_key: Counter[str] = Counter()  # a gate's key -> connections open that last asked it
        self._conns: list[socket.socket] = []

    def start(self) -> HostileServer:
        threading.Thread(target=self._accept, name="hostile-accept", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            gates = list(self.gates.values())
        for gate in gates:
            gate.set()
        self.listener.close()
        with self.lock:
            conns = list(self._conns)
        for sock in conns:
            sock.close()

    def seen(self, target: str) -> int:
        with self.lock:
            return self.requests[target]

    def seen_like(self, part: str) -> int:
        """Requests whose target contains `part`."""
        with self.lock:
            return sum(count for target, count in self.requests.items() if part in target)

    def open_connections(self, key: str) -> int:
        """Connections open now whose last request was for the gate `key`."""
        with self.lock:
            return self.open_by_key[key]

    def gate(self, key: str) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(key, threading.Event())

    def open_gate(self, key: str) -> None:
        self.gate(key).set()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:  # the listener closed: the server stops
                return
            with self.lock:
                self._conns.append(sock)
            threading.Thread(target=self._serve, args=(sock,), name="hostile-conn", daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(HOLD_LIMIT_S)
        conn = Conn(sock, self)
        try:
            while not self.stopping.is_set():
                request = conn.read_request()
                if request is None:
                    return
                _, target = request
                with self.lock:
                    self.requests[target] += 1
                parts = urlsplit(target)
                mode = MODES.get(parts.path.strip("/"))
                if mode is None:
                    conn.send(head("404 Not Found"))
                    continue
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if not mode(conn, query):
                    return
        except OSError:  # the client went away mid-answer: its outcome is the test's business
            return
        finally:
            sock.close()
            with self.lock:
                if sock in self._conns:
                    self._conns.remove(sock)
                if conn.key is not None:
                    self.open_by_key[conn.key] -= 1
