"""How many events a second the live UI's side can take in: a batch off the pipe, then folded.

    python bench/fold.py [--requests 100000] [--repeat 5]

Then, what the folded stats hold in memory, and what an ended run's summary costs once the
fold is done (its last frame computes it).

Each frame's batch crosses the pipe packed in columns (core/runs/packing.py) and is folded
into RunStats, with the live percentiles taken once per batch, as a frame does. Printed
beside it, in the same run: the same batches pickled event by event (as they crossed before),
so the ratio shows what the columns buy on each side of the pipe.
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
import tracemalloc

from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import (
    Event,
    Outcome,
    Phases,
    RequestFinished,
    RequestRows,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000, help="events per frame")
    parser.add_argument("--repeat", type=int, default=5, help="folds timed: the best is shown")
    args = parser.parse_args()
    n = args.requests
    threads = [ThreadInfo(1000 + i, f"fetchtui-worker_{i}", 5000 + i, 1) for i in range(16)]
    events: list[Event] = [RunStarted(n, 16, 0)]
    t = 1
    for i in range(n):
        events.append(RequestStarted(i, t, threads[i % 16]))
        phases = Phases(wait_ns=5 + i % 40, receive_ns=2, conn_id=i % 16, conn_reused=i >= 16)
        events.append(RequestFinished(i, t + 7 + i % 50, threads[i % 16], Outcome.OK, 200, 10, cpu_ns=100,
                                      phases=phases, http_version="HTTP/1.1"))
        t += 10
    chunks = [events[k:k + args.batch] for k in range(0, len(events), args.batch)]
    count = len(events)
    print(f"{count} events in batches of {args.batch}, k events/s (higher is better)")
    print(f"  {'':20} {'dump':>8} {'load':>8}")

    began = time.perf_counter()
    pickled = [pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL) for chunk in chunks]
    dumped = time.perf_counter()
    unpickled = [pickle.loads(data) for data in pickled]
    loaded = time.perf_counter()
    assert [e for batch in unpickled for e in batch] == events
    old = (count / (dumped - began), count / (loaded - dumped))

    packer, unpacker = Packer(), Unpacker()
    began = time.perf_counter()
    packed = [pickle.dumps(packer.pack(1, chunk), pickle.HIGHEST_PROTOCOL) for chunk in chunks]
    dumped = time.perf_counter()
    batches = [unpacker.unpack(pickle.loads(data)) for data in packed]
    loaded = time.perf_counter()
    assert sum(len(e) for batch in batches for e in batch if isinstance(e, RequestRows)) == 2 * n  # as rows
    new = (count / (dumped - began), count / (loaded - dumped))
    print(f"  {'pickled events':20} {old[0] / 1e3:8.0f} {old[1] / 1e3:8.0f}")
    print(f"  {'packed columns':20} {new[0] / 1e3:8.0f} {new[1] / 1e3:8.0f}")
    print(f"  {'packed / pickled':20} {new[0] / old[0]:7.2f}x {new[1] / old[1]:7.2f}x")

    # the comparison's 400,000 event objects go: the fold's allocations start the collector,
    # whose full passes would walk them too, and a monitor holds no such objects
    del events, chunks, pickled, unpickled
    RunStats(parse_targets("http://127.0.0.1:9/x")).apply(batches[0])  # numpy's import: paid once
    # the machine may be shared: the CPU time this process spent beside the wall time, the best
    # of a few folds, and the load average as it ran
    walls, cpus = [], []
    for _ in range(args.repeat):
        stats = RunStats(parse_targets(f"http://127.0.0.1:9/x x{n}"))
        began, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            stats.apply(batch)
            stats.latency_ms()
        folded = time.perf_counter()
        walls.append(folded - began)
        cpus.append(time.process_time() - cpu)
    began, folded = 0.0, min(walls)
    print(f"  fold + percentiles {count / (folded - began) / 1e3:8.0f}k events/s"
          f" ({(folded - began) / n * 1e6:.2f} us a request wall, {min(cpus) / n * 1e6:.2f} us CPU;"
          f" best of {args.repeat}, load average {os.getloadavg()[0]:.1f})")
    print(f"  load + fold        {count / (folded - began + count / new[1]) / 1e3:8.0f}k events/s")
    assert stats.ok == n
    # what the stats hold once folded (a second fold, traced: tracing slows it)
    tracemalloc.start()
    held = RunStats(parse_targets(f"http://127.0.0.1:9/x x{n}"))
    for batch in batches:
        held.apply(batch)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"  the folded stats hold {size / 1e6:8.1f} MB ({size / n:.0f} bytes a request)")
    # the last frame of a live run computes the ended run's summary (per-URL figures, exact
    # percentiles, the history's sample), as an export and the history do
    stats.apply([RunEnded(t + 1, False)])
    began = time.perf_counter()
    stats.summary()
    print(f"  an ended run's summary  {(time.perf_counter() - began) * 1e3:6.1f} ms ({n} requests)")


if __name__ == "__main__":
    main()
