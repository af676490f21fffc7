"""curl's -X, -H and -d: on the command line for every request, or on a list line for its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.targets import RequestSpec, TargetsError, parse_targets
from fetchtui.core.registry import THREAD_CLIENTS

from .helpers import run_list


def test_a_line_carries_its_own_method_headers_body_and_repeat(tmp_path: Path) -> None:
    item = tmp_path / "item.json"
    item.write_bytes(b'{"id": 7}')
    text = (f"https://api.example/items -X PUT -H 'Content-Type: application/json' -d @{item} x3\n"
            "https://api.example/plain\n"
            "https://api.example/form -d 'a=1 b=2'\n")
    put, _, _, plain, form = parse_targets(text)
    assert put.spec == RequestSpec("PUT", (("Content-Type", "application/json"),), b'{"id": 7}')
    assert put.line == 1 and plain.spec == RequestSpec()
    assert form.spec.method == "POST" and form.spec.body == b"a=1 b=2"  # -d means POST, as in curl


def test_the_command_lines_spec_is_every_lines_unless_a_line_says() -> None:
    defaults = RequestSpec("POST", (("X-Run", "a"), ("Accept", "*/*")), b"{}")
    first, second = parse_targets("http://h.example/1\nhttp://h.example/2 -X GET -H 'X-Run: b'",
                                  defaults=defaults)
    assert first.spec == defaults
    assert second.spec.method == "GET" and dict(second.spec.headers) == {"X-Run": "b", "Accept": "*/*"}


@pytest.mark.parametrize(("line", "message"), [
    ("http://h.example -H nocolon", "-H takes 'Name: value', got 'nocolon'"),
    ("http://h.example -X 'BAD METHOD'", "-X takes a method such as POST"),
    ("http://h.example -Z 1", "unknown flag '-Z'"),
    ("http://h.example -d", "-d needs a value"),
    ("http://h.example -d @/no/such/file", "-d @/no/such/file: cannot read it"),
    ("http://h.example -H 'X: \"unclosed", "a quote is not closed"),
    ("http://h.example x0 -X POST", "repeat count must be at least 1"),
    ("http://h.example -H 'X-A: \u00e9'", "-H X-A: a header value must be ASCII text"),
    ("http://h.example -H 'X-A: \u2603'", "-H X-A: a header value must be ASCII text"),
    ("http://h.example -H '\u00c4: b'", "-H: '\u00c4' is not a header name"),
    ("http://h.example -H 'X(A): b'", "-H: 'X(A)' is not a header name"),
    ("http://h.example -H 'Cookie c00kie'", "-H takes 'Name: value', got 'Cookie ***'"),
    ("http://h.example -d @/dev/zero", "-d @/dev/zero: larger than 64 MiB, the most a body may be"),
])
def test_a_bad_flag_on_a_line_is_named_with_its_line(line: str, message: str) -> None:
    with pytest.raises(TargetsError) as caught:
        parse_targets(f"http://fine.example\n{line}")
    (error,) = caught.value.errors
    assert error.line == 2 and message in error.message, error.message


def test_a_lists_bodies_are_read_once_a_file_and_capped_in_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fetchtui.core.input import targets

    monkeypatch.setattr(targets, "MAX_LIST_BYTES", 1000)
    reads: list[str] = []

    def read(path: str) -> bytes:
        reads.append(path)
        return b"x" * 400

    text = "\n".join(f"http://h.example/{i} -d @{name}" for i, name in enumerate("aabbc"))
    with pytest.raises(TargetsError) as caught:
        parse_targets(text, read_file=read)
    (error,) = caught.value.errors
    assert error.line == 5 and "bodies from files come to more than" in error.message
    assert reads == ["a", "b", "c"]  # each file read once, however many lines send it
    assert len(parse_targets(text.rpartition("\n")[0], read_file=read)) == 4


def test_credentials_in_headers_are_masked_when_shown() -> None:
    (target,) = parse_targets("http://h.example -H 'Authorization: Bearer s3cret' "
                              "-H 'X-Api-Key: k3y' -H 'Cookie: id=c00kie' -H 'Accept: text/plain'")
    shown = " ".join(target.spec.shown_headers())
    assert "Authorization: ***" in shown and "X-Api-Key: ***" in shown and "Cookie: ***" in shown
    assert "Accept: text/plain" in shown
    assert not any(secret in shown for secret in ("s3cret", "k3y", "c00kie"))


@pytest.mark.parametrize("client", THREAD_CLIENTS)
def test_method_headers_and_body_reach_the_server(server: DemoServer, client: str) -> None:
    path = f"/delay/0?spec={client}"
    stats = run_list(f"{server.url}{path} -X PATCH -H 'X-Trace: 42' -H 'Content-Type: application/json'"
                     f" -d '{{\"n\": 1}}' x2\n{server.url}{path}-head -X HEAD", workers=1, client=client)
    assert stats.ok == 3, [r.error for r in stats.records if r]
    patched = server.seen(path)
    assert [s.method for s in patched] == ["PATCH", "PATCH"]
    assert all(dict(s.headers).get("X-Trace") == "42" and s.body == b'{"n": 1}' for s in patched)
    assert [s.method for s in server.seen(f"{path}-head")] == ["HEAD"]


def test_the_command_lines_flags_are_sent_and_their_secrets_never_shown(
        server: DemoServer, tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"hello": "world"}')
    path = "/status/201?cli=1"
    result = subprocess.run(
        [sys.executable, "-m", "fetchtui", "run", f"{server.url}{path} x2", "-X", "PUT",
         "-H", "Authorization: Bearer s3cret", "-d", f"@{body}", "--trace",
         "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = server.seen(path)
    assert [s.method for s in seen] == ["PUT", "PUT"]
    assert all(dict(s.headers)["Authorization"] == "Bearer s3cret" for s in seen)
    assert all(s.body == b'{"hello": "world"}' for s in seen)
    shown = [result.stdout, result.stderr, (tmp_path / "r.json").read_text(),
             (tmp_path / "r.csv").read_text()]
    assert not [text for text in shown if "s3cret" in text]


def test_a_bad_header_on_the_command_line_is_refused() -> None:
    result = subprocess.run([sys.executable, "-m", "fetchtui", "run", "http://127.0.0.1:9/", "-H", "oops"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "-H takes 'Name: value'" in result.stderr
    assert "Traceback" not in result.stderr
