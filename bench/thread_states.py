"""What sampling the threads' states costs a run, and what it shows: the same run with the
sampler off, from a child process (as every front end samples) and from a thread inside the
run's process, side by side, in rounds that take turns going first (a shared machine's load
falls on every side alike); with --lag, the live monitor's lag with the sampler on and off;
with --real, where the threads' time goes on each model and interpreter.

    python bench/thread_states.py [--requests 8000] [--workers 16] [--rounds 3] [--client requests]
                                  [--lag] [--ui-requests 5000] [--real] [--python PATH]
    python bench/thread_states.py --sampler [--vs-src OTHER/src] [--rounds 3]

nginx (the distribution's, keep-alive, `200 ok`) on a free loopback port, the demo server for
/delay/100. The cost table: each side's median req/s over the rounds (the engine's own figure,
from the run's first request to its last), the ratio to the run with no sampler (of the medians,
and the median of each round's own, with a 95% bootstrap interval), the rate the
sampler kept, the sampler child's CPU (a share of one core over the run), and where the fetching
threads' time went (the last round's). --lag: bench/tui.py's measure (an event's stamp in the
fetch process to the end of the frame that shows it, in tmux), each round the same run with the
monitor's sampler on and off. --real: one run a row, the shares of each state; --python (or
FETCHTUI_FREE_THREADED_PYTHON) adds the free-threaded rows. --sampler: the sampler child's own
CPU (start-up, imports, the GIL's place and 4 s of ticks), this checkout's against another's.
The load average is printed before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
from pathlib import Path

from _helpers import serving_nginx, start_server  # bench/ is on sys.path when a bench runs

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.session import RunSession
from fetchtui.core.threadstates.figures import ThreadStates
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.sampling import Sampling

MODES = ("off", "child", "thread")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def run(url: str, requests: int, config: RunConfig, sampling: Sampling | None) -> RunSession:
    """One run to its end, its threads' states (if sampled) in its stats."""
    session = RunSession.open(None, parse_targets(f"{url} x{requests}"), config, sampling=sampling)
    try:
        session.start()
        session.run_to_end(live=False)
    finally:
        session.close_out(within=0)
    session.thread_states()  # a child is waited for here: its CPU is counted from now
    return session


