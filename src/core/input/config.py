"""What shapes a run besides its list, and the one validator every front end uses for it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fetchtui.core import registry
from fetchtui.core.registry import ClientName, ModelName

MODELS: tuple[ModelName, ...] = registry.MODEL_NAMES
MAX_PROCESSES = 64

MAX_WORKERS = 1024

#: The most bytes a body may have (`-d @FILE`, `-d @-`, a list line's `-d @FILE`): read with
#: this cap, refused at cap + 1 bytes, never read further (`-d @/dev/zero`).
MAX_BODY_BYTES = 64 * 1024 * 1024
#: The most bytes a URL list may have (`-f FILE`, `-f -`), and the most the bodies one list's
#: lines read from files may come to in all.
MAX_LIST_BYTES = 256 * 1024 * 1024
DEFAULT_SERIES = (1, 2, 4, 8, 16, 32)


class ConfigError(ValueError):
    """A setting the user gave is out of range or not a value: the message says which and why."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """What every client honours: a total deadline, a body cap, redirects, TLS checks."""

    timeout: float = 10.0
    max_bytes: int = 100 * 1024 * 1024
    max_redirects: int = 10
    verify: bool = True
    ca_bundle: str | None = None
    proxy: str | None = None  # -x: every request through it (NO_PROXY's exceptions apart)
    env_proxy: bool = True  # HTTP(S)_PROXY / ALL_PROXY / NO_PROXY from the environment
    direct: tuple[str, ...] = ()  # URL prefixes always fetched directly (the demo server)
    http2: bool = False  # offer HTTP/2 (over TLS, by ALPN) where the client can speak it

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        check_max_bytes(self.max_bytes)
        check_redirects(self.max_redirects)


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything that shapes a run besides the list itself."""

    workers: int = 10
    client: ClientName = "requests"
    limits: FetchLimits = field(default_factory=FetchLimits)
    rate: float | None = None  # -q: requests per second in all, scheduled evenly (open loop)
    duration: float | None = None  # -z: repeat the list until this many seconds have passed
    cut_at_end: bool = False  # at the end of the duration, cut requests in flight, not wait
    model: ModelName = "threads"  # threads in this process, worker processes, or one event loop
    processes: int = 1  # under processes: how many, each running `workers` threads
    #: --stages: (workers, seconds) run one after another in one run; they set `workers` (the
    #: first stage's) and `duration` (their sum), and the list repeats as with -z
    stages: tuple[tuple[int, float], ...] = ()
    #: --python: the interpreter the fetch process runs on (None: the front end's own); the
    #: CLI and the setup pane check it can run one (interpreter.probe) before a run is made
    python: str | None = None

    def __post_init__(self) -> None:
        if self.python is not None and not self.python.strip():
            raise ConfigError("--python needs the path of a Python interpreter")
        if self.stages:
            self._take_stages()
        check_workers(self.workers)
        check_model(self.model)
        check_processes(self.processes)
        check_client(self.client)
        problem = registry.pair_problem(self.model, self.client, self.limits.http2)
        if problem is not None:
            raise ConfigError(problem)
        if self.rate is not None:
            check_rate(self.rate)
        if self.duration is not None:
            check_duration(self.duration)

    def _take_stages(self) -> None:
        for workers, seconds in self.stages:
            check_workers(workers)
            check_duration(seconds)
        total = sum(seconds for _, seconds in self.stages)
        if self.duration is not None and abs(self.duration - total) > 1e-9:
            raise ConfigError("--stages sets the run's duration (the sum of its stages): "
                              "leave -z out")
        check_duration(total)
        object.__setattr__(self, "duration", total)  # frozen: derived once, here
        object.__setattr__(self, "workers", self.stages[0][0])

    def stage_at(self, elapsed_s: float) -> int:
        """The stage running `elapsed_s` into the run (not counting paused time)."""
        end = 0.0
        for index, (_, seconds) in enumerate(self.stages):
            end += seconds
            if elapsed_s < end:
                return index
        return max(0, len(self.stages) - 1)

    @property
    def concurrency(self) -> int:
        """How many requests can be in flight at once: threads, processes times threads, or tasks."""
        return self.workers * registry.processes_for(self.model, self.processes)

    @property
    def label(self) -> str:
        """The client, and the model when it is not threads: how the history names a run's
        client (`requests`, `requests, 2 processes`, `httpx, asyncio`)."""
        return registry.MODELS[self.model].label(self.client, self.processes)

    def planned(self, listed: int) -> int | None:
        """How many requests a run of a `listed`-line list makes; None while a duration decides.

        With a rate and a duration, request i is due at i / rate, and the ones due before the
        duration ends are the run: `-q 50 -z 2s` is 100 requests.
        """
        if self.duration is None:
            return listed
        if listed == 0:
            return 0
        if self.rate is None:
            return None
        return max(1, math.ceil(self.rate * self.duration - 1e-9))

    def due_ns(self, req_id: int, t0_ns: int) -> int | None:
        """When request `req_id` is scheduled, with a rate; None when it goes as soon as it can."""
        if self.rate is None:
            return None
        return t0_ns + round(req_id * 1e9 / self.rate)


