"""Where a request's CPU goes at fetchtui's fastest: the worker processes, the gathering one, nginx.

    python bench/where.py [--requests 100000] [--processes 2] [--workers 16] [--rounds 3]

A curl-multi run of N instant requests to nginx (as bench/peers.py's), headless as
`fetchtui run` does it: the worker processes drive libcurl and pack their batches, this
process gathers and folds them. Each process's CPU (user + system, from /proc) is divided by
the requests, beside what the machine's cores had to give per request while it fetched (the
gathering process folds once the fetching has ended, as `fetchtui run` does with no terminal),
and what hey's rate (bench/peers.py) would leave. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from _helpers import serving_nginx  # bench/ is on sys.path when a bench runs

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.processes import ProcessesSource
from fetchtui.core.runs.source import fold_to_end
from fetchtui.core.stats import RunStats

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """A process's user + system CPU so far, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def one_run(url: str, n: int, processes: int, workers: int, nginx_pid: int) -> dict[str, float]:
    targets = parse_targets(f"{url} x{n}")
    source = ProcessesSource(targets, RunConfig(workers=workers, client="pycurl", model="curl-multi",
                                                processes=processes))
    stats = RunStats(targets)
    nginx_workers = children(nginx_pid)
    nginx_before = sum(cpu_s(p) for p in nginx_workers)
    seen: dict[int, float] = {}
    running = True

    def sample() -> None:  # a worker process's CPU, read until it exits (its last reading stays)
        while running:
            for pid in source.pids:
                try:
                    seen[pid] = cpu_s(pid)
                except OSError:
                    pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    began_cpu = time.process_time()
    source.start()
    sampler.start()
    fold_to_end(source, stats, within=300, live=False)  # as `fetchtui run` folds, with no terminal
    here = time.process_time() - began_cpu
    running = False
    sampler.join()
    nginx = sum(cpu_s(p) for p in nginx_workers) - nginx_before
    source.close()
    assert stats.ok == n, f"{stats.ok} of {n} ok"
    us = 1e6 / n
    return {"rps": n / stats.elapsed_s(), "workers": sum(seen.values()) * us, "gathering": here * us,
            "nginx": nginx * us, "cores": (os.cpu_count() or 1) * stats.elapsed_s() * us}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hey", type=float, default=0, help="hey's req/s, to print what it leaves")
    args = parser.parse_args()
    with serving_nginx("bench/where.py") as (proc, url, _):
        rounds = [one_run(url, args.requests, args.processes, args.workers, proc.pid)
                  for _ in range(args.rounds)]
    print(f"curl-multi {args.processes}x{args.workers}, {args.requests} instant requests to nginx, "
          f"CPU per request (us), {args.rounds} rounds")
    print(f"  {'req/s':>8} {'workers':>8} {'gather':>8} {'nginx':>8} {'sum':>8} {'cores had':>10}")
    for r in rounds:
        total = r["workers"] + r["gathering"] + r["nginx"]
        print(f"  {r['rps']:8,.0f} {r['workers']:8.1f} {r['gathering']:8.1f} {r['nginx']:8.1f} "
              f"{total:8.1f} {r['cores']:10.1f}")
    if args.hey:
        budget = (os.cpu_count() or 1) * 1e6 / args.hey
        print(f"  at hey's {args.hey:,.0f} req/s the cores have {budget:.1f} us a request for all of it")


if __name__ == "__main__":
    main()
