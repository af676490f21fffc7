"""The JSON codec of the declared types (summary, export), made from their fields: write, read, describe.

A declaration says a field's type and, through core/report/shape.py's metadata, its JSON name and
range. From that alone this module reads a value back (`from_doc`: every value held to
core/report/stored.py's rule, an absent field its default, so an export written before a figure
existed opens), writes an export's request rows (`row_encoder`, generated from RequestRow)
and describes a type as a JSON Schema (`schema`); `to_doc` (core/report/shape.py) writes the
objects json.dumps takes. It is loaded only when a run is exported or read: `--help` and a
run that only records its summary never import it.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.report import shape, stored
from fetchtui.core.report.shape import to_doc as to_doc

T = TypeVar("T")
_MISSING = dataclasses.MISSING
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Field:
    """One field of a declared type, as the codec reads it (a plain class: no dataclass to make
    as the codec loads, at the end of a run that records its summary)."""

    __slots__ = ("attr", "hint", "meta", "name", "required")

    def __init__(self, attr: str, name: str, meta: Mapping[str, Any], hint: Any, required: bool) -> None:
        self.attr = attr
        self.name = name  # its key in JSON
        self.meta = meta
        self.hint = hint  # its type, resolved (None: only writing, which needs no type)
        self.required = required  # no default: a document without it is refused


@functools.cache
def _fields(cls: type) -> tuple[_Field, ...]:
    """The fields a type writes and reads (not those marked skip), in declaration order."""
    hints = typing.get_type_hints(cls)
    return tuple(_Field(f.name, f.metadata.get("name", f.name), f.metadata, hints.get(f.name),
                        f.default is _MISSING and f.default_factory is _MISSING)
                 for f in dataclasses.fields(cls) if not f.metadata.get("skip"))


# -- writing (a declared type's object: core/report/shape.py's to_doc, which needs no type read) ---


@functools.cache
def row_encoder(cls: type) -> Callable[[tuple[Any, ...]], str]:
    """A function from a row of `cls`'s values (in field order) to the text json.dumps makes of
    its object (`{"id": 0, "url": ...}`, ensure_ascii off), made once from the declaration as
    one f-string: a million rows pay no dict and no encoder call a field."""
    import json

    text = json.JSONEncoder(ensure_ascii=False).encode
    literals: dict[str, str] = {}  # a Literal's names, encoded once
    cells = []
    for n, f in enumerate(_fields(cls)):
        hint = _optional_of(f.hint) or f.hint
        value = f"v{n}"
        if hint is bool:
            cell = f'("true" if {value} else "false")'
        elif hint in (int, float):
            cell = value  # format() of an int or a float is the text json writes of it
        elif get_origin(hint) is Literal:
            literals.update((name, text(name)) for name in get_args(hint))
            cell = f"(_names.get({value}) or _text({value}))"
        else:
            cell = f"_text({value})"
        if f.hint is not hint:  # X | None
            cell = f'("null" if {value} is None else {cell})'
        cells.append(f'"{f.name}": {{{cell}}}')
    names = ", ".join(f"v{n}" for n in range(len(cells)))
    source = (f"def encode(row):\n    {names}, = row\n"
              f"    return f'{{{{{', '.join(cells)}}}}}'\n")
    space: dict[str, Any] = {"_text": text, "_names": literals}
    exec(compile(source, f"<row encoder of {cls.__name__}>", "exec"), space)
    encode: Callable[[tuple[Any, ...]], str] = space["encode"]
    return encode


# -- reading ------------------------------------------------------------------------------

#: A reader of one declared type: (value, what it is called in a message) -> the value, checked.
Reader = Callable[[object, str], Any]


def from_doc(cls: type[T], doc: object, what: str = "") -> T:
    """A `cls` read from a JSON object; stored.Invalid, naming the field, for a value that is
    not what fetchtui writes. Null or absent reads as an empty object (every field's default)."""
    value: T = _reader(typing.cast(Any, cls), None, None, None)(doc, what or cls.__name__)
    return value


def _optional_of(hint: Any) -> Any:
    """X for `X | None`, else None."""
    if get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(rest) == 1 and len(get_args(hint)) == 2:
            return rest[0]
    return None


def _field_reader(hint: Any, meta: Mapping[str, Any]) -> Reader:
    return _reader(hint, meta.get("low"), meta.get("high"), meta.get("keys"))


@functools.cache
def _reader(hint: Any, low: float | None, high: float | None, keys: tuple[str, ...] | None) -> Reader:
    """The reader of `hint` with a field's range (and keys, for a tuple of tuples written as
    objects), made once: reading a history file of many rows walks no type a value."""
    inner = _optional_of(hint)
    if inner is not None:
        of = _reader(inner, low, high, keys)
        empty_is_none = dataclasses.is_dataclass(inner)  # an empty object: a writer without the figure
        return lambda value, what: (None if value is None or (empty_is_none and not value)
                                    else of(value, what))
    origin = get_origin(hint)
    if hint is bool:
        return stored.flag
    if hint is int:
        return _whole(int(low or 0), int(high if high is not None else shape.MAX_COUNT))
    if hint is float:
        return _figure(float(low or 0), float(high if high is not None else shape.MAX_FIGURE))
    if hint is str:
        return stored.text
    if origin is Literal:
        return _literal(get_args(hint))
    if dataclasses.is_dataclass(hint):
        return _object_reader(typing.cast(type, hint))
    if origin in (Mapping, dict):
        return _mapping(_reader(get_args(hint)[1], None, None, None))
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            if keys:
                parts = tuple(_reader(part, low, high, None) for part in get_args(args[0]))
                return _many(_keyed(keys, parts))
            return _many(_reader(args[0], low, high, None))
        return _fixed(tuple(_reader(part, low, high, None) for part in args))
    if hint is Any:
        return lambda value, what: value
    raise TypeError(f"the codec has no rule for {hint!r}")


def _whole(low: int, high: int) -> Reader:
    def read(value: object, what: str) -> int:
        if type(value) is int and low <= value <= high:
            return value
        return stored.whole(value, what, high, low)  # which says why not
    return read


def _figure(low: float, high: float) -> Reader:
    def read(value: object, what: str) -> float:
        if (type(value) is float or type(value) is int) and low <= value <= high:
            return float(value)
        return stored.number(value, what, high, low)
    return read


def _literal(choices: tuple[Any, ...]) -> Reader:
    if all(isinstance(choice, str) for choice in choices):  # a name: read as text, as it always was
        return stored.text

    def read(value: object, what: str) -> Any:
        if value not in choices or type(value) is bool:
            raise stored.Invalid(f"{what} must be one of {list(choices)}, got {stored.shown(value)}")
        return value
    return read


def _object_reader(cls: type) -> Reader:
    plan = [(f.name, str(f.meta.get("was", "")), f.attr, f.required, _field_reader(f.hint, f.meta))
            for f in _fields(cls)]

    def read(value: object, what: str) -> Any:
        values = stored.obj(value, what)
        kwargs: dict[str, Any] = {}
        for name, was, attr, required, field_reader in plan:
            if was and name not in values and was in values:  # a document older than the field's name
                name = was
            where = f"{what}.{name}" if what else name
            if name in values:
                kwargs[attr] = field_reader(values[name], where)
            elif required:
                raise stored.Invalid(f"{where} is missing")
        return cls(**kwargs)
    return read


def _mapping(of: Reader) -> Reader:
    def read(value: object, what: str) -> dict[str, Any]:
        return {stored.text(key, f"a name in {what}"): of(item, f"{what}[{safe_text(key, 40)}]")
                for key, item in stored.obj(value, what).items()}
    return read


def _many(of: Reader) -> Reader:
    """A list of one type: each item read under its list's name, and only a bad one named by
    its place (read again so): a history row's sample is 2,000 items."""
    def read(value: object, what: str) -> tuple[Any, ...]:
        rows = stored.items(value, what)
        try:
            return tuple([of(row, what) for row in rows])
        except stored.Invalid:
            return tuple([of(row, f"{what}[{i}]") for i, row in enumerate(rows)])
    return read


def _fixed(parts: tuple[Reader, ...]) -> Reader:
    def read(value: object, what: str) -> tuple[Any, ...]:
        cells = stored.items(value, what)
        if len(cells) != len(parts):
            raise stored.Invalid(f"{what} must be a list of {len(parts)} values, got {len(cells)} of them")
        if len(parts) == 2:  # a pair (a sample's latency and CPU): no loop to set up
            return (parts[0](cells[0], what), parts[1](cells[1], what))
        return tuple([part(cell, what) for part, cell in zip(parts, cells, strict=True)])
    return read


def _keyed(keys: tuple[str, ...], parts: tuple[Reader, ...]) -> Reader:
    """A tuple written as an object with these keys (a resize: t_s, workers)."""
    def read(value: object, what: str) -> tuple[Any, ...]:
        fields = stored.obj(value, what)
        for key in keys:
            if key not in fields:
                raise stored.Invalid(f"{what}.{key} is missing")
        return tuple([part(fields[key], f"{what}.{key}") for part, key in zip(parts, keys, strict=True)])
    return read


# -- describing ---------------------------------------------------------------------------


def schema(cls: type, *, title: str, schema_id: str = "") -> dict[str, Any]:
    """The JSON Schema (2020-12) of `cls` as `to_doc` writes it: each declared type one entry
    of `$defs`, a field without a default required, other fields allowed (a later version's)."""
    defs: dict[str, Any] = {cls.__name__: {}}  # itself: the document, not an entry
    top = _object(cls, defs)
    del defs[cls.__name__]
    head: dict[str, Any] = {"$schema": SCHEMA_DIALECT}
    if schema_id:
        head["$id"] = schema_id
    return {**head, "title": title, **top, "$defs": dict(sorted(defs.items()))}


def _docline(cls: type) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in _fields(cls):
        if f.meta.get("history"):
            continue
        properties[f.name] = _describe(f.hint, f.meta, defs)
        if f.meta.get("doc"):
            properties[f.name] = {"description": f.meta["doc"], **properties[f.name]}
        if f.required:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "description": _docline(cls), "properties": properties}
    if required:
        out["required"] = required
    return out


