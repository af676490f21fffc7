"""What a field of a written type holds beyond its Python type (JSON name, range), and writing one.

The summary and the export are declared once, as frozen dataclasses (core/report/summary.py,
core/report/export_doc.py). `to_doc` writes them by their fields' metadata alone, no type read, so
a run that records its summary loads nothing more; core/report/codec.py reads them back (every
value held to core/report/stored.py's rule) and describes them as a JSON Schema, loaded only when
a run is read or exported.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any, cast

#: A count, a byte total, an id: JSON's exact integers (core/report/stored.py's MAX_COUNT).
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
         doc: str = "", was: str = "") -> dict[str, Any]:
    """A field's metadata for the codec.

    name: its key in JSON when not its attribute's; low/high: its numbers' range (else 0 to
    MAX_COUNT for an int, 0 to MAX_FIGURE for a float); keys: a tuple of tuples written as
    objects with these keys; skip: never written or read (a view's text); history: written
    only into a history row; doc: the schema's description; was: its key in documents written
    before it was renamed, read when its own is absent.
    """
    meta: dict[str, Any] = {}
    for key, value in (("name", name), ("low", low), ("high", high), ("keys", keys), ("doc", doc),
                       ("was", was)):
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


_SCALARS = frozenset((int, float, str, bool, type(None)))


@functools.cache
def _written(cls: type) -> tuple[tuple[str, str, bool, tuple[str, ...] | None], ...]:
    """(attribute, JSON name, history only, keys) of each field a type writes, in order."""
    return tuple((f.name, f.metadata.get("name", f.name), bool(f.metadata.get("history")),
                  f.metadata.get("keys")) for f in dataclasses.fields(cls) if not f.metadata.get("skip"))


def to_doc(value: Any, *, history: bool = False) -> Any:
    """`value` as JSON's objects: a declared type an object of its fields (in order), a mapping
    an object, a tuple a list; `history` writes the fields only a history row holds too."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:  # of one declared type: its first item says which
        first = type(value[0]) if value else None
        if first in _SCALARS:
            return list(value)
        if first is tuple and all(type(cell) in _SCALARS for cell in value[0]):
            return [list(pair) for pair in value]  # a history row's sample: 2,000 pairs of numbers
        return [to_doc(item, history=history) for item in value]
    if kind is dict:
        return {key: to_doc(item, history=history) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for attr, name, only_history, keys in _written(cast(type, kind)):
            if only_history and not history:
                continue
            item = getattr(value, attr)
            out[name] = ([dict(zip(keys, row, strict=True)) for row in item] if keys
                         else to_doc(item, history=history))
        return out
    if isinstance(value, Mapping):
        return {key: to_doc(item, history=history) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_doc(item, history=history) for item in value]
    return value
