"""What a field of a written type holds beyond its Python type: its JSON name, its range, when it is written.

The summary and the export are declared once, as frozen dataclasses (core/summary.py,
core/export_doc.py). core/codec.py reads these declarations to write them, read them back
(every value held to core/stored.py's rule) and describe them as a JSON Schema. This module
is what a declaration needs of it, and imports nothing: the codec is loaded only when a run
is written or read.
"""

from __future__ import annotations

from typing import Any

#: A count, a byte total, an id: JSON's exact integers (core/stored.py's MAX_COUNT).
MAX_COUNT = 2**53
#: A time in seconds (~31 years): its nanoseconds still fit in 64 bits.
MAX_SECONDS = 1e9
MAX_MS = MAX_SECONDS * 1000
#: Any other figure (a rate, a share): far beyond a real one, short of an overflow.
MAX_FIGURE = 1e15
#: A thread ident, a native id, a pid: what a platform's unsigned word holds.
MAX_IDENT = 2**64 - 1


def spec(*, name: str | None = None, low: float | None = None, high: float | None = None,
         keys: tuple[str, ...] | None = None, skip: bool = False, history: bool = False,
         doc: str = "") -> dict[str, Any]:
    """A field's metadata for the codec.

    name: its key in JSON when not its attribute's; low/high: its numbers' range (else 0 to
    MAX_COUNT for an int, 0 to MAX_FIGURE for a float); keys: a tuple of tuples written as
    objects with these keys; skip: never written or read (a view's text); history: written
    only into a history row; doc: the schema's description.
    """
    meta: dict[str, Any] = {}
    for key, value in (("name", name), ("low", low), ("high", high), ("keys", keys), ("doc", doc)):
        if value:
            meta[key] = value
    if low == 0:
        meta["low"] = 0
    if skip:
        meta["skip"] = True
    if history:
        meta["history"] = True
    return meta


def seconds(doc: str = "", **more: Any) -> dict[str, Any]:
    return spec(high=MAX_SECONDS, doc=doc, **more)


def ms(doc: str = "", **more: Any) -> dict[str, Any]:
    return spec(high=MAX_MS, doc=doc, **more)


def ident(doc: str = "", **more: Any) -> dict[str, Any]:
    return spec(high=MAX_IDENT, doc=doc, **more)