def _number(kind: str, meta: Mapping[str, Any], high: float) -> dict[str, Any]:
    low = meta.get("low", 0)
    top = meta.get("high", high)
    if kind == "integer":
        return {"type": kind, "minimum": int(low), "maximum": int(top)}
    return {"type": kind, "minimum": low, "maximum": top}


def _describe(hint: Any, meta: Mapping[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    inner = _optional_of(hint)
    if inner is not None:
        return {"anyOf": [_describe(inner, meta, defs), {"type": "null"}]}
    origin = get_origin(hint)
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return _number("integer", meta, shape.MAX_COUNT)
    if hint is float:
        return _number("number", meta, shape.MAX_FIGURE)
    if hint is str:
        return {"type": "string"}
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if dataclasses.is_dataclass(hint):
        name = typing.cast(type, hint).__name__
        if name not in defs:
            defs[name] = {}  # taken before its fields are described: a type may nest itself
            defs[name] = _object(typing.cast(type, hint), defs)
        return {"$ref": f"#/$defs/{name}"}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": _describe(get_args(hint)[1], {}, defs)}
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            keys = meta.get("keys")
            if keys:
                parts = get_args(args[0])
                properties = {key: _describe(part, meta, defs) for key, part in zip(keys, parts, strict=True)}
                row = {"type": "object", "required": list(keys), "properties": properties}
                return {"type": "array", "items": row}
            return {"type": "array", "items": _describe(args[0], meta, defs)}
        return {"type": "array", "prefixItems": [_describe(part, meta, defs) for part in args],
                "minItems": len(args), "maxItems": len(args)}
    if hint is Any:
        return {}
    raise TypeError(f"the codec has no schema for {hint!r}")
