"""What TLS verification means for a run, the same on every client: curl's rule, `-k` wins."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from functools import cached_property

from fetchtui.core.input.config import FetchLimits


@dataclass(frozen=True)
class Tls:
    """A run's certificate checks: off with -k (whatever --cacert says), else against one CA
    bundle: --cacert's file, or certifi's (what requests and httpx trust by default), so
    every client trusts the very same certificates."""

    verify: bool
    ca_file: str | None  # None exactly when verify is off

    @classmethod
    def of(cls, limits: FetchLimits) -> Tls:
        if not limits.verify:
            return cls(False, None)
        if limits.ca_bundle:
            return cls(True, limits.ca_bundle)
        import certifi

        return cls(True, certifi.where())

    @cached_property
    def context(self) -> ssl.SSLContext | None:
        """An SSLContext trusting `ca_file` (None when verification is off)."""
        if not self.verify:
            return None
        return ssl.create_default_context(cafile=self.ca_file)

    @property
    def verify_arg(self) -> ssl.SSLContext | bool:
        """What httpx (`verify=`) and aiohttp (`ssl=`) take: the context, or False."""
        return self.context if self.context is not None else False
