"""A lesson file, parsed: Markdown whose `##` headings are steps, each with its run's settings
(a fenced `fetchtui` block of command-line flags), its code (a fenced `python` block) and text.

The settings are split here as a shell splits them (shlex); what they mean is the command
line's to say: the CLI's own run parser reads each step's words before anything runs.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

#: `{demo}` in a step's settings: the demo server's base URL, started for the lesson.
DEMO = "{demo}"
#: `{free-threaded}`: a free-threaded Python found here (as --python's value); a step that
#: names it is skipped, saying so, where none is.
FREE_THREADED = "{free-threaded}"
SETTINGS_INFO = "fetchtui"
CODE_INFO = "python"
LANGS = ("en", "ko")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class LessonError(ValueError):
    """A lesson that cannot be used: `origin`, the 1-based `line` and what is wrong there."""

    def __init__(self, origin: str, line: int, message: str) -> None:
        super().__init__(f"{origin}, line {line}: {message}")
        self.origin, self.line, self.message = origin, line, message


@dataclass(frozen=True, slots=True)
class Step:
    """One step: its heading, its Markdown text (the two fenced blocks taken out), its code,
    its settings as command-line words, and where each came from in the file."""

    title: str
    text: str
    code: str
    argv: tuple[str, ...]
    line: int  # the `##` heading's
    settings_line: int  # the settings block's first line
    argv_lines: tuple[int, ...]  # each word's line

    @property
    def needs_free_threaded(self) -> bool:
        return any(FREE_THREADED in word for word in self.argv)

    def line_of(self, message: str, words: Sequence[str] | None = None) -> int:
        """The line of the word a message names: quoted (`got 'abc'`), else the longest word
        in it (`argument -w/--workers`); else the settings block's first line. `words` are
        the settings as filled in, when the message was about those."""
        words = self.argv if words is None else words
        placed = list(zip(words, self.argv_lines, strict=True))
        for word, line in placed:
            if f"'{word}'" in message or f'"{word}"' in message:
                return line
        named = [(len(word), line) for word, line in placed if len(word) > 1 and word in message]
        return max(named)[1] if named else self.settings_line

    def words(self, demo: str, free_threaded: str | None = None) -> list[str]:
        """The settings with `{demo}` (and `{free-threaded}`, if one is given) filled in."""
        out = [word.replace(DEMO, demo.rstrip("/")) for word in self.argv]
        if free_threaded is not None:
            out = [word.replace(FREE_THREADED, free_threaded) for word in out]
        return out


@dataclass(frozen=True, slots=True)
class Lesson:
    """A lesson: its title (the `#` heading), its language, the text before the first step,
    and its steps in order."""

    title: str
    lang: str
    intro: str
    steps: tuple[Step, ...]
    origin: str


@dataclass
class _Draft:
    title: str
    line: int
    text: list[str]
    code: str | None = None
    argv: tuple[str, ...] | None = None
    argv_lines: tuple[int, ...] = ()
    settings_line: int = 0


def parse_lesson(text: str, origin: str = "<lesson>", lang: str | None = None) -> Lesson:
    """Parse a lesson's Markdown; LessonError names the first line that is wrong. `lang` is
    the language it is written in, when the caller knows (a built-in's file name says);
    else Korean if its steps hold Hangul, English if not."""
    title: str | None = None
    intro: list[str] = []
    drafts: list[_Draft] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line, number = lines[index], index + 1
        fence = _FENCE.match(line)
        if fence is not None:
            body, end = _fenced(lines, index, fence.group(1), origin)
            info = fence.group(2).lower()
            if drafts and info == SETTINGS_INFO:
                _settings(drafts[-1], body, number + 1, origin)
            elif drafts and info == CODE_INFO and drafts[-1].code is None:
                drafts[-1].code = "\n".join(body).strip("\n")
            else:
                (drafts[-1].text if drafts else intro).extend(lines[index:end + 1])
            index = end + 1
            continue
        if line.startswith("## "):
            drafts.append(_Draft(line[3:].strip(), number, []))
        elif line.startswith("# ") and title is None and not drafts:
            title = line[2:].strip()
        else:
            (drafts[-1].text if drafts else intro).append(line)
        index += 1
    if title is None or not title:
        raise LessonError(origin, 1, "a lesson begins with its title, a `# ` heading")
    if not drafts:
        raise LessonError(origin, len(lines) or 1, "a lesson has steps: a `## ` heading each")
    steps = tuple(_step(draft, origin) for draft in drafts)
    if lang is None:
        lang = "ko" if any(_HANGUL.search(s.title + s.text) for s in steps) else "en"
    return Lesson(title, lang, "\n".join(intro).strip("\n"), steps, origin)


def _fenced(lines: list[str], start: int, fence: str, origin: str) -> tuple[list[str], int]:
    """The lines inside the fence opened at `start`, and the closing fence's index."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for end in range(start + 1, len(lines)):
        if closing.match(lines[end]):
            return lines[start + 1:end], end
    raise LessonError(origin, start + 1, f"a fenced block opened with {fence} is never closed")


def _settings(draft: _Draft, body: list[str], first: int, origin: str) -> None:
    """A step's settings block: its words as a shell splits them, a line each kept."""
    if draft.argv is not None:
        raise LessonError(origin, first - 1, f"step {draft.title!r} has a second `{SETTINGS_INFO}` "
                                             "block: a step is one run")
    words: list[str] = []
    where: list[int] = []
    for offset, line in enumerate(body):
        try:
            split = shlex.split(line, comments=True)
        except ValueError as exc:  # an unclosed quote
            raise LessonError(origin, first + offset, f"the settings cannot be read: {exc}") from None
        words += split
        where += [first + offset] * len(split)
    if words[:1] == ["fetchtui"]:  # a command line pasted whole: its flags are the settings
        cut = 2 if words[1:2] == ["run"] else 1
        words, where = words[cut:], where[cut:]
    draft.argv, draft.argv_lines, draft.settings_line = tuple(words), tuple(where), first


def _step(draft: _Draft, origin: str) -> Step:
    if not draft.title:
        raise LessonError(origin, draft.line, "a step's `## ` heading needs a title")
    if draft.argv is None:
        raise LessonError(origin, draft.line, f"step {draft.title!r} has no settings: a fenced "
                                              f"`{SETTINGS_INFO}` block of command-line flags")
    return Step(draft.title, "\n".join(draft.text).strip("\n"), draft.code or "", draft.argv,
                draft.line, draft.settings_line, draft.argv_lines)
