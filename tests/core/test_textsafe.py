"""Text from the network or the user never reaches the terminal raw."""

from __future__ import annotations

import subprocess
import sys

from fetchtui.core.input.textsafe import safe_text


def test_control_sequences_are_made_visible() -> None:
    hostile = "a\x1b[2Jb\x1b]0;owned\x07c\x9b31md\u202eevil\r\n\x00"
    shown = safe_text(hostile)
    assert shown == "a\\x1b[2Jb\\x1b]0;owned\\x07c\\x9b31md\\u202eevil\\x0d\\x0a\\x00"
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in shown)


def test_markup_wide_and_right_to_left_text_pass_through_unchanged() -> None:
    text = "[bold red]x[/] [link=http://evil]y[/link] 日本語 عربي"
    assert safe_text(text) == text


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert safe_text("x" * 8192, 100) == "x" * 99 + "…"


def test_trace_and_summary_of_hostile_urls_stay_inert(base: str) -> None:
    urls = [
        f"{base}/status/404?q=[red]x[/]",
        f"{base}/status/404/\u202eevil\x9b2J",
        f"{base}/status/404/日本語/عربي",
        f"{base}/status/404/" + "a" * 8192,
    ]
    result = subprocess.run([sys.executable, "-m", "fetchtui", "run", *urls, "--trace"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "?q=[red]x[/]" in out  # markup shown literally
    assert "\\u202eevil\\x9b2J" in out and "\u202e" not in out and "\x9b" not in out
    assert "日本語/عربي" in out
    assert "a" * 8192 in out  # long URLs are traced whole
    assert "ok 0, failed 4" in out
