"""Make text from the network or the user safe to show: no raw control characters."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (which include CSI), bidi overrides that can reorder
# what a terminal shows, and lone surrogates (a non-UTF-8 byte of an argument, which no
# stream can encode).
# A pattern that re compiles on first use: text that is printable ASCII (most) never needs it.
_UNSAFE = r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
#: What the URL editor shows for a control character: its Unicode "control picture", one cell wide.
_PICTURES = {code: chr(0x2400 + code) for code in range(32)} | {0x7F: "\u2421"}


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte it could not decode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """`text` with C0 controls and DEL as their control pictures (␛ for ESC), newlines kept:
    the same length, so an editor's cursor and columns still line up."""
    return "".join(_PICTURES[ord(ch)] if ch != "\n" and ord(ch) in _PICTURES else ch for ch in text) \
        if any((ord(ch) < 32 and ch != "\n") or ord(ch) == 127 for ch in text) else text


def safe_text(text: str, limit: int | None = None) -> str:
    """Return `text` with control characters made visible, cut to `limit` characters."""
    cleaned = text if text.isascii() and text.isprintable() else re.sub(_UNSAFE, _escape, text)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1] + "…"
    return cleaned