# -- one check per setting: the CLI, the setup pane and the sweep all say the same thing ------
#: The most digits a whole number given as text may have: any setting's bound is far below it.
MAX_DIGITS = 18


def _shown(text: str) -> str:
    """A user's text in a message: quoted, and cut when long (4,300 digits were given once)."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}… ({len(text):,} characters)"


def whole_number(text: str, what: str) -> int:
    """A whole number as the user wrote it, in the digits 0-9 (int() takes any script's digits,
    `٣` among them, and refuses past 4,300 of them), with an optional sign."""
    body = text.strip()
    digits = body[1:] if body[:1] in ("+", "-") else body
    if not (digits.isascii() and digits.isdigit()):
        hint = "; write it with the digits 0-9" if digits.isdigit() else ""
        raise ConfigError(f"{what} must be a whole number, got {_shown(text)}{hint}")
    if len(digits) > MAX_DIGITS:
        raise ConfigError(f"{what} is too large (a {len(digits):,}-digit number)")
    return int(body)


def _whole(text: str, what: str) -> int:
    return whole_number(text, what)


def check_workers(value: int) -> int:
    if not 1 <= value <= MAX_WORKERS:
        raise ConfigError(f"workers must be from 1 to {MAX_WORKERS}, got {value}")
    return value


def parse_workers(text: str) -> int:
    return check_workers(_whole(text, "workers"))


MAX_TIMEOUT = 24 * 3600.0  # past a day, a client's own timers overflow (1e10 s did)


def check_timeout(value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise ConfigError(f"timeout must be more than 0 seconds, got {value:g}")
    if value > MAX_TIMEOUT:
        raise ConfigError(f"timeout must be at most a day ({MAX_TIMEOUT:g} s), got {value:g}")
    return value


_UNITS = (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0))


def _ascii_number(text: str, what: str, example: str) -> None:
    """float() takes any script's digits (`٣`) and `1_000`: a setting is written 0-9 and `.`."""
    if not text.isascii() or "_" in text:
        raise ConfigError(f"{what} must be written with the digits 0-9, like {example}, "
                          f"got {_shown(text)}")


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds from `500ms`, `10s`, `2m`, `1h` or a plain number of seconds."""
    _ascii_number(text, what, "500ms, 10s, 2m")
    body, scale = text.strip().lower(), 1.0
    for unit, factor in _UNITS:
        if body.endswith(unit) and body[: -len(unit)].strip().replace(".", "", 1).isdigit():
            body, scale = body[: -len(unit)].strip(), factor
            break
    try:
        value = float(body) * scale
    except ValueError:
        raise ConfigError(f"{what} must be a number of seconds or like 500ms, 10s, 2m, "
                          f"got {_shown(text)}") from None
    if not value > 0:  # NaN too
        shown = text.strip() if len(text.strip()) <= 40 else _shown(text.strip())
        raise ConfigError(f"{what} must be more than 0 seconds, got {shown}")
    if not math.isfinite(value):
        raise ConfigError(f"{what} is too large, got {_shown(text.strip())}")
    return value


def parse_timeout(text: str) -> float:
    return check_timeout(parse_duration(text, "timeout"))


MAX_RATE = 1_000_000.0


def check_rate(value: float) -> float:
    if not (0 < value <= MAX_RATE and math.isfinite(value)):
        raise ConfigError(f"rate must be more than 0 and at most {MAX_RATE:,.0f} requests per second, "
                          f"got {value:g}")
    return value


def parse_rate(text: str) -> float:
    """`50`, `50/s` or `3000/m` requests per second."""
    _ascii_number(text, "rate", "50 or 3000/m")
    body, per = text.strip().lower(), 1.0
    for suffix, seconds in (("/s", 1.0), ("/m", 60.0), ("/h", 3600.0)):
        if body.endswith(suffix):
            body, per = body[: -len(suffix)].strip(), seconds
            break
    try:
        value = float(body) / per
    except ValueError:
        raise ConfigError(f"rate must be requests per second, like 50 or 3000/m, "
                          f"got {_shown(text)}") from None
    return check_rate(value)


MAX_DURATION = 7 * 24 * 3600.0


def check_duration(value: float) -> float:
    if not (0 < value <= MAX_DURATION and math.isfinite(value)):
        raise ConfigError(f"duration must be more than 0 and at most a week, got {value:g} s")
    return value


def parse_run_duration(text: str) -> float:
    return check_duration(parse_duration(text, "duration"))


def parse_stages(text: str) -> tuple[tuple[int, float], ...]:
    """`2:10s,8:10s,32:10s`: each stage's workers and how long it runs."""
    stages: list[tuple[int, float]] = []
    for n, part in enumerate(text.split(","), 1):
        workers, colon, seconds = part.strip().partition(":")
        if not colon or not workers.strip() or not seconds.strip():
            raise ConfigError(f"stage {n} must be WORKERS:DURATION, like 8:10s, got {part.strip()!r}")
        stages.append((check_workers(_whole(workers, f"stage {n}'s workers")),
                       check_duration(parse_duration(seconds, f"stage {n}'s duration"))))
    return tuple(stages)


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


