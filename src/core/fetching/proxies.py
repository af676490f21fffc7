"""Which proxy a request goes through, decided as requests, httpx and curl decide it.

`-x URL` names one; otherwise HTTP_PROXY / HTTPS_PROXY / ALL_PROXY from the environment (either
case), with NO_PROXY's exceptions; `--no-proxy` ignores the environment. As in requests, with
NO_PROXY unset a loopback target goes through the proxy too. The URLs of fetchtui's own demo
server are always fetched directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from fetchtui.core.input.config import FetchLimits


class Proxies:
    """The proxy of each URL of one run (the environment is read once, when the run starts)."""

    def __init__(self, limits: FetchLimits, environ: Mapping[str, str] | None = None) -> None:
        self.explicit = proxy_url(limits.proxy) if limits.proxy else None
        self.direct = limits.direct
        self._env: dict[str, str] = {}
        if limits.env_proxy:
            saved = os.environ if environ is None else environ
            self._env = _proxies_from(saved)

    def for_url(self, url: str) -> str | None:
        if any(url.startswith(prefix) for prefix in self.direct):
            return None
        parts = urlsplit(url)
        if self._bypassed(parts.netloc):
            return None
        if self.explicit:
            return self.explicit
        return self._env.get(parts.scheme.lower()) or self._env.get("all")

    def _bypassed(self, netloc: str) -> bool:
        """NO_PROXY as requests and curl read it: `*`, hosts, domains (`.example` or
        `example`, matching subdomains) and `host:port`, comma-separated."""
        no_proxy = self._env.get("no")
        if not no_proxy:
            return False
        netloc = netloc.rpartition("@")[2].lower()
        host = urlsplit(f"//{netloc}").hostname or ""
        for entry in (e.strip().lower() for e in no_proxy.split(",")):
            if not entry:
                continue
            if entry == "*" or entry == netloc:
                return True
            name = entry.lstrip(".")
            if host == name or host.endswith(f".{name}"):
                return True
        return False

    @property
    def any(self) -> bool:
        """Whether a request of this run could go through a proxy at all."""
        return bool(self.explicit or any(k != "no" for k in self._env))


def _proxies_from(environ: Mapping[str, str]) -> dict[str, str]:
    """{scheme or 'all' or 'no': value} from *_PROXY variables, lowercase winning (as urllib)."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        lowered = name.lower()
        if value and lowered.endswith("_proxy") and (name == lowered or lowered[:-6] not in found):
            found[lowered[:-6]] = value
    if "REQUEST_METHOD" in environ:  # CGI: HTTP_PROXY is a request header there, not ours
        found.pop("http", None)
    return {key: value if key == "no" else proxy_url(value) for key, value in found.items()}


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h", "socks4")


def proxy_url(text: str) -> str:
    """A proxy as curl reads it: without a scheme it is http:// (`u:p@host:3128` included)."""
    text = text.strip()
    return text if "://" in text else f"http://{text}"
