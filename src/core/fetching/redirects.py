"""Following a redirect without leaking a secret: every header fetchtui masks is dropped when
a redirect leaves the origin (safer than curl, which drops only Authorization and Cookie)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from fetchtui.core.fetching.errors import FetchError
from fetchtui.core.input.targets import check_url, is_secret_header, mask_text

REDIRECT_CODES = (301, 302, 303, 307, 308)
Headers = tuple[tuple[str, str], ...]


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


def leaves_origin(old: str, new: str) -> bool:
    """Whether a redirect from `old` to `new` goes to another host (or port, or scheme), an
    upgrade of the same host from http to https apart, as requests and httpx judge it."""
    a, b = _origin(old), _origin(new)
    if a == b:
        return False
    return not (a[0] == "http" and b[0] == "https" and a[1] == b[1] and a[2] == 80 and b[2] == 443)


def carries_secrets(headers: Headers) -> bool:
    return any(is_secret_header(name) for name, _ in headers)


def without_secrets(headers: Headers) -> Headers:
    return tuple((name, value) for name, value in headers if not is_secret_header(name))


def next_hop(url: str, status: int, location: str, method: str, body: bytes | None,
             headers: Headers) -> tuple[str, str, bytes | None, Headers]:
    """The request a redirect asks for, as browsers and curl make it: 303, and 301/302 after a
    POST, become a GET without a body; secrets stay behind when the origin changes. A redirect
    to any scheme but http and https (file://, dict://) is refused: FetchError `invalid`, as
    every client says of one it follows itself."""
    try:
        new = urljoin(url, location)
    except ValueError as exc:  # an unclosed [ in its host, say
        raise FetchError("invalid", f"a redirect to a URL no client reads the same ({exc})") from None
    scheme = urlsplit(new).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("invalid", f"a redirect to a {scheme}:// URL (only http and https are followed)")
    problem = check_url(new)  # the rule a list's URLs meet: a bad port, an ambiguous host
    if problem is not None:
        raise FetchError("invalid", f"a redirect to a URL no client reads the same: {mask_text(problem)}")
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, body = "GET", None
        headers = tuple((n, v) for n, v in headers if n.lower() not in ("content-type", "content-length"))
    if leaves_origin(url, new):
        headers = without_secrets(headers)
    return new, method, body, headers