def one(url: str, requests: int, config: RunConfig, mode: str) -> tuple[float, ThreadStates | None, float]:
    """One run: its req/s, its threads' states (sampled) and the sampler child's CPU seconds
    a second of the run (its start-up and calibration included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = run(url, requests, config, None if mode == "off" else Sampling(in_process=mode == "thread")).stats
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert stats.ok == requests, stats.summary()
    return stats.rps(), stats.thread_states, cpu / stats.elapsed_s()


def interval(ratios: list[float], draws: int = 10_000) -> tuple[float, float]:
    """A 95% bootstrap interval of the median of `ratios` (the rounds drawn again with replacement):
    how far the paired figure could move with other rounds on this machine."""
    import numpy as np

    drawn = np.random.default_rng(0).choice(np.asarray(ratios), size=(draws, len(ratios)))
    low, high = np.percentile(np.median(drawn, axis=1), [2.5, 97.5])
    return float(low), float(high)


def shares_row(states: ThreadStates | None) -> str:
    shares = states.shares if states is not None else {}
    why = f"  ({states.why})" if states is not None and states.why else ""
    return " ".join(f"{shares.get(s, 0.0):8.1%}" for s in STATES) + why


def cost(url: str, args: argparse.Namespace) -> None:
    config = RunConfig(args.workers, args.client, FetchLimits(timeout=30))
    modes = ("off", *(m for m in MODES[1:] if m in args.modes.split(",")))
    one(url, 500, config, "off")  # warm: the client imported, the first connections made
    rps: dict[str, list[float]] = {mode: [] for mode in modes}
    cpu: dict[str, list[float]] = {mode: [] for mode in modes}
    seen: dict[str, ThreadStates] = {}
    for n in range(args.rounds):
        k = n % len(modes)
        for mode in modes[k:] + modes[:k]:  # each side goes first in turn
            rate, states, child_cpu = one(url, args.requests, config, mode)
            rps[mode].append(rate)
            cpu[mode].append(child_cpu)
            if states is not None:
                seen[mode] = states
    base = statistics.median(rps["off"])
    print(f"cost: {args.requests} requests, {args.workers} threads, {args.client}, nginx at {url}; "
          f"{args.rounds} rounds, each side's median, and the median of each round's own ratio to off "
          "(its runs minutes apart at most: the load they met alike)")
    print(f"{'sampler':8} {'req/s':>8} {'vs off':>7} {'paired':>7} {'95% interval':>13} {'Hz':>5} "
          f"{'child':>6}  " + " ".join(f"{s:>8}" for s in STATES))
    for mode in modes:
        median = statistics.median(rps[mode])
        ratios = [r / o for r, o in zip(rps[mode], rps["off"], strict=True)]
        paired, (low, high) = statistics.median(ratios), interval(ratios)
        states = seen.get(mode)
        hz = f"{states.hz:5.0f}" if states is not None and states.hz else "    -"
        print(f"{mode:8} {median:8.0f} {median / base:7.3f} {paired:7.3f} {low:6.3f}-{high:.3f} {hz} "
              f"{statistics.median(cpu[mode]):6.1%}  " + shares_row(states))
    print("rounds:", {mode: [round(r) for r in rates] for mode, rates in rps.items()}, flush=True)


def lag(url: str, args: argparse.Namespace) -> None:
    """The live monitor in tmux (bench/tui.py), the same run with its sampler on and off."""
    from tui import pct, with_ui

    sides = {"sampled": "threads/requests/1", "unsampled": "threads/requests/1/unsampled"}
    lags: dict[str, list[float]] = {side: [] for side in sides}
    elapsed: dict[str, list[float]] = {side: [] for side in sides}
    p99s: dict[str, list[float]] = {side: [] for side in sides}  # each run's own
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        listing = tmp / "instant.txt"
        listing.write_text(f"{url} x{args.ui_requests}\n")
        for n in range(args.rounds):
            for side in (list(sides) if n % 2 == 0 else list(sides)[::-1]):
                result, _ = with_ui(str(listing), args.workers, tmp, 0, sides[side])
                assert result["ok"] == args.ui_requests
                lags[side] += [lag / 1e6 for lag in result["lags_ns"]]
                p99s[side].append(pct([lag / 1e6 for lag in result["lags_ns"]], 99))
                elapsed[side].append(result["elapsed_s"])
    print(f"live monitor: {args.ui_requests} requests, {args.workers} threads, requests, nginx; "
          f"{args.rounds} rounds each side, taking turns to go first")
    print(f"{'monitor':10} {'run s':>7} {'req/s':>7} {'lag p50':>8} {'lag p99':>8} {'events':>7}")
    for side in sides:
        run_s = statistics.median(elapsed[side])
        print(f"{side:10} {run_s:7.2f} {args.ui_requests / run_s:7.0f} {pct(lags[side], 50):6.1f}ms "
              f"{pct(lags[side], 99):6.1f}ms {len(lags[side]):7}", flush=True)
    print("each run's lag p99 (ms):", {side: [round(x) for x in values] for side, values in p99s.items()})


BUSY_THREADS = """
import sys, threading, time
def work():
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:
        time.sleep(0.0005)
