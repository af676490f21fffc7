"""Benchmark the engine against the seed's bare script, with the demo server in its own process.

Prints, in one run: each client's scheduling efficiency (ideal time / actual time) for
200 x /delay/100 at 1, 10 and 50 workers beside the seed's approach (a shared
requests.Session + executor.map), and the wall-time ratio engine / seed on 2,000 x /delay/0
at 8 workers (median of several alternating rounds).

    python bench/engine.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from _helpers import start_server  # bench/ is on sys.path when a bench runs

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.sweep import run_once


def seed(urls: list[str], workers: int) -> float:
    """The lesson's script, minus its prints: shared Session, executor.map, response.text."""
    def fetcher(params: tuple[requests.Session, str]) -> str:
        session, url = params
        with session.get(url) as response:
            return response.text

    began = time.perf_counter()
    executor = ThreadPoolExecutor(max_workers=workers)
    with requests.Session() as session:
        result = list(executor.map(fetcher, [(session, url) for url in urls]))
    executor.shutdown()
    took = time.perf_counter() - began
    assert len(result) == len(urls)
    return took


def engine(urls: list[str], workers: int, client: str = "requests") -> float:
    """fetchtui's engine with the headless consumer folding every event into the stats model."""
    targets = parse_targets("\n".join(urls))
    began = time.perf_counter()
    stats = run_once(targets, RunConfig(workers, client, FetchLimits(timeout=30)))
    took = time.perf_counter() - began
    assert stats.ok == len(urls), stats.summary()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1-worker runs (20 s each)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the throughput case")
    args = parser.parse_args()
    proc, base = start_server()
    try:
        delay = [f"{base}/delay/100"] * 200
        counts = [10, 50] if args.quick else [1, 10, 50]
        runners: dict[str, Callable[[list[str], int], float]] = {"seed script": seed}
        for name in THREAD_CLIENTS:
            runners[f"engine/{name}"] = lambda urls, w, name=name: engine(urls, w, name)
        print(f"scheduling efficiency, 200 x /delay/100 (ideal = ceil(200/w) x 0.1 s), server {base}")
        print(f"{'':28}" + "".join(f"{f'{w} workers':>14}" for w in counts))
        for label, runner in runners.items():
            row = []
            for w in counts:
                ideal = math.ceil(200 / w) * 0.1
                row.append(ideal / runner(delay, w))
            print(f"{label:28}" + "".join(f"{e:>14.3f}" for e in row), flush=True)

        instant = [f"{base}/delay/0"] * 2000
        seed(instant[:200], 8), engine(instant[:200], 8)  # warm both paths
        seed_t, engine_t = [], []
        for _ in range(args.rounds):
            seed_t.append(seed(instant, 8))
            engine_t.append(engine(instant, 8))
        s, e = statistics.median(seed_t), statistics.median(engine_t)
        print(f"\nthroughput, 2000 x /delay/0 at 8 workers, median of {args.rounds} alternating rounds")
        print(f"seed script   {s:.3f} s  ({2000 / s:.0f} req/s)")
        print(f"engine        {e:.3f} s  ({2000 / e:.0f} req/s)")
        print(f"engine / seed wall-time ratio: {e / s:.3f}")
    finally:
        proc.terminate()
        proc.wait(5)


if __name__ == "__main__":
    main()
