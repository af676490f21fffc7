"""What fetchtui reads back from a file (an export, a history row): one rule for what it may hold.

A file is data, whoever wrote it: JSON (a UTF-8 byte order mark allowed), nested no deeper
than the parser's own bound, every number finite and in the range its field allows, every
text made safe to show by the rule network text follows (textsafe.safe_text). A reader takes
each field through the accessors below, so a crafted file is refused with a message that
names the field, never carried on to overflow an array or print an escape sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from fetchtui.core.input.textsafe import safe_text

# the ranges a field may hold, declared with the types and read here too
from fetchtui.core.report.shape import MAX_COUNT as MAX_COUNT
from fetchtui.core.report.shape import MAX_FIGURE as MAX_FIGURE
from fetchtui.core.report.shape import MAX_IDENT as MAX_IDENT
from fetchtui.core.report.shape import MAX_MS as MAX_MS
from fetchtui.core.report.shape import MAX_SECONDS as MAX_SECONDS

T = TypeVar("T")

class Invalid(ValueError):
    """A document that is not what fetchtui writes; the message says which field and why."""


def _no_constant(name: str) -> float:
    raise Invalid(f"it holds {name}, which is not JSON")


def parse(text: object) -> Any:
    """The JSON document in `text` (bytes: UTF-8, with or without a byte order mark)."""
    if not isinstance(text, (str, bytes)):
        raise Invalid(f"it is not JSON text, but {shown(text)}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid(f"it is not UTF-8 text (byte {exc.start})") from None
    import json  # here: `fetchtui run URL` loads this module with the summary, never a file

    try:
        return json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constant)
    except RecursionError:  # the C parser's own depth bound: no fetchtui file nests so deep
        raise Invalid("it nests deeper than any fetchtui file") from None
    except json.JSONDecodeError as exc:
        raise Invalid(f"it is not JSON ({exc})") from None
    except Invalid:
        raise
    except ValueError as exc:  # a number of more digits than Python converts
        raise Invalid(f"it is not JSON ({safe_text(str(exc), 80)})") from None


def read(path: str | Path) -> Any:
    """The JSON document in the file at `path`; OSError when it cannot be read."""
    return parse(Path(path).expanduser().read_bytes())


def shown(value: object) -> str:
    """A value as a message quotes it: a container by its kind (it may nest deep), else cut."""
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    return safe_text(repr(value), 40)


def whole(value: object, what: str, high: int = MAX_COUNT, low: int = 0) -> int:
    """A whole number from `low` to `high` (not a bool, a float or a text of digits)."""
    if type(value) is not int or not low <= value <= high:
        raise Invalid(f"{what} must be a whole number from {low} to {high}, got {shown(value)}")
    return value


def number(value: object, what: str, high: float = MAX_FIGURE, low: float = 0.0) -> float:
    """A finite number from `low` to `high`."""
    if type(value) not in (int, float) or not low <= cast(float, value) <= high:  # NaN: false
        raise Invalid(f"{what} must be a number from {low:g} to {high:g}, got {shown(value)}")
    return float(cast(float, value))


def text(value: object, what: str) -> str:
    """A text, its control characters made visible."""
    if type(value) is not str:
        raise Invalid(f"{what} must be text, got {shown(value)}")
    return safe_text(value)


def flag(value: object, what: str) -> bool:
    if type(value) is not bool:
        raise Invalid(f"{what} must be true or false, got {shown(value)}")
    return value


def obj(value: object, what: str) -> Mapping[str, Any]:
    """An object; null or absent reads as an empty one (a figure a writer did not have)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be an object, got {shown(value)}")
    return value


def items(value: object, what: str) -> list[Any]:
    """A list; null or absent reads as an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"{what} must be a list, got {shown(value)}")
    return value


def counts(value: object, what: str) -> dict[str, int]:
    """An object of counts by name (`{"200": 12}`): safe names, whole counts."""
    return {text(k, f"a name in {what}"): whole(v, f"{what}[{safe_text(k, 40)}]")
            for k, v in obj(value, what).items()}


def seconds(value: object, what: str) -> float:
    return number(value, what, MAX_SECONDS)


def ms(value: object, what: str) -> float:
    return number(value, what, MAX_MS)


def optional(read: Callable[[object, str], T], value: object, what: str) -> T | None:
    """`read(value, what)`, or None when the value is null."""
    return None if value is None else read(value, what)
