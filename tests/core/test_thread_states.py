"""Thread states sampled from /proc, on workloads whose answer is known: threads spinning in
Python wait for the GIL (and never on a free-threaded build), sleepers and readers of a silent
server wait idle or on the network, threads queued on one held lock wait on a lock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from fetchtui.core.threadstates.figures import ThreadStates
from fetchtui.core.threadstates.fold import fold
from fetchtui.core.threadstates.gil import calibrate, has_gil
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable
from fetchtui.core.threadstates.timeline import Timeline
from fetchtui.core.threadstates.watch import ChildWatch, ThreadWatch

pytestmark = pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX)

WINDOW_S = 1.5  # the sampled window: the workloads below hold their state throughout it

# The spinners run niced: 8 threads of a free-threaded Python spinning at full priority take
# both of a shared machine's cores, and the sampler (and anything else) then waits seconds to start.
SPIN = """
import json, os, sys, threading
os.nice(10)
stop = threading.Event()
def spin():
    while not stop.is_set():
        pass
threads = [threading.Thread(target=spin) for _ in range(8)]
for t in threads:
    t.start()
print(json.dumps([t.native_id for t in threads]), flush=True)
sys.stdin.read()
stop.set()
"""

LOCKED = """
import json, sys, threading
lock = threading.Lock()
lock.acquire()  # the ninth thread (this one) holds it throughout
def wait():
    with lock:
        pass
threads = [threading.Thread(target=wait) for _ in range(8)]
for t in threads:
    t.start()
print(json.dumps([t.native_id for t in threads]), flush=True)
sys.stdin.read()
lock.release()
"""


def workload(script: str, python: str = sys.executable) -> Iterator[tuple[int, list[int]]]:
    proc = subprocess.Popen([python, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        tids = json.loads(proc.stdout.readline())
        yield proc.pid, tids
    finally:
        proc.communicate(timeout=30)


def sampled(watch: ChildWatch | ThreadWatch, pid: int, tids: list[int]) -> ThreadStates:
    """The window's states of `tids`, sampled by `watch` from when it is ready."""
    if isinstance(watch, ChildWatch):
        assert watch.ready(within=30), "the sampler child never said it was sampling"
    time.sleep(WINDOW_S)  # the sampled window itself
    timeline = watch.stop()
    assert isinstance(timeline, Timeline), timeline
    assert timeline.hz >= 100, timeline.hz
    states = fold(timeline, None, {(pid, tid) for tid in tids})
    assert len(states.threads) == len(tids)
    seconds = states.seconds
    assert seconds is not None
    # each thread's time is accounted for (the first tick starts after the watch's start)
    assert sum(seconds.values()) >= len(tids) * WINDOW_S * 0.8, seconds
    return states


def test_threads_spinning_in_python_wait_for_the_gil() -> None:
    for pid, tids in workload(SPIN):
        states = sampled(ChildWatch(pid), pid, tids)
        shares = states.shares
        assert states.gil
        # 8 threads on 2 shared cores: the one holding the GIL can wait for a core, so the GIL's
        # share is counted out of the time not spent runnable
        assert shares["gil"] / (1 - shares["runnable"]) >= 0.7, shares
        assert shares["lock"] < 0.05, shares


def test_threads_queued_on_one_held_lock_wait_on_a_lock_not_the_gil() -> None:
    for pid, tids in workload(LOCKED):
        shares = sampled(ChildWatch(pid), pid, tids).shares
        assert shares["lock"] >= 0.7, shares
        assert shares["gil"] < 0.05, shares


def test_on_a_free_threaded_python_no_thread_waits_for_a_gil(free_threaded_python: str) -> None:
    for pid, tids in workload(SPIN, free_threaded_python):
        # the sampler runs on the sampled process's Python, so it finds no GIL to tell apart
        states = sampled(ChildWatch(pid, python=free_threaded_python), pid, tids)
        shares = states.shares
        assert not states.gil
        assert shares["gil"] == 0, shares
        assert shares["cpu"] + shares["runnable"] >= 0.9, shares  # they never wait at all


def test_threads_asleep_are_idle() -> None:
    threads = [threading.Thread(target=time.sleep, args=(WINDOW_S * 4,), daemon=True) for _ in range(8)]
    for t in threads:
        t.start()
    shares = sampled(ThreadWatch(), os.getpid(), [t.native_id or 0 for t in threads]).shares
    assert shares["idle"] + shares["net"] >= 0.9, shares
    assert shares["idle"] >= 0.9, shares


def test_threads_reading_a_silent_loopback_server_wait_on_the_network() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        port = server.getsockname()[1]
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        threads = [threading.Thread(target=c.recv, args=(1,)) for c in clients]
        for t in threads:
            t.start()
        try:
            shares = sampled(ThreadWatch(), os.getpid(), [t.native_id or 0 for t in threads]).shares
        finally:
            for c in clients:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            for t in threads:
                t.join(10)
    assert shares["net"] >= 0.9, shares


@pytest.mark.skipif(not has_gil(), reason="a Python without a GIL has none to find")
def test_the_gil_found_by_calibrating_lies_in_the_interpreters_runtime_state() -> None:
    # the GIL is a field of _PyRuntime (3.11) or of the main interpreter's state inside it
    # (3.12+): the addresses the calibration saw threads wait on must lie there
    import ctypes

    mark = calibrate()
    assert mark is not None
    zone = mark.in_process(os.getpid())
    assert zone is not None
    runtime = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
    middle = (zone[0] + zone[1]) // 2
    assert runtime <= middle < runtime + (1 << 20), (hex(runtime), hex(middle))
