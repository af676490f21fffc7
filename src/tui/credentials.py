"""The URL editor's credentials: shown masked, kept here, sent as they were given.

The editor shows `http://alice:***@host/` (a token alone as `***@host`) where the list said
`http://alice:S3cr3t@host/`; `HiddenCredentials` keeps the real user info, bound to its
scheme, user and host, and `reveal` puts it back into the text that is parsed and run. So
editing any line (a repeat count, a path, another line) keeps sending the password, and
retyping `alice:***@` for the same host means the same password; a masked user info for
another host is not sent anywhere: that line is a bad line until its password is typed again.

A list given at launch is masked at once. A password typed into the editor stays visible
while it is being typed, and is masked when the list is run (or swept, or compared), as
a terminal's password prompt is not the place to check what was typed either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fetchtui.core.targets import LineError, masked_userinfo

#: A URL in the editor's text: a scheme at the start of a line, or after a space or a quote,
#: and its authority up to a space, a path, a query or a fragment.
_URL = r"""(?<![^\s'"])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^\s/?#]*)"""
#: A user info as the editor shows it masked: `user:***`, `***`, or numbered (`***2`) when
#: one user of one host was given two passwords.
_MASKED = r"(?:[^:]*:)?\*\*\*[0-9]*"

LOST = "its password is hidden (***) and was not given for this scheme, user and host: type it again"


class HiddenCredentials:
    """The real user info behind each masked URL prefix the editor shows."""

    def __init__(self) -> None:
        #: `scheme://user:***@host:port` as shown -> the same prefix as given. Never changed
        #: once made (`hide` makes a new one), so a parse on another thread may read it.
        self.real: Mapping[str, str] = {}

    def hide(self, text: str) -> str:
        """`text` as the editor shows it: every user info in clear masked, and kept. The masked
        prefixes already shown keep what they stand for; any the text no longer holds is forgotten."""
        if "@" not in text:
            self.real = {}
            return text
        # the masked prefixes the text still shows keep what they stand for
        kept = {match[0]: self.real[match[0]] for match in re.finditer(_URL, text)
                if match[0] in self.real}
        given = {real: shown for shown, real in kept.items()}

        def one(match: re.Match[str]) -> str:
            scheme, authority = match["scheme"], match["authority"]
            userinfo, at, hostport = authority.rpartition("@")
            if not at or re.fullmatch(_MASKED, userinfo):  # nothing to hide, or hidden already
                return match[0]
            real = match[0]
            shown = given.get(real)
            if shown is None:
                masked = masked_userinfo(userinfo)
                shown, number = f"{scheme}{masked}@{hostport}", 1
                while kept.get(shown, real) != real:  # one user of one host, two passwords
                    number += 1
                    shown = f"{scheme}{masked}{number}@{hostport}"
                kept[shown], given[real] = real, shown
            return shown

        hidden = re.sub(_URL, one, text)
        self.real = kept
        return hidden


def reveal(text: str, real: Mapping[str, str]) -> str:
    """The editor's `text` with every masked prefix in `real` back as it was given."""
    if not real:
        return text
    return re.sub(_URL, lambda match: real.get(match[0], match[0]), text)


def lost_lines(text: str, real: Mapping[str, str]) -> list[LineError]:
    """The lines showing a masked user info that `real` does not know: a list opened from an
    export, or a masked URL copied to another host. They are bad lines, not sent as `***`."""
    if "***" not in text:
        return []
    lost = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "***" not in line or line.lstrip().startswith("#"):
            continue
        for match in re.finditer(_URL, line):
            userinfo, at, _ = match["authority"].rpartition("@")
            if at and re.fullmatch(_MASKED, userinfo) and match[0] not in real:
                lost.append(LineError(number, line.rstrip("\r"), LOST))
                break
    return lost
