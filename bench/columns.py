"""What a columnar hot path could make: requests as rows from the loop to the fold, beside hey.

    python bench/columns.py [--requests 30000] [--rounds 3]

A design study for the "faster than hey" issue, not a model of fetchtui. bench/budget.py
shows that fetchtui's present hot path (two frozen events and their phases per request, built
on both sides of the pipe, the ledger's take and finish, the stats fold) costs more CPU per
request than hey's rate leaves on this machine. This bench measures the other design: two
worker processes, each a curl-multi loop of 16 transfers doing what fetchtui's must of a
transfer (ids from fetchtui's shared counter, the header and body callbacks its caps need,
the status, timers and connection read out, every request accounted in flight and once at
its end), writing each request as a row of integers into columns that cross the pipe as
bytes every 5 ms; the gathering process reads them back as arrays, counts every start and
every end once, and folds each request (its latency, status, phases, worker) in Python.

What it leaves out, and a real model would pay: the ledger's steering (resize, pause, stages,
a rate), redirects by hand, proxies, per-request deadlines and the stats model's every table.
On one nginx, in one run: hey -c 16 / -c 64, fetchtui curl-multi 2x16, and the study.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from array import array

from _helpers import serving_nginx  # bench/ is on sys.path when a bench runs
from floor import CAPPED, FASTEST
from peers import hey_rows, print_beside_hey, run_fetchtui

from fetchtui.core.runs.counter import SharedCounter

# argv: URL, requests in all, transfers, the shared counter's path. Frames on stdout.
WORKER = r'''
import os, sys, time, pycurl
from array import array
from fetchtui.core.runs.counter import SharedCounter
url, total, handles, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
counter = SharedCounter(path)
out = os.fdopen(1, "wb", buffering=0)
multi = pycurl.CurlMulti()
TIMERS = (pycurl.PRETRANSFER_TIME_T, pycurl.STARTTRANSFER_TIME_T, pycurl.TOTAL_TIME_T)
# a start: req_id, t_ns; an end: req_id, start, end, status, nbytes, cpu, wait, receive, conn, reused
starts, ends = array("q"), array("q")
inflight = {}
''' + CAPPED + r'''

def easy(slot):
    c = pycurl.Curl()
    c.setopt(pycurl.URL, url)
    c.slot, c.got = slot, capped(c)
    return c

def flush():
    counts = len(starts).to_bytes(4, "little") + len(ends).to_bytes(4, "little")
    frame = counts + starts.tobytes() + ends.tobytes()
    out.write(len(frame).to_bytes(4, "little") + frame)
    del starts[:], ends[:]

free = [easy(slot) for slot in range(handles)]
busy = {}
exhausted = False
flushed = time.perf_counter_ns()
while True:
    while free and not exhausted:
        taken = counter.take(total)
        if not taken:
            exhausted = True
            break
        req_id = taken[0]
        c = free.pop()
        now = time.perf_counter_ns()
        inflight[req_id] = c.slot
        starts.extend((req_id, now))
        busy[id(c)] = (req_id, now)
        c.got[0] = 0
        multi.add_handle(c)
    if not busy:
        break
    while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
        pass
    queued, ok, failed = multi.info_read()
    if failed:
        raise SystemExit("a transfer failed")
    end = time.perf_counter_ns()
    for c in ok:
        req_id, start = busy.pop(id(c))
        multi.remove_handle(c)
        del inflight[req_id]
        ready, first, last = [c.getinfo(t) for t in TIMERS]
        reused = 0 if c.getinfo(pycurl.NUM_CONNECTS) > 0 else 1
        ends.extend((req_id, start, end, c.getinfo(pycurl.RESPONSE_CODE), c.got[0], 0, (first - ready) * 1000,
                     (last - first) * 1000, c.getinfo(pycurl.LOCAL_PORT), reused))
        free.append(c)
    if end - flushed > 5_000_000:
        flush()
        flushed = end
    if not ok:
        multi.select(0.01)
flush()
'''


class Gatherer:
    """The gathering process's side: frames in, every start and end counted once, a fold."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inflight: set[int] = set()
        self.done = 0
        self.rows = array("q")  # every request's row, kept as an export would read it
        self.latencies = array("q")
        self.statuses: dict[int, int] = {}
        self.by_worker: dict[int, int] = {}
        self.wait_ns = self.receive_ns = 0

    def read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        while head := proc.stdout.read(4):
            frame = proc.stdout.read(int.from_bytes(head, "little"))
            count = int.from_bytes(frame[:4], "little")
            starts, ends = array("q"), array("q")
            starts.frombytes(frame[8:8 + count * 8])
            ends.frombytes(frame[8 + count * 8:])
            with self.lock:
                self.fold(proc.pid, starts, ends)

    def fold(self, pid: int, starts: array[int], ends: array[int]) -> None:
        for req_id in starts[0::2]:
            self.inflight.add(req_id)
        ids = ends[0::10]
        for req_id in ids:
            self.inflight.remove(req_id)  # a request that never started would raise here
        self.done += len(ids)
        self.rows.extend(ends)
        statuses = self.statuses
        for start, end, status, wait, receive in zip(ends[1::10], ends[2::10], ends[3::10], ends[6::10],
                                                     ends[7::10], strict=True):
            self.latencies.append(end - start)
            statuses[status] = statuses.get(status, 0) + 1
            self.wait_ns += wait
            self.receive_ns += receive
        self.by_worker[pid] = self.by_worker.get(pid, 0) + len(ids)


def study(url: str, n: int) -> tuple[float, float]:
    """(req/s, the gathering process's CPU us per request) of the columnar study, 2x16."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "counter")
        SharedCounter(path, create=True).close()
        gatherer = Gatherer()
        began, cpu = time.perf_counter(), time.process_time()
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(n), "16", path],
                                  stdout=subprocess.PIPE) for _ in range(2)]
        readers = [threading.Thread(target=gatherer.read, args=(p,)) for p in procs]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(600)
        for proc in procs:
            proc.wait(60)
        wall = time.perf_counter() - began
    if gatherer.done != n or gatherer.inflight or gatherer.statuses != {200: n}:
        raise SystemExit(f"the study lost requests: {gatherer.done} of {n} ended, {gatherer.statuses}")
    return n / wall, (time.process_time() - cpu) * 1e6 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, rounds = args.requests, args.rounds
    with serving_nginx("bench/columns.py") as (_, url, workdir):
        rows = hey_rows(url, n, rounds)
        rows["fetchtui curl-multi 2x16"] = max(run_fetchtui(url, n, FASTEST, workdir) for _ in range(rounds))
        runs = [study(url, n) for _ in range(rounds)]
        rows["columnar study 2x16"] = max(rps for rps, _ in runs)
    print_beside_hey(rows, n, rounds)
    cpu = sorted(us for _, us in runs)
    print(f"\nthe study's gathering process: {cpu[0]:.1f}-{cpu[-1]:.1f} us of CPU a request "
          "(fetchtui's today: bench/where.py)")


if __name__ == "__main__":
    main()
