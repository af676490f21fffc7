"""How many events a second the live UI's side can take in: unpickling a batch, then folding it.

    python bench/fold.py [--requests 100000]

The pool (in its own process) cannot make that many: a GIL-bound engine finishes a few
thousand requests a second. This shows the UI's side is not what limits a run: each frame's
batch is unpickled off the pipe and folded into RunStats, with the live percentiles taken
once per batch, as a frame does.
"""

from __future__ import annotations

import argparse
import pickle
import time

from fetchtui.core.events import Event, Outcome, RequestFinished, RequestStarted, RunStarted, ThreadInfo
from fetchtui.core.stats import RunStats
from fetchtui.core.targets import parse_targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000, help="events per frame")
    args = parser.parse_args()
    n = args.requests
    threads = [ThreadInfo(1000 + i, f"fetchtui-worker_{i}", 5000 + i, 1) for i in range(16)]
    events: list[Event] = [RunStarted(n, 16, 0)]
    t = 1
    for i in range(n):
        events.append(RequestStarted(i, t, threads[i % 16]))
        events.append(RequestFinished(i, t + 7 + i % 50, threads[i % 16], Outcome.OK, 200, 10, cpu_ns=100))
        t += 10
    wire = [pickle.dumps(events[k:k + args.batch], pickle.HIGHEST_PROTOCOL)
            for k in range(0, len(events), args.batch)]
    stats = RunStats(parse_targets(f"http://127.0.0.1:9/x x{n}"))

    began = time.perf_counter()
    batches = [pickle.loads(data) for data in wire]
    unpickled = time.perf_counter()
    for batch in batches:
        stats.apply(batch)
        stats.latency_ms()
    folded = time.perf_counter()

    count = len(events)
    print(f"{count} events in batches of {args.batch}")
    print(f"  unpickle           {count / (unpickled - began) / 1e3:8.0f}k events/s")
    print(f"  fold + percentiles {count / (folded - unpickled) / 1e3:8.0f}k events/s")
    print(f"  both               {count / (folded - began) / 1e3:8.0f}k events/s")
    assert stats.ok == n


if __name__ == "__main__":
    main()
