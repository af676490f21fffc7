"""The sampler child's stdout: one READY byte once it samples, then frames, each a kind byte,
a 4-byte length and the bytes (ChildWatch reads them)."""

from __future__ import annotations

from typing import BinaryIO

READY = b"R"  # a child's first byte: it is sampling
TOTALS = b"T"  # a frame of its totals so far (JSON)
TIMELINE = b"L"  # its last frame: the timeline
TICKS = b"K"  # a live frame of the timeline's rows since the last (a timeline of its own)


def write_frame(out: BinaryIO, kind: bytes, data: bytes) -> None:
    """One frame, flushed: the reader draws it as soon as it comes."""
    out.write(kind + len(data).to_bytes(4, "little") + data)
    out.flush()
