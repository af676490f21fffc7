"""Parse and validate the URL list: one URL per line, `# comments`, `URL xN` repeats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from fetchtui.core.textsafe import safe_text

#: A list longer than this is refused rather than silently truncated.
MAX_TOTAL = 1_000_000

_REPEAT = re.compile(r"^(?P<url>\S+)\s+[x*](?P<count>[+-]?\d+)$")
_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class Target:
    """One URL to fetch; `url` is sent, `display` (credentials masked) is shown."""

    url: str
    display: str
    line: int


@dataclass(frozen=True, slots=True)
class LineError:
    """A bad line: its 1-based number, what is wrong and how to fix it."""

    line: int
    text: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}: {safe_text(self.text, 120)}"


class TargetsError(ValueError):
    """Raised with every bad line at once, so the user fixes them in one go."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def mask_url(url: str) -> str:
    """Return `url` with any password replaced by `***` (the user name stays visible)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    masked = f"{user}:***@{hostport}" if ":" in userinfo else f"{user}@{hostport}"
    return urlunsplit(parts._replace(netloc=masked))


def check_url(url: str) -> str | None:
    """Return what is wrong with `url`, or None when it can be fetched."""
    if "://" not in url:
        scheme, colon, rest = url.partition(":")
        if colon and scheme.isalpha() and not rest[:1].isdigit():  # javascript:, mailto:
            return f"unsupported scheme {scheme.lower()!r} (only http and https)"
        return f"missing scheme (did you mean http://{url}?)"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in _SCHEMES:
        return f"unsupported scheme {parts.scheme!r} (only http and https)"
    if not parts.hostname:
        return "empty host"
    try:
        port = parts.port
    except ValueError:
        return "bad port (use a number from 1 to 65535)"
    if port == 0:
        return "bad port (use a number from 1 to 65535)"
    if any(ch.isspace() for ch in url):
        return "a URL cannot contain spaces (percent-encode them as %20)"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "control characters in URL"
    return None


def parse_targets(text: str, max_total: int = MAX_TOTAL) -> list[Target]:
    """Parse the whole list; raise TargetsError listing every bad line."""
    targets: list[Target] = []
    errors: list[LineError] = []
    checked: dict[str, Target | str] = {}  # lists repeat URLs; validate each once
    total = 0
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if " #" in line:  # trailing comment
            line = line.split(" #", 1)[0].rstrip()
        count = 1
        match = _REPEAT.match(line)
        if match:
            line, count = match["url"], int(match["count"])
            if count < 1:
                errors.append(LineError(number, raw, f"repeat count must be at least 1, got {count}"))
                continue
        elif len(line.split()) > 1:
            errors.append(
                LineError(number, raw, "one URL per line (write `URL x100` to repeat one)")
            )
            continue
        cached = checked.get(line)
        if cached is None:
            problem = check_url(line)
            cached = problem if problem else Target(line, mask_url(line), number)
            checked[line] = cached
        if isinstance(cached, str):
            errors.append(LineError(number, raw, cached))
            continue
        total += count
        if total > max_total:
            errors.append(
                LineError(number, raw, f"the list asks for more than {max_total:,} requests")
            )
            break
        target = cached if cached.line == number else Target(cached.url, cached.display, number)
        targets.extend([target] * count)
    if errors:
        raise TargetsError(errors)
    return targets
