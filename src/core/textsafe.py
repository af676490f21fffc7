"""Make text from the network or the user safe to show: no raw control characters."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (which include CSI), plus bidi overrides that can
# reorder what a terminal shows.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str, limit: int | None = None) -> str:
    """Return `text` with control characters made visible, cut to `limit` characters."""
    cleaned = _UNSAFE.sub(_escape, text)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: limit - 1] + "…"
    return cleaned
