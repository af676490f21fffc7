"""Live totals: a sampler child watching a real run sends its threads' seconds by state every
half second, and ChildWatch hands the latest back at once, while the run goes on."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time

import pytest

from fetchtui.core.threadstates.fold import fold
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.live import LiveTotals
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable
from fetchtui.core.threadstates.timeline import Timeline
from fetchtui.core.threadstates.watch import ChildWatch

pytestmark = pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX)


def on_the_network(earlier: LiveTotals, later: LiveTotals) -> set[int]:
    """The threads that spent most of the time between two totals waiting on the network."""
    net = STATES.index("net")
    found = set()
    for tid, seconds in later.seconds.items():
        before = earlier.seconds.get(tid, (0.0,) * len(STATES))
        spent = [b - a for a, b in zip(before, seconds, strict=True)]
        if sum(spent) > 0 and spent[net] > 0.5 * sum(spent):
            found.add(tid)
    return found


def test_a_live_watch_hands_back_totals_that_grow_while_a_real_run_runs(base: str) -> None:
    run = subprocess.Popen([sys.executable, "-m", "fetchtui", "run", f"{base}/delay/100 x400", "-w", "4",
                            "--no-history"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        watch = ChildWatch(run.pid, live=True)
        assert watch.ready(within=30), "the sampler child never said it was sampling"
        seen: list[LiveTotals] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (len(seen) >= 3 and len(on_the_network(*seen[-2:])) >= 4):
            began = time.perf_counter()
            totals = watch.totals()
            assert time.perf_counter() - began < 0.001  # a 25 Hz frame can call it: it never waits
            if totals is not None and (not seen or totals is not seen[-1]):
                seen.append(totals)
            time.sleep(0.05)
        assert run.poll() is None, "the run was over before the totals were read: make it longer"
        assert len(seen) >= 3, "fewer than three totals in 30 s: not sent every half second"
        sums = [sum(sum(s) for s in t.seconds.values()) for t in seen]
        assert all(a < b for a, b in itertools.pairwise(sums)), sums
        last = seen[-1]
        assert last.pid == run.pid
        # four workers waiting on a 100 ms server: once the run is under way, each mostly on the network
        fetching = on_the_network(*seen[-2:])
        assert len(fetching) >= 4, (seen[-2].seconds, last.seconds)
        assert last.states(fetching).shares["net"] > 0.5
        timeline = watch.stop()
    finally:
        run.kill()
        run.communicate()
    assert isinstance(timeline, Timeline), timeline
    # the totals are the fold's (no request spans): the whole timeline's cover at least the last sent
    folded = fold(timeline, None).seconds
    assert folded is not None
    assert sum(folded.values()) >= sum(sum(s) for s in last.seconds.values()) * 0.99


def test_a_watch_not_live_sends_no_totals_and_still_its_timeline() -> None:
    watch = ChildWatch(os.getpid())
    assert watch.ready(within=30)
    deadline = time.monotonic() + 1.2
    while time.monotonic() < deadline:  # long enough for two totals, had it been live
        assert watch.totals() is None
        time.sleep(0.1)
    assert isinstance(watch.stop(), Timeline)
