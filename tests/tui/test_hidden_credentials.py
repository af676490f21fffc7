"""The URL editor never shows a password, and a run from it still sends the real one.

Driven by Pilot against the demo server, which records the headers each request brought.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

from textual.widgets import Static, TextArea

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.replay import Recording
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.credentials import HiddenCredentials, lost_lines, reveal

from ..waiting import pilot_until

SIZE = (160, 48)


def basic(userinfo: str) -> str:
    return "Basic " + base64.b64encode(userinfo.encode()).decode()


def sent_auth(server: DemoServer, path: str) -> list[str | None]:
    return [dict(seen.headers).get("Authorization") for seen in server.seen(path)]


def on_screen(app: FetchApp) -> str:
    """Everything the app draws, as text (the SVG a screenshot would be)."""
    return app.export_screenshot()


def errors_shown(app: FetchApp) -> str:
    return str(app.query_one("#url-errors", Static).render())


def ended(app: FetchApp, runs: int = 1) -> bool:
    return app.stats is not None and app.stats.ended and len(app.history.runs) == runs


async def test_a_listed_password_is_masked_in_the_editor_and_still_sent(server: DemoServer) -> None:
    path = "/delay/0?test=hidden-listed"
    secret_url = server.url.replace("http://", "http://alice:S3cr3t@") + path
    app = FetchApp(f"{secret_url} x2\n", RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        urls = app.query_one("#urls", TextArea)
        assert "S3cr3t" not in urls.text and "S3cr3t" not in on_screen(app)
        assert urls.text.startswith(server.url.replace("http://", "http://alice:***@") + path)
        # edit the line's count and add another line: the password goes on being sent
        await pilot.click("#urls")
        urls.move_cursor((0, len(urls.document[0])))
        await pilot.press("backspace", "3", "down", *f"{server.url}/delay/0?test=hidden-other")
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: ended(app), "the run to end")
        assert app.stats is not None and app.stats.ok == 4, errors_shown(app)
        assert sent_auth(server, path) == [basic("alice:S3cr3t")] * 3
        assert sent_auth(server, "/delay/0?test=hidden-other") == [None]
        assert "S3cr3t" not in urls.text and "S3cr3t" not in on_screen(app)


async def test_a_typed_password_is_masked_once_the_list_runs_and_undo_does_not_bring_it_back(
        server: DemoServer) -> None:
    path = "/delay/0?test=hidden-typed"
    typed = server.url.replace("http://", "http://bob:Typ3d@") + path
    token_path = "/delay/0?test=hidden-token"
    token = server.url.replace("http://", "http://T0KEN@") + token_path
    # httpx: requests sends no Authorization for a user info with no colon (a token alone)
    app = FetchApp("", RunConfig(workers=1, client="httpx"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        urls = app.query_one("#urls", TextArea)
        await pilot.click("#urls")
        await pilot.press(*typed, "enter", *token)
        assert "Typ3d" in urls.text  # while it is typed, it is seen: the user checks what was typed
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: ended(app), "the run to end")
        assert sent_auth(server, path) == [basic("bob:Typ3d")]
        assert sent_auth(server, token_path) == [basic("T0KEN:")]
        shown = urls.text
        assert "bob:***@" in shown and "//***@" in shown
        assert not [secret for secret in ("Typ3d", "T0KEN") if secret in shown + on_screen(app)]
        urls.focus()
        await pilot.press("ctrl+z", "ctrl+z")  # the typing is not undone back into the editor
        assert "Typ3d" not in urls.text and "T0KEN" not in urls.text
        # run again from the masked text: the same credentials go
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: ended(app, 2), "the second run to end")
        assert sent_auth(server, path) == [basic("bob:Typ3d")] * 2
        assert sent_auth(server, token_path) == [basic("T0KEN:")] * 2


async def test_a_lines_secret_header_is_masked_in_the_editor_and_still_sent(server: DemoServer) -> None:
    path = "/delay/0?test=hidden-header"
    app = FetchApp(f"{server.url}{path} -H 'Authorization: Bearer S3cr3t' -H 'X-Trace: 42' x2",
                   RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        urls = app.query_one("#urls", TextArea)
        assert urls.text == f"{server.url}{path} -H 'Authorization: ***' -H 'X-Trace: 42' x2"
        urls.text = urls.text.replace("x2", "x3")  # an edit of the line keeps the value
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: ended(app), "the run to end")
        assert sent_auth(server, path) == ["Bearer S3cr3t"] * 3
        assert "S3cr3t" not in on_screen(app)
        # the line pointed at another host: the value is not sent there, the line is refused
        urls.text = urls.text.replace("127.0.0.1", "localhost")
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: "its Authorization value is hidden (***)" in errors_shown(app),
                          "the moved line refused")
        assert len(app.history.runs) == 1


async def test_a_masked_password_is_never_sent_to_another_host_nor_as_stars(server: DemoServer) -> None:
    path = "/delay/0?test=hidden-moved"
    app = FetchApp(server.url.replace("http://", "http://alice:S3cr3t@") + path, RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        urls = app.query_one("#urls", TextArea)
        moved = urls.text.replace("127.0.0.1", "localhost")  # the masked line pointed elsewhere
        urls.text = moved
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: "line 1: its password is hidden (***)" in errors_shown(app),
                          "the moved line refused")
        assert app.stats is None and server.seen(path) == []


async def test_a_raw_at_in_a_password_is_a_numbered_bad_line_in_the_editor() -> None:
    app = FetchApp("http://127.0.0.1:9/ok\nhttp://carol:at@in@pw@127.0.0.1:9/", RunConfig(workers=1))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot_until(pilot, lambda: "line 2:" in errors_shown(app), "the bad line shown")
        shown = errors_shown(app)
        assert "percent-encode it (%40)" in shown
        assert "in@pw" not in shown + on_screen(app) and "at@in" not in on_screen(app)


def test_hiding_keeps_each_password_apart_and_forgets_what_the_text_dropped() -> None:
    hidden = HiddenCredentials()
    text = ("http://alice:one@h.example/a x2\nhttp://alice:two@h.example/b\n"
            "https://alice:one@h.example/c\nhttp://TOKEN@t.example/ -H 'X-Id: 1'\nhttp://plain.example/\n")
    shown = hidden.hide(text)
    assert shown == ("http://alice:***@h.example/a x2\nhttp://alice:***2@h.example/b\n"
                     "https://alice:***@h.example/c\nhttp://***@t.example/ -H 'X-Id: 1'\n"
                     "http://plain.example/\n")
    assert reveal(shown, hidden.real) == text and lost_lines(shown, hidden.real) == []
    assert hidden.hide(shown) == shown and reveal(shown, hidden.real) == text  # idempotent
    kept = hidden.real
    assert hidden.hide("http://plain.example/\n") == "http://plain.example/\n"
    assert hidden.real == {} and kept  # what was made is not changed: a parse may be reading it
    assert [e.line for e in lost_lines("x\nhttp://alice:***@h.example/a\n", hidden.real)] == [2]


def test_header_values_are_hidden_by_host_and_name() -> None:
    hidden = HiddenCredentials()
    text = ("http://a.example/1 -H 'Authorization: Bearer one' -H Cookie:c -H 'Accept: */*'\n"
            "http://a.example/2 -H 'Authorization: Bearer two'\n"
            "http://u:p@b.example/3 -H \"X-Api-Key: k\" -H 'Authorization: Bearer one'\n")
    shown = hidden.hide(text)
    assert shown == ("http://a.example/1 -H 'Authorization: ***' -H Cookie:*** -H 'Accept: */*'\n"
                     "http://a.example/2 -H 'Authorization: ***2'\n"
                     "http://u:***@b.example/3 -H \"X-Api-Key: ***\" -H 'Authorization: ***'\n")
    assert reveal(shown, hidden.real) == text and hidden.hide(shown) == shown
    moved = shown.replace("b.example", "c.example")
    assert [e.line for e in lost_lines(moved, hidden.real)] == [3]


async def test_an_export_of_a_list_with_a_password_opens_and_plays(
        server: DemoServer, tmp_path: Path) -> None:
    # the export holds `alice:***@`: the replay sends nothing, so no bad line stops it
    out = tmp_path / "run.json"
    url = server.url.replace("http://", "http://alice:S3cr3t@") + "/delay/0?test=hidden-export"
    ran = subprocess.run([sys.executable, "-m", "fetchtui", "run", "--no-history", f"{url} x3",
                          "--json", str(out)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    app = FetchApp.replaying(Recording.load(out), str(out))
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the replay to end")
        assert app.stats is not None and app.stats.ok == 3
        assert "alice:***@" in app.query_one("#urls", TextArea).text
