"""A client that answers from a plan instead of the network, for properties that must replay.

`http://fake.test/<i>` is answered by plan[i]: ("status", 200), ("fail", "reset") or
("hang", None), which holds its worker until the run cuts its slot. Nothing crosses a wire
here; the wire behaviour is covered by the tests against real servers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from fetchtui.core.fetching.deadline import current_slot
from fetchtui.core.fetching.errors import FetchError
from fetchtui.core.fetching.result import FetchResult
from fetchtui.core.input.config import FetchLimits
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.events import ErrorKind

Step = tuple[str, object]
HANG_LIMIT_S = 10.0  # a hang that nobody cuts fails the test instead of holding it


def fake_url(index: int) -> str:
    return f"http://fake.test/{index}"


class FakeClient:
    name = "fake"

    def __init__(self, plan: Sequence[Step], on_start: Callable[[int], None] | None = None) -> None:
        self.plan = plan
        self.on_start = on_start
        self.closed = threading.Event()

    def fetch(self, target: Target) -> FetchResult:
        index = int(target.url.rsplit("/", 1)[1])
        if self.on_start is not None:
            self.on_start(index)
        what, arg = self.plan[index]
        if what == "status":
            assert isinstance(arg, int)
            return FetchResult(arg, 3)
        if what == "fail":
            kind: ErrorKind = arg  # type: ignore[assignment]
            raise FetchError(kind, f"planned {kind}")
        give_up = time.monotonic() + HANG_LIMIT_S
        slot = current_slot()
        while slot is not None and not slot.cancelled:  # one step of a bounded wait for the cut
            if time.monotonic() > give_up:
                raise AssertionError("a planned hang was never cut")
            time.sleep(0.001)
        raise FetchError("reset", "cut")

    def close(self) -> None:
        self.closed.set()


def factory(client: FakeClient) -> Callable[[str, int, FetchLimits], FakeClient]:
    return lambda name, workers, limits: client
