"""What beating hey leaves a request on this machine, beside what fetchtui's guarantees cost one.

    python bench/budget.py [--requests 30000] [--pieces 100000]

In one run, on one nginx (keep-alive, `200 ok`):

1. hey's best rate (-c 16 / -c 64), and so the CPU a request may take, on all the cores, for a
   tool to keep up: cores / rate. nginx's own CPU per request (from /proc) is part of it.
2. The floor: the bare pycurl multi loop of bench/floor.py, 2x16, doing what fetchtui's
   curl-multi must of a transfer (the records, a callback per header line and body chunk),
   and its CPU per request (the processes' user + system).
3. What that leaves, per request, for fetchtui's own part, beside what each piece of it costs,
   timed here in one process on synthetic requests (warm, uncontended: a lower bound of what
   a run pays, which bench/where.py measures whole):
   - the worker's ledger, as a worker process runs it: take (request ids from the shared
     counter, eight to a lock as a fill pass takes them) and finish_fetched (the request
     accounted once), each writing its row into the frame for the pipe, and the frame taken;
   - the gatherer unpacking the frames (the starts and ends between two other events stay rows:
     one RequestRows event);
   - the gatherer's ledger (every request counted once, in the process that ends the run);
   - the stats model folding them (the summary, the table, the exports read it).
"""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from _helpers import ensure, serving_nginx  # bench/ is on sys.path when a bench runs
from floor import BARE
from peers import run_hey
from where import children, cpu_s

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.counter import SharedCounter
from fetchtui.core.runs.events import Outcome, Phases, RequestFinished, RequestStarted, ThreadInfo
from fetchtui.core.runs.ledger import Ledger
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats

CORES = os.cpu_count() or 1
BATCH = 200  # events per packed batch, about what a 5 ms forward carries at these rates


