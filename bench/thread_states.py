"""What sampling the threads' states costs a run, and what it shows: the same run with the
sampler off, from a child process (as `fetchtui run` samples) and from a thread inside the
run's process, side by side, in alternating rounds.

    python bench/thread_states.py [--requests 8000] [--workers 16] [--rounds 3] [--client requests]

nginx (the distribution's, keep-alive, `200 ok`) on a free loopback port. Each row is its
median req/s over the rounds (the engine's own figure, from the run's first request to its
last), the ratio to the run with no sampler, the rate the sampler kept, the sampler child's
CPU (a share of one core over the run), and where the fetching threads' time went (the last
round's).
"""

from __future__ import annotations

import argparse
import resource
import statistics

from _helpers import serving_nginx  # bench/ is on sys.path when a bench runs

from fetchtui.core.config import FetchLimits, RunConfig
from fetchtui.core.sweep import run_once
from fetchtui.core.targets import parse_targets
from fetchtui.core.threadstates.figures import ThreadStates
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.run import RunStates

MODES = ("off", "child", "thread")


def one(url: str, requests: int, config: RunConfig, mode: str) -> tuple[float, ThreadStates | None, float]:
    """One run: its req/s, its threads' states (sampled) and the sampler child's CPU seconds
    a second of the run (its start-up and calibration included)."""
    targets = parse_targets(f"{url} x{requests}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    states = None if mode == "off" else RunStates(in_process=mode == "thread")
    try:
        stats = run_once(targets, config)
    finally:
        if states is not None:
            states.stop()  # a child is waited for here: its CPU is counted from now
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert stats.ok == requests, stats.summary()
    return stats.rps(), None if states is None else states.figures(stats), cpu / stats.elapsed_s()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client", default="requests")
    args = parser.parse_args()
    config = RunConfig(args.workers, args.client, FetchLimits(timeout=30))
    with serving_nginx("bench/thread_states.py") as (_proc, url, _dir):
        one(url, 500, config, "off")  # warm: the client imported, the first connections made
        rps: dict[str, list[float]] = {mode: [] for mode in MODES}
        cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
        seen: dict[str, ThreadStates] = {}
        for _ in range(args.rounds):
            for mode in MODES:
                rate, states, child_cpu = one(url, args.requests, config, mode)
                rps[mode].append(rate)
                cpu[mode].append(child_cpu)
                if states is not None:
                    seen[mode] = states
        base = statistics.median(rps["off"])
        print(f"{args.requests} requests, {args.workers} threads, {args.client}, nginx at {url}; "
              f"median of {args.rounds} rounds")
        print(f"{'sampler':8} {'req/s':>8} {'vs off':>7} {'Hz':>5} {'child':>6}  "
              + " ".join(f"{s:>8}" for s in STATES))
        for mode in MODES:
            median = statistics.median(rps[mode])
            states = seen.get(mode)
            shares = states.shares if states is not None else {}
            hz = f"{states.hz:5.0f}" if states is not None else "    -"
            why = f"  ({states.why})" if states is not None and states.why else ""
            print(f"{mode:8} {median:8.0f} {median / base:7.3f} {hz} {statistics.median(cpu[mode]):6.1%}  "
                  + " ".join(f"{shares.get(s, 0.0):8.1%}" for s in STATES) + why)
        print("rounds:", {mode: [round(r) for r in rates] for mode, rates in rps.items()})


if __name__ == "__main__":
    main()
