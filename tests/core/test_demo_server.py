"""The demo server: keep-alive, its endpoints, and what /echo gives back (its speed is bench/'s)."""

from __future__ import annotations

import http.client
import json

from fetchtui.core.demo.server import DemoServer


def test_delay_zero_answers_every_request_over_one_reused_connection(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    sockets = set()
    for _ in range(30):
        conn.request("GET", "/delay/0")
        response = conn.getresponse()
        assert response.read() == b"ok\n"
        sockets.add(id(conn.sock))
    conn.close()
    assert len(sockets) == 1  # the same keep-alive connection every time


def test_index_lists_the_endpoints(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/")
    body = conn.getresponse().read().decode()
    assert "/delay/<ms>" in body and "/redirect/<n>" in body


def test_custom_reason_phrase_is_sent_verbatim(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/reason?text=%5Bbold%20red%5Dx%5B/%5D")
    response = conn.getresponse()
    assert response.reason == "[bold red]x[/]"


def test_echo_returns_the_method_headers_and_body_it_received(server: DemoServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("PUT", "/echo?x=1", body=b'{"a": 1}',
                 headers={"Content-Type": "application/json", "X-Trace": "abc"})
    resp = conn.getresponse()
    echoed = json.loads(resp.read())
    conn.close()
    assert resp.status == 200 and resp.getheader("Content-Type") == "application/json"
    assert (echoed["method"], echoed["path"], echoed["body"]) == ("PUT", "/echo?x=1", '{"a": 1}')
    assert ["X-Trace", "abc"] in echoed["headers"]
