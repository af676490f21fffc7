"""The pool in a child process: the same events and accounting as in-process, and no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.child import ChildSource, FetchProcess
from fetchtui.core.runs.events import Outcome
from fetchtui.core.stats import RunStats

from ..rows import End, read_rows
from ..waiting import fold_until, wait_until


@pytest.fixture
def process() -> Iterator[FetchProcess]:
    proc = FetchProcess()
    yield proc
    proc.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): look at its state
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def start(process: FetchProcess, text: str, workers: int, **limits: object) -> tuple[ChildSource, RunStats]:
    targets = parse_targets(text)
    source = process.open(targets, RunConfig(workers, "requests", FetchLimits(**limits)))  # type: ignore[arg-type]
    stats = RunStats(targets)
    source.start()
    return source, stats


def test_a_run_in_the_child_reports_every_request_from_the_child_threads(
        process: FetchProcess, base: str) -> None:
    source, stats = start(process, f"{base}/delay/0 x60\n{base}/status/503 x4", workers=4)
    fold_until(source, stats, lambda: stats.ended, "the run to end")
    assert (stats.ok, stats.failed, stats.cancelled) == (60, 4, 0)
    assert stats.error_counts == {"http": 4}
    assert len(stats.threads) == 4
    pids = {thread.info.pid for thread in stats.threads.values()}
    assert pids == {process.pid} and os.getpid() not in pids


def test_runs_follow_one_another_in_the_same_child(process: FetchProcess, base: str) -> None:
    for workers in (1, 3):
        source, stats = start(process, f"{base}/delay/0 x9", workers=workers)
        fold_until(source, stats, lambda: stats.ended, "the run to end")  # noqa: B023 - used at once
        assert stats.ok == 9 and len(stats.threads) == workers


def test_cancel_in_the_child_accounts_every_request(process: FetchProcess, base: str) -> None:
    source, stats = start(process, f"{base}/hang x40", workers=5, timeout=60)
    fold_until(source, stats, lambda: stats.in_flight == 5, "5 requests in flight")
    source.cancel()
    fold_until(source, stats, lambda: stats.ended, "the run to end", limit=5)
    assert stats.cancelled == 40 and stats.done == 40


def test_a_killed_child_still_accounts_every_request_and_says_why(process: FetchProcess, base: str) -> None:
    source, stats = start(process, f"{base}/hang x30", workers=6, timeout=60)
    fold_until(source, stats, lambda: stats.in_flight == 6, "6 requests in flight")
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    fold_until(source, stats, lambda: stats.ended, "the run to end", limit=5)
    assert stats.done == 30 and stats.cancelled == 30 and stats.in_flight == 0
    assert source.lost is not None and "fetch process exited" in source.lost
    cut = [stats.view(req_id) for req_id in range(30)]
    assert all(rec.error == source.lost and rec.outcome is Outcome.CANCELLED for rec in cut)


def test_close_kills_the_child_at_once_even_with_hanging_requests(process: FetchProcess, base: str) -> None:
    """Closing (quitting, SIGTERM) cancels what was in flight, as Ctrl-C does: the requests say
    they were cancelled, not that the fetch process failed them."""
    source, stats = start(process, f"{base}/hang x8\n{base}/delay/0 x4", workers=8, timeout=60)
    fold_until(source, stats, lambda: stats.in_flight == 8, "8 requests in flight")
    pid = process.pid
    assert pid is not None
    process.close()
    wait_until(lambda: not alive(pid), "the killed child to be gone", limit=2)
    stats.apply(source.drain())
    assert stats.ended and stats.done == 12 and stats.cancelled == 12
    assert source.lost is None and source.cancelled
    assert {stats.view(i).error for i in range(8)} == {"cancelled while in flight"}
    assert {stats.view(i).error for i in range(8, 12)} == {"cancelled before it started"}


PARENT = """
import sys, time
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.runs.child import FetchProcess
from fetchtui.core.stats import RunStats
from fetchtui.core.input.targets import parse_targets
process = FetchProcess()
targets = parse_targets(sys.argv[1] + "/hang?test=orphan x4")
source = process.open(targets, RunConfig(4, "requests", FetchLimits(timeout=60)))
stats = RunStats(targets)
source.start()
give_up = time.monotonic() + 20
while stats.in_flight < 4 and time.monotonic() < give_up:
    stats.apply(source.drain(0.05))
print(process.pid, stats.in_flight, flush=True)
sys.stdin.read()  # held until the test kills this process (or its end of the pipe closes)
"""


def test_the_child_exits_when_its_parent_is_killed(base: str) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, base], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child_pid, in_flight = map(int, parent.stdout.readline().split())
        assert in_flight == 4 and alive(child_pid)
        parent.kill()  # no cleanup runs: only the pipe the kernel closes tells the child
        parent.wait(10)
        wait_until(lambda: not alive(child_pid), "the orphaned fetch process to exit", limit=10)
    finally:
        parent.kill()


def test_events_keep_their_types_across_the_pipe(process: FetchProcess, base: str) -> None:
    source, _ = start(process, f"{base}/status/404", workers=1)
    assert source.wait(10)
    # a failed end crosses as a row with its text in the batch's side table: read back, it is
    # the same RequestFinished
    finished = [e for e in read_rows(source.drain()) if isinstance(e, End)]
    assert len(finished) == 1
    assert finished[0].outcome is Outcome.FAILED and finished[0].status == 404


def test_a_child_that_cannot_start_ends_the_run_with_its_own_words(base: str) -> None:
    broken = FetchProcess([sys.executable, "-c", "import sys; sys.exit('fetchtui is not importable here')"])
    try:
        for _ in range(2):  # whether it is already dead when the run starts, or dies after
            source, stats = start(broken, f"{base}/delay/0 x7", workers=2)
            fold_until(source, stats, lambda: stats.ended, "the run to end", limit=10)  # noqa: B023 - used at once
            assert stats.cancelled == 7
            assert source.lost is not None and "fetchtui is not importable here" in source.lost
    finally:
        broken.close()


# a fetch process of another fetchtui: it answers the run with what this one's reader cannot take
OTHER_WIRE = """
from fetchtui.core.runs.wire import child_ends
commands, out = child_ends()
commands.recv()
out.send({"run_id": 1, "events": []})
commands.recv()  # until the parent closes the pipe
"""


def test_a_fetch_process_that_speaks_another_wire_ends_the_run_saying_so(base: str) -> None:
    other = FetchProcess([sys.executable, "-c", OTHER_WIRE])
    try:
        source, stats = start(other, f"{base}/delay/0 x5", workers=2)
        fold_until(source, stats, lambda: stats.ended, "the run to end", limit=10)
        assert stats.cancelled == 5 and stats.interrupted
        assert source.lost is not None and "cannot read (a dict)" in source.lost
        assert "same fetchtui" in source.lost
    finally:
        other.close()


def test_a_cancel_right_after_a_long_list_starts_reaches_the_child_after_the_run(
        process: FetchProcess, base: str) -> None:
    # the list is pickled off the caller's thread: the cancel must still arrive second
    text = "\n".join(f"{base}/hang?n={i}" for i in range(20_000))
    source, stats = start(process, text, workers=4, timeout=60)
    source.cancel()
    fold_until(source, stats, lambda: stats.ended, "the run to end", limit=20)
    assert stats.cancelled == 20_000 and stats.ok == 0 and stats.failed == 0
