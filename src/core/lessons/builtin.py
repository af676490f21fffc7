"""The lessons that ship in the package (builtin/NAME.LANG.md), and the language to read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources

from fetchtui.core.lessons.format import LANGS, Lesson, parse_lesson

#: The built-in lessons by name; each is a file per language.
BUILTIN = ("threads",)
DEFAULT = "threads"


def lang_of(given: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """`given` (--lang); else the locale's, as LC_ALL, LC_MESSAGES and LANG say in that
    order (`ko*` is Korean, anything else English); else English."""
    if given is not None:
        return given
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:  # the first one set decides, as the C library reads them
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def builtin_text(name: str, lang: str) -> str:
    """The Markdown of a built-in lesson in `lang` (KeyError: no such lesson)."""
    if name not in BUILTIN or lang not in LANGS:
        raise KeyError(name)
    return (resources.files("fetchtui.core.lessons") / "builtin" / f"{name}.{lang}.md").read_text("utf-8")


def builtin(name: str, lang: str) -> Lesson:
    """A built-in lesson, parsed, in `lang`."""
    return parse_lesson(builtin_text(name, lang), f"{name}.{lang}.md (built in)", lang)
