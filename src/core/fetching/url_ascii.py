"""A URL as the wire carries it: IDNA for the host, percent-encoding for the rest.

requests, httpx and aiohttp encode a non-ASCII URL themselves; libcurl takes bytes as they
are given and pycurl refuses a str it cannot encode as ASCII. Every libcurl transfer's URL goes
through `ascii_url`, so `/café` and an IDN host reach the server as the other clients send them.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from fetchtui.core.fetching.errors import FetchError

# what requests' requote_uri leaves alone: the reserved characters, and % (already encoded)
_SAFE = "!#$%&'()*+,/:;=?@[]~"


def ascii_url(url: str) -> str:
    """`url` with its host IDNA-encoded and the rest percent-encoded as UTF-8 (FetchError
    `invalid` if the host is no valid international name)."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.isascii():
        import idna  # only a URL with an international host needs it

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise FetchError("invalid", f"not a valid international host name ({exc})") from None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{quote(userinfo, safe=_SAFE.replace('@', ''))}@{netloc}"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=_SAFE),
                       quote(parts.query, safe=_SAFE), quote(parts.fragment, safe=_SAFE)))