def floor_cpu_us(url: str, n: int) -> tuple[float, float]:
    """(req/s, CPU us per request) of the bare capped loop in 2 processes of 16 handles."""
    code = BARE.replace('print("RESULT", n, time.perf_counter() - began)',
                        'print("RESULT", n, time.perf_counter() - began, time.process_time())')
    procs = [subprocess.Popen([sys.executable, "-c", code, url, str(n // 2), "16", "capped"],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600)[0].split("RESULT", 1)[1].split() for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit("a bare loop failed")
    wall = max(float(out[1]) for out in outs)
    return (n // 2) * 2 / wall, sum(float(out[2]) for out in outs) * 1e6 / ((n // 2) * 2)


def timed(setup: Callable[[], Callable[[], object]], n: int) -> float:
    """us per request of the call setup() returns (it handles n requests), best of three."""
    best = float("inf")
    for _ in range(3):
        run = setup()
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best * 1e6 / n


def pieces(n: int) -> dict[str, float]:
    """Each piece of fetchtui's part of a request, us per request, timed alone."""
    targets = parse_targets(f"http://127.0.0.1:9/ x{n}")
    config = RunConfig(workers=16, model="curl-multi", client="pycurl", processes=2)
    thread = ThreadInfo(1, "transfer-0", 2, os.getpid(), 0)

    def phases() -> Phases:
        return Phases(None, None, None, 90_000, 10_000, 1, True)

    def finished(req_id: int) -> object:
        return RequestFinished(req_id, 10 * req_id + 5, thread, Outcome.OK, 200, 2, cpu_ns=100,
                               phases=phases(), http_version="HTTP/1.1")

    ends = [finished(req_id) for req_id in range(n)]
    stream = [e for req_id in range(n) for e in (RequestStarted(req_id, 10 * req_id, thread), ends[req_id])]
    batches = [stream[i:i + BATCH] for i in range(0, len(stream), BATCH)]
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        def ledger() -> Callable[[], object]:
            counter = SharedCounter(os.path.join(scratch, f"counter-{time.perf_counter_ns()}"), create=True)
            book = Ledger(n, queue.SimpleQueue().put, config, lambda count: counter.take(n, count))
            packer = Packer()
            book.write_into(packer)
            book.open(16)
            fields = (None, None, None, 90_000, 10_000, 1, True)

            def run() -> None:
                for req_id in range(n):
                    if req_id % 8 == 0:
                        book.reserve(8)
                    book.take(thread, 0)
                    book.finish_fetched(req_id, 10 * req_id + 5, thread, 100,
                                        (200, 2, None, None, fields, "HTTP/1.1"))
                    if req_id % 100 == 99:
                        book.take_frame(0)
            return run

        out["worker: ledger take + finish_fetched, as rows into the frame"] = timed(ledger, n)
    packer = Packer()  # one stream: a thread's number crosses once
    packed = [packer.pack(0, b) for b in batches]
    out["gatherer: unpacking them (into RequestRows)"] = timed(
        lambda: (lambda unpacker: lambda: [unpacker.unpack(p) for p in packed])(Unpacker()), n)
    unpacker = Unpacker()
    gathered = [unpacker.unpack(p) for p in packed]  # what the gathering ledger and the stats read

    def gather() -> Callable[[], object]:
        book = Ledger(n, queue.SimpleQueue().put, config)
        book.open(32)
        return lambda: [book.gather(batch, os.getpid()) for batch in gathered]

    out["gatherer: its ledger, counting each once"] = timed(gather, n)

    def fold() -> Callable[[], object]:
        stats = RunStats(targets)
        Ledger(n, stats.apply, config).open(32)  # its RunStarted
        return lambda: [stats.apply(batch) for batch in gathered]

    out["gatherer: the stats model folding them"] = timed(fold, n)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--pieces", type=int, default=100_000)
    args = parser.parse_args()
    hey = ensure("hey", "hey")
    if hey is None:
        raise SystemExit("bench/budget.py needs hey (apt-get install hey)")
    with serving_nginx("bench/budget.py") as (proc, url, _):
        best, nginx_us = 0.0, 0.0
        for c in (16, 64):
            workers = children(proc.pid)
            before = sum(cpu_s(p) for p in workers)
            rate = run_hey(hey, url, args.requests, c)
            if rate > best:
                best, nginx_us = rate, (sum(cpu_s(p) for p in workers) - before) * 1e6 / args.requests
        floor_rps, floor_us = max(floor_cpu_us(url, args.requests) for _ in range(2))
    budget = CORES * 1e6 / best
    left = budget - nginx_us - floor_us
    costs = pieces(args.pieces)
    print(f"{args.requests:,} instant requests to nginx on loopback, {CORES} cores, us of CPU per request\n")
    rows = {f"hey's best: {best:,.0f} req/s, so a request may take": budget,
            "of which nginx's (during hey)": nginx_us,
            f"the floor (bare capped loop 2x16, {floor_rps:,.0f} req/s)": floor_us,
            "left for fetchtui's own part, at 100% of the cores": left}
    for name, us in rows.items():
        print(f"  {name:56} {us:6.1f}")
    print()
    for name, us in costs.items():
        print(f"  {name:56} {us:6.2f}")
    total = sum(costs.values())
    print(f"  {'the pieces, timed alone (a lower bound)':56} {total:6.2f}")
    print(f"\nthe pieces alone take {total / left:.2f}x what beating hey leaves" if left > 0 else
          "\nbeating hey leaves nothing for fetchtui's own part")
    # The least any design that keeps a request's events and stats could pay: no pipe at all
    # (each worker process folding its own stats, merged at the end), at 100% of the cores.
    piped = {"gatherer: unpacking them (into RequestRows)", "gatherer: its ledger, counting each once"}
    unpiped = sum(us for name, us in costs.items() if name not in piped)
    least = nginx_us + floor_us + unpiped
    print(f"without the pipe (each worker folding its own stats): {least:.1f} us a request, "
          f"{least / budget:.2f} of what beating hey allows, before any loop bookkeeping or idle core")


if __name__ == "__main__":
    main()