def check_model(name: str) -> ModelName:
    for model in MODELS:
        if name == model:
            return model
    raise ConfigError(f"unknown model {name!r} (choose from {', '.join(MODELS)})")


def check_processes(value: int) -> int:
    if not 1 <= value <= MAX_PROCESSES:
        raise ConfigError(f"processes must be from 1 to {MAX_PROCESSES}, got {value}")
    return value


def parse_processes(text: str) -> int:
    return check_processes(_whole(text, "processes"))


def check_client(name: str) -> ClientName:
    for client in registry.CLIENT_NAMES:
        if name == client:
            return client
    known = ", ".join(registry.CLIENT_NAMES)
    raise ConfigError(f"unknown client {name!r} (choose from {known})")


Pair = tuple[ModelName, ClientName]


def parse_models(text: str) -> list[Pair]:
    """`threads/requests,processes/pycurl,asyncio` -> (model, client) pairs to compare; a
    model alone takes its own default client."""
    pairs: list[Pair] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        model_text, _, client_text = part.partition("/")
        model = check_model(model_text.strip())
        client = (check_client(client_text.strip()) if client_text.strip()
                   else registry.default_client(model))
        problem = registry.pair_problem(model, client)
        if problem is not None:
            raise ConfigError(problem)
        pairs.append((model, client))
    if not pairs:
        raise ConfigError("give at least one model, e.g. threads/requests,processes/pycurl,asyncio")
    return pairs


def parse_series(text: str) -> list[int]:
    """`1,2,4,8` -> [1, 2, 4, 8]: the worker counts of a sweep."""
    values = [check_workers(_whole(part, "workers")) for part in text.split(",") if part.strip()]
    if not values:
        raise ConfigError("give at least one worker count, e.g. 1,2,4,8")
    return values
