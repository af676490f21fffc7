"""The URL editor's credentials: shown masked, kept here, sent as they were given.

The editor shows `http://alice:***@host/` (a token alone as `***@host`) where the list said
`http://alice:S3cr3t@host/`; `HiddenCredentials` keeps the real user info, bound to its
scheme, user and host, and `reveal` puts it back into the text that is parsed and run. So
editing any line (a repeat count, a path, another line) keeps sending the password, and
retyping `alice:***@` for the same host means the same password; a masked user info for
another host is not sent anywhere: that line is a bad line until its password is typed again.

A list given at launch is masked at once. A password typed into the editor stays visible
while it is being typed (so that a typo can be seen), and is masked when the list is run
(or swept, or compared); the editor's undo history is cleared then, so undo cannot bring
it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from fetchtui.core.input.targets import LineError, masked_userinfo, secret_header_values

#: A URL with a user info in the editor's text: a scheme at the start of a line, or after a
#: space or a quote, and its authority (up to a space, a path, a query or a fragment) with an `@`.
_URL = r"""(?<![^\s'"])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^\s/?#@]*@[^\s/?#]*)"""
#: A line's own URL, at its start: what a hidden header value of the line is tied to.
_LINE_URL = r"""\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^\s/?#]*)"""
#: A hidden value as the editor shows it: `***`, or numbered (`***2`) where one user of one
#: host, or one header of one host, was given two.
_MASK = r"\*\*\*[0-9]*"
#: A user info as the editor shows it masked: `user:***` or a token's `***`.
_MASKED = rf"(?:[^:]*:)?{_MASK}"

LOST = "its password is hidden (***) and was not given for this scheme, user and host: type it again"


def _lost_header(name: str) -> str:
    return f"its {name} value is hidden (***) and was not given for this URL's host: type it again"


def _origin(line: str) -> str:
    """The scheme and host of a line's URL, without its user info (`http://h.example:8080`),
    or '' for a line that starts with no URL."""
    match = re.match(_LINE_URL, line)
    if match is None:
        return ""
    return f"{match['scheme'].lower()}{match['authority'].rpartition('@')[2].lower()}"


def _header_key(origin: str, name: str, value: str) -> str:
    """How a header value is kept: by the host it goes to and its name (a URL's key has no space)."""
    return f"{origin} {name.lower()}: {value}"


def _numbered(origin: str, name: str) -> Callable[[str], str]:
    """The key of a hidden value of this header to this host, `***` numbered by its argument."""
    return lambda number: _header_key(origin, name, f"***{number}")


def _lines_holding(text: str, *needles: str) -> list[tuple[int, int, int]]:
    """(number, start, end) of each line of `text` that holds one of `needles`, found by
    str.find: a million-line list with one such line is not a million lines for Python to walk."""
    starts = set()
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            starts.add(text.rfind("\n", 0, at) + 1)
            line_end = text.find("\n", at)
            at = -1 if line_end < 0 else text.find(needle, line_end)
    found: list[tuple[int, int, int]] = []
    number, counted = 1, 0
    for start in sorted(starts):
        number += text.count("\n", counted, start)
        counted = start
        line_end = text.find("\n", start)
        found.append((number, start, len(text) if line_end < 0 else line_end))
    return found


def _edit_lines(text: str, lines: list[tuple[int, int, int]], edit: Callable[[str], str]) -> str:
    """`text` with each of `lines` (from `_lines_holding`) replaced by `edit` of it."""
    pieces, done = [], 0
    for _, start, end in lines:
        pieces += [text[done:start], edit(text[start:end])]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


class HiddenCredentials:
    """The real credentials behind what the editor shows masked: a URL's user info, and the
    values of the headers that `targets.is_secret_header` names (`-H 'Authorization: ***'`)."""

    def __init__(self) -> None:
        #: what the editor shows -> what was given: `scheme://user:***@host:port` -> the same
        #: prefix with its user info, and `origin name: ***` -> a header's value. Never changed
        #: once made (`hide` makes a new one), so a parse on another thread may read it.
        self.real: Mapping[str, str] = {}

    def hide(self, text: str) -> str:
        """`text` as the editor shows it: every credential in clear masked, and kept. What is
        shown masked already keeps what it stands for; what the text no longer shows is forgotten."""
        lines = _lines_holding(text, "@", "-H", "--header")
        old = self.real
        kept: dict[str, str] = {}  # shown -> real, as self.real
        given: dict[str, str] = {}  # what was given (a URL prefix, a header's key) -> its shown key
        for _, start, end in lines:  # first what stays shown: its key is taken
            line = text[start:end]
            for match in re.finditer(_URL, line):
                if match[0] in old:
                    kept[match[0]] = given_url = old[match[0]]
                    given[given_url] = match[0]
            origin = _origin(line)
            for value_start, value_end, name in secret_header_values(line):
                key = _header_key(origin, name, line[value_start:value_end])
                if key in old:
                    kept[key] = old[key]
                    given[_header_key(origin, name, old[key])] = key

        def place(real_key: str, real: str, shown_as: Callable[[str], str]) -> str:
            """The key `real_key` is shown by: the one it had, else a new one (`***2` if taken)."""
            shown = given.get(real_key)
            if shown is None:
                shown, number = shown_as(""), 1
                while kept.get(shown, real) != real:
                    number += 1
                    shown = shown_as(str(number))
                kept[shown], given[real_key] = real, shown
            return shown

        def url(match: re.Match[str]) -> str:
            scheme, authority = match["scheme"], match["authority"]
            userinfo, _, hostport = authority.rpartition("@")
            if re.fullmatch(_MASKED, userinfo):  # hidden already
                return match[0]
            masked = masked_userinfo(userinfo)
            return place(match[0], match[0], lambda n: f"{scheme}{masked}{n}@{hostport}")

        def hide_line(line: str) -> str:
            spans = secret_header_values(line)
            origin = _origin(line) if spans else ""
            for start, end, name in reversed(spans):
                value = line[start:end]
                if start == end or re.fullmatch(_MASK, value):  # nothing to hide, or hidden already
                    continue
                shown = place(_header_key(origin, name, value), value, _numbered(origin, name))
                line = f"{line[:start]}{shown.rpartition(': ')[2]}{line[end:]}"
            return re.sub(_URL, url, line) if "@" in line else line

        hidden = _edit_lines(text, lines, hide_line)
        self.real = kept
        return hidden


def reveal(text: str, real: Mapping[str, str]) -> str:
    """The editor's `text` with every masked credential in `real` back as it was given."""
    if not real:
        return text

    def reveal_line(line: str) -> str:
        origin = _origin(line)
        for start, end, name in reversed(secret_header_values(line)):
            given = real.get(_header_key(origin, name, line[start:end]))
            if given is not None:
                line = f"{line[:start]}{given}{line[end:]}"
        return re.sub(_URL, lambda match: real.get(match[0], match[0]), line)

    return _edit_lines(text, _lines_holding(text, "***"), reveal_line)


def lost_lines(text: str, real: Mapping[str, str]) -> list[LineError]:
    """The lines showing a masked credential that `real` does not know (a list opened from an
    export, a masked line pointed at another host): bad lines, never sent as `***`."""
    lost = []
    for number, start, end in _lines_holding(text, "***"):
        line = text[start:end]
        if line.lstrip().startswith("#"):
            continue
        problem = None
        for match in re.finditer(_URL, line):
            if re.fullmatch(_MASKED, match["authority"].rpartition("@")[0]) and match[0] not in real:
                problem = LOST
                break
        origin = _origin(line)
        for value_start, value_end, name in secret_header_values(line):
            value = line[value_start:value_end]
            if problem is None and re.fullmatch(_MASK, value) and \
                    _header_key(origin, name, value) not in real:
                problem = _lost_header(name)
        if problem is not None:
            lost.append(LineError(number, line.rstrip("\r"), problem))
    return lost
