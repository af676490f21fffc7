"""Load: 1,000 workers over 20,000 requests to the demo server (in its own process).

    python bench/load.py [--workers 1000] [--requests 20000] [--client requests]

Prints accounting, elapsed, req/s, connection-pool warnings ("connection pool is full"
means connections were thrown away and reopened) and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import logging
import resource
import subprocess
import sys
import time

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.sweep import run_once


class Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.pool_full = 0
        self.other = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.pool_full += 1
        else:
            self.other += 1


def main() -> None:
    parser = argparse.ArgumentParser(description="1,000 workers over 20,000 requests")
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--client", choices=THREAD_CLIENTS, default=None, help="default: all three")
    args = parser.parse_args()
    counter = Count()
    logging.getLogger("urllib3").addHandler(counter)
    logging.getLogger("httpx").addHandler(counter)
    proc = subprocess.Popen([sys.executable, "-m", "fetchtui", "demo-server", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    base = proc.stdout.readline().split(" on ", 1)[1].split()[0]
    try:
        for client in [args.client] if args.client else list(THREAD_CLIENTS):
            targets = parse_targets(f"{base}/delay/20 x{args.requests}")
            began = time.perf_counter()
            stats = run_once(targets, RunConfig(args.workers, client, FetchLimits(timeout=60)))
            took = time.perf_counter() - began
            s = stats.summary()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            exact = s["submitted"] == s["ok"] + s["failed"] + s["cancelled"]
            print(f"{client:20} {args.workers} workers x {args.requests} requests: "
                  f"ok {s['ok']} failed {s['failed']} cancelled {s['cancelled']} "
                  f"(accounting {'exact' if exact else 'WRONG'}), errors {s['error_counts'] or '-'}, "
                  f"{took:.1f} s, {s['rps']:.0f} req/s, threads seen {len(stats.threads)}, "
                  f"pool-full warnings {counter.pool_full}, peak RSS so far {peak:.0f} MiB",
                  flush=True)
    finally:
        proc.terminate()
        proc.wait(5)


if __name__ == "__main__":
    main()
