"""What shapes a run besides its list, and the one validator every front end uses for it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, get_args

BackendName = Literal["requests", "requests-per-thread", "requests-get", "httpx", "pycurl"]
BACKENDS: tuple[BackendName, ...] = get_args(BackendName)

HTTP2_BACKENDS: tuple[BackendName, ...] = ("httpx", "pycurl")

MAX_WORKERS = 1024
DEFAULT_SERIES = (1, 2, 4, 8, 16, 32)


class ConfigError(ValueError):
    """A setting the user gave is out of range or not a value: the message says which and why."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What every backend honours: a total deadline, a body cap, redirects, TLS checks."""

    timeout: float = 10.0
    max_bytes: int = 100 * 1024 * 1024
    max_redirects: int = 10
    verify: bool = True
    ca_bundle: str | None = None
    proxy: str | None = None  # -x: every request through it (NO_PROXY's exceptions apart)
    env_proxy: bool = True  # HTTP(S)_PROXY / ALL_PROXY / NO_PROXY from the environment
    direct: tuple[str, ...] = ()  # URL prefixes always fetched directly (the demo server)
    http2: bool = False  # offer HTTP/2 (over TLS, by ALPN) where the backend can speak it

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        check_max_bytes(self.max_bytes)
        check_redirects(self.max_redirects)


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything that shapes a run besides the list itself."""

    workers: int = 10
    backend: BackendName = "requests"
    limits: FetchLimits = field(default_factory=FetchLimits)

    def __post_init__(self) -> None:
        check_workers(self.workers)
        check_backend(self.backend)
        if self.limits.http2 and self.backend not in HTTP2_BACKENDS:
            raise ConfigError(f"--http2 needs a backend that speaks it ({', '.join(HTTP2_BACKENDS)}), "
                              f"not {self.backend}")


# -- one check per setting: the CLI, the setup pane and the sweep all say the same thing ------
def _whole(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigError(f"{what} must be a whole number, got {text!r}") from None


def check_workers(value: int) -> int:
    if not 1 <= value <= MAX_WORKERS:
        raise ConfigError(f"workers must be from 1 to {MAX_WORKERS}, got {value}")
    return value


def parse_workers(text: str) -> int:
    return check_workers(_whole(text, "workers"))


def check_timeout(value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"timeout must be more than 0 seconds, got {value:g}")
    return value


_UNITS = (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0))


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds from `500ms`, `10s`, `2m`, `1h` or a plain number of seconds."""
    body, scale = text.strip().lower(), 1.0
    for unit, factor in _UNITS:
        if body.endswith(unit) and body[: -len(unit)].strip().replace(".", "", 1).isdigit():
            body, scale = body[: -len(unit)].strip(), factor
            break
    try:
        value = float(body) * scale
    except ValueError:
        raise ConfigError(f"{what} must be a number of seconds or like 500ms, 10s, 2m, "
                          f"got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"{what} must be more than 0 seconds, got {text.strip()}")
    return value


def parse_timeout(text: str) -> float:
    return check_timeout(parse_duration(text, "timeout"))


def check_max_bytes(value: int) -> int:
    if value < 0:
        raise ConfigError(f"max bytes cannot be negative, got {value}")
    return value


def parse_max_bytes(text: str) -> int:
    return check_max_bytes(_whole(text, "max bytes"))


def check_redirects(value: int) -> int:
    if value < 0:
        raise ConfigError(f"redirects cannot be negative, got {value}")
    return value


def parse_redirects(text: str) -> int:
    return check_redirects(_whole(text, "redirects"))


def check_backend(name: str) -> BackendName:
    for backend in BACKENDS:
        if name == backend:
            return backend
    raise ConfigError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")


def parse_series(text: str) -> list[int]:
    """`1,2,4,8` -> [1, 2, 4, 8]: the worker counts of a sweep."""
    values = [check_workers(_whole(part, "workers")) for part in text.split(",") if part.strip()]
    if not values:
        raise ConfigError("give at least one worker count, e.g. 1,2,4,8")
    return values
