"""The JSON codec of the declared types (summary, export), made from their fields: write, read, describe.

A declaration says a field's type and, through core/shape.py's metadata, its JSON name and
range. From that alone this module writes a value (`to_doc`: the objects json.dumps takes),
reads one back (`from_doc`: every value held to core/stored.py's rule, an absent field its
default, so an export written before a figure existed opens), and describes the type as a
JSON Schema (`schema`). It is loaded only when a run is written or read: `--help` never
imports it.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from fetchtui.core import shape, stored
from fetchtui.core.textsafe import safe_text

T = TypeVar("T")
_MISSING = dataclasses.MISSING
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    """One field of a declared type, as the codec reads it."""

    attr: str
    name: str  # its key in JSON
    meta: Mapping[str, Any]
    hint: Any  # its type, resolved (None: not yet, only writing needs no type)
    required: bool  # no default: a document without it is refused


@functools.cache
def _fields(cls: type, typed: bool = True) -> tuple[_Field, ...]:
    """The fields a type writes and reads (not those marked skip), in declaration order."""
    hints = typing.get_type_hints(cls) if typed else {}
    return tuple(_Field(f.name, f.metadata.get("name", f.name), f.metadata, hints.get(f.name),
                        f.default is _MISSING and f.default_factory is _MISSING)
                 for f in dataclasses.fields(cls) if not f.metadata.get("skip"))


# -- writing ------------------------------------------------------------------------------


def to_doc(value: Any, *, history: bool = False) -> Any:
    """`value` as JSON's objects: a declared type an object of its fields (in order), a mapping
    an object, a tuple a list; `history` writes the fields only a history row holds too."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in _fields(type(value), typed=False):
            if f.meta.get("history") and not history:
                continue
            item = getattr(value, f.attr)
            keys = f.meta.get("keys")
            out[f.name] = ([dict(zip(keys, row, strict=True)) for row in item] if keys
                           else to_doc(item, history=history))
        return out
    if isinstance(value, Mapping):
        return {key: to_doc(item, history=history) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_doc(item, history=history) for item in value]
    return value


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


def _at(what: str, name: str) -> str:
    return f"{what}.{name}" if what else name


def from_doc(cls: type[T], doc: object, what: str = "") -> T:
    """A `cls` read from a JSON object; stored.Invalid, naming the field, for a value that is
    not what fetchtui writes. Null or absent reads as an empty object (every field's default)."""
    values = stored.obj(doc, what or cls.__name__)
    kwargs: dict[str, Any] = {}
    for f in _fields(typing.cast(type, cls)):
        where = _at(what, f.name)
        if f.name not in values:
            if f.required:
                raise stored.Invalid(f"{where} is missing")
            continue
        kwargs[f.attr] = _read(f.hint, values[f.name], where, f.meta)
    return cls(**kwargs)


def _optional_of(hint: Any) -> Any:
    """X for `X | None`, else None."""
    if get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(rest) == 1 and len(get_args(hint)) == 2:
            return rest[0]
    return None


def _read(hint: Any, value: object, what: str, meta: Mapping[str, Any]) -> Any:
    """One value of the declared type `hint`, checked by stored.py's rule and the field's range."""
    inner = _optional_of(hint)
    if inner is not None:
        if value is None or (not value and dataclasses.is_dataclass(inner)):
            return None  # an empty object: a writer that did not have the figure
        return _read(inner, value, what, meta)
    origin = get_origin(hint)
    if hint is bool:
        return stored.flag(value, what)
    if hint is int:
        return stored.whole(value, what, int(meta.get("high", shape.MAX_COUNT)), int(meta.get("low", 0)))
    if hint is float:
        return stored.number(value, what, meta.get("high", shape.MAX_FIGURE), meta.get("low", 0.0))
    if hint is str:
        return stored.text(value, what)
    if origin is Literal:
        choices = get_args(hint)
        if all(isinstance(choice, str) for choice in choices):  # a name: read as text, as it was
            return stored.text(value, what)
        if value not in choices or type(value) is bool:
            raise stored.Invalid(f"{what} must be one of {list(choices)}, got {stored.shown(value)}")
        return value
    if dataclasses.is_dataclass(hint):
        return from_doc(typing.cast(type, hint), value, what)
    if origin in (Mapping, dict):
        _, of = get_args(hint)
        return {stored.text(key, f"a name in {what}"): _read(of, item, f"{what}[{safe_text(key, 40)}]", {})
                for key, item in stored.obj(value, what).items()}
    if origin is tuple:
        return _tuple(get_args(hint), value, what, meta)
    if hint is Any:
        return value
    raise TypeError(f"the codec has no rule for {hint!r} ({what})")


def _tuple(args: tuple[Any, ...], value: object, what: str, meta: Mapping[str, Any]) -> tuple[Any, ...]:
    if len(args) == 2 and args[1] is Ellipsis:
        rows = stored.items(value, what)
        keys = meta.get("keys")
        if keys:  # a tuple of tuples written as objects: each object's values, in key order
            parts = get_args(args[0])
            out = []
            for i, row in enumerate(rows):
                fields = stored.obj(row, f"{what}[{i}]")
                missing = [key for key in keys if key not in fields]
                if missing:
                    raise stored.Invalid(f"{what}[{i}].{missing[0]} is missing")
                out.append(tuple(_read(part, fields[key], f"{what}[{i}].{key}", meta)
                                 for part, key in zip(parts, keys, strict=True)))
            return tuple(out)
        return tuple(_read(args[0], row, f"{what}[{i}]", meta) for i, row in enumerate(rows))
    cells = stored.items(value, what)
    if len(cells) != len(args):
        raise stored.Invalid(f"{what} must be a list of {len(args)} values, got {len(cells)} of them")
    return tuple(_read(part, cell, f"{what}[{i}]", meta)
                 for i, (part, cell) in enumerate(zip(args, cells, strict=True)))


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