threads = [threading.Thread(target=work) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def sampler_cpu(src: str | None, window_s: float = 4.0) -> float:
    """The sampler child's CPU seconds (its start-up included) sampling a process of 16 threads
    that wake every 0.5 ms, for `window_s` once it is sampling; from `src` (another checkout's
    src/, put first on the child's path as `fetchtui`) if given."""
    import subprocess
    import sys
    import time

    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as name:
        if src is not None:
            os.symlink(os.path.abspath(src), os.path.join(name, "fetchtui"))
            env["PYTHONPATH"] = name
        target = subprocess.Popen([sys.executable, "-c", BUSY_THREADS, str(window_s + 2)])
        try:
            time.sleep(0.3)  # its threads started
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            command = [sys.executable, "-m", "fetchtui.core.threadstates.child", str(target.pid), "120"]
            child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            assert child.stdin is not None and child.stdout is not None
            assert child.stdout.read(1) == b"R", "the sampler did not start"
            time.sleep(window_s)
            child.stdin.close()
            child.stdout.read()
            child.wait(10)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            target.kill()
            target.wait()
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def sampler(args: argparse.Namespace) -> None:
    """The sampler child's own CPU, this checkout's against --vs-src's in turn."""
    sides: dict[str, str | None] = {"this": None}
    if args.vs_src:
        sides["vs"] = args.vs_src
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    for n in range(args.rounds):
        for side in (list(sides) if n % 2 == 0 else list(sides)[::-1]):
            cpu[side].append(sampler_cpu(sides[side]))
    print(f"sampler child's CPU, 4 s of a process of 16 threads waking every 0.5 ms, at 120 Hz; "
          f"{args.rounds} rounds, taking turns" + (f"; vs = {args.vs_src}" if args.vs_src else ""))
    for side, values in cpu.items():
        print(f"{side:5} median {statistics.median(values):.3f} s  rounds "
              + " ".join(f"{v:.3f}" for v in values), flush=True)


def real(nginx: str, args: argparse.Namespace) -> None:
    """Where the threads' time goes on real runs: one run a row."""
    proc, base = start_server()
    slow = f"{base}/delay/100"
    limits = FetchLimits(timeout=30)
    rows: list[tuple[str, str, int, RunConfig]] = [
        ("16 threads, requests, instant nginx", nginx, args.requests, RunConfig(16, "requests", limits)),
        ("16 threads, requests, /delay/100", slow, 320, RunConfig(16, "requests", limits)),
        ("processes 2x8, requests, instant nginx", nginx, args.requests,
         RunConfig(8, "requests", limits, model="processes", processes=2)),
        ("asyncio 64, aiohttp, instant nginx", nginx, args.requests,
         RunConfig(64, "aiohttp", limits, model="asyncio")),
        ("curl-multi 64, pycurl, instant nginx", nginx, args.requests,
         RunConfig(64, "pycurl", limits, model="curl-multi", processes=1)),
    ]
    python = args.python or os.environ.get("FETCHTUI_FREE_THREADED_PYTHON")
    if python:
        rows[2:2] = [("3.13t: 16 threads, requests, instant nginx", nginx, args.requests,
                      RunConfig(16, "requests", limits, python=python)),
                     ("3.13t: 16 threads, requests, /delay/100", slow, 320, RunConfig(16, "requests", limits,
                                                                                      python=python))]
    try:
        print("real runs: each row one run, shares of the fetching threads' sampled time")
        print(f"| {'run':44} | {'req/s':>6} | " + " | ".join(f"{s:>8}" for s in STATES) + " |")
        print("|" + "-" * 46 + "|" + "-" * 8 + "|" + "|".join("-" * 10 for _ in STATES) + "|")
        for label, url, requests, config in rows:
            run(url, min(requests, 500), config, None)  # warm: imports, connections, a fetch process
            session = run(url, requests, config, Sampling())
            states = session.stats.thread_states
            shares = states.shares if states is not None else {}
            why = f" ({states.why})" if states is not None and states.why else ""
            print(f"| {label:44} | {session.stats.rps():6.0f} | "
                  + " | ".join(f"{shares.get(s, 0.0):8.1%}" for s in STATES) + f" |{why}", flush=True)
    finally:
        proc.terminate()
        proc.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client", default="requests")
    parser.add_argument("--modes", default=",".join(MODES), help="the cost table's sides (off is always one)")
    parser.add_argument("--lag", action="store_true", help="the live monitor's lag, sampler on and off")
    parser.add_argument("--ui-requests", type=int, default=5000, help="instant requests per monitor run")
    parser.add_argument("--real", action="store_true", help="the shares of each state on each model")
    parser.add_argument("--sampler", action="store_true",
                        help="only the sampler child's own CPU (no nginx), against --vs-src's in turn")
    parser.add_argument("--vs-src", help="with --sampler: another checkout's src/ to compare with")
    parser.add_argument("--only", action="store_true", help="with --lag or --real: not the cost table")
    parser.add_argument("--python", help="a free-threaded Python for --real's 3.13t rows")
    args = parser.parse_args()
    print(load(), flush=True)
    if args.sampler:
        sampler(args)
        print(load(), flush=True)
        return
    with serving_nginx("bench/thread_states.py") as (_proc, url, _dir):
        if not args.only:
            cost(url, args)
            print(load(), flush=True)
        if args.lag:
            lag(url, args)
            print(load(), flush=True)
        if args.real:
            real(url, args)
            print(load(), flush=True)


if __name__ == "__main__":
    main()
