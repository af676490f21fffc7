"""How fast a live resize takes hold: from the key's command to the first request on a new worker.

    python bench/resize.py [--presses 20] [--client pycurl]

The TUI's path, measured without the terminal: the run lives in the fetch process
(FetchProcess, as the TUI runs it), on the fastest client, fetching an instant nginx
(installed with apt-get when missing) so the fetch process is as busy as it gets. Each
press asks for one worker more (what `+` does, through the same pipe); the figure is the
time from the ask to the first start row of a worker that was not there before
(perf_counter_ns, the machine's monotonic clock in both processes), and to when that event
reached this process (what the screen can show on its next frame). Prints p50/p99 of both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _helpers import serving_nginx  # bench/ is on sys.path when a bench runs

from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.child import FetchProcess
from fetchtui.core.runs.events import STARTED, RequestRows, StartFields
from fetchtui.core.stats import RunStats
from fetchtui.core.stats.hist import nearest as percentile


def measure(url: str, presses: int, client: str) -> tuple[list[float], list[float]]:
    """(ask -> first request on the new worker, ask -> that event here), in ms, per press."""
    sources = FetchProcess()
    sources.warm()
    targets = parse_targets(f"{url} x1000")  # repeated for the duration
    source = sources.open(targets, RunConfig(2, client, duration=600))  # type: ignore[arg-type]
    stats = RunStats(targets)
    started, seen = [], []
    source.start()
    try:
        give_up = time.monotonic() + 10
        while len(stats.threads) < 2:  # the first two workers run
            if time.monotonic() > give_up:
                raise SystemExit("the run did not start within 10 s")
            stats.apply(source.drain(0.05))
        for press in range(presses):
            known = {w.info.worker for w in stats.threads.values()}
            asked = time.perf_counter_ns()
            source.resize(3 + press)
            give_up = time.monotonic() + 10
            new: StartFields | None = None
            while new is None:
                if time.monotonic() > give_up:
                    raise SystemExit(f"press {press + 1}: no new worker within 10 s")
                batch = source.drain(0.01)
                arrived = time.perf_counter_ns()
                stats.apply(batch)
                new = next((fields for rows in batch if isinstance(rows, RequestRows)
                            for kind, fields in zip(rows.kinds, rows.fields(), strict=True)
                            if kind == STARTED and fields[2].worker not in known), None)
            started.append((new[1] - asked) / 1e6)
            seen.append((arrived - asked) / 1e6)
        source.cancel()
        give_up = time.monotonic() + 10
        while not stats.ended and time.monotonic() < give_up:
            stats.apply(source.drain(0.05))
    finally:
        source.close()
        sources.close()
    print(f"  {stats.done:,} requests meanwhile, {stats.rps():,.0f} req/s, "
          f"{len(stats.threads)} workers at the end", file=sys.stderr)
    return started, seen


def figures(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (f"{name:<38} p50 {percentile(ordered, 50):7.2f} ms  p99 {percentile(ordered, 99):7.2f} ms"
            f"  mean {statistics.fmean(values):7.2f} ms  max {ordered[-1]:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--client", default="pycurl")
    args = parser.parse_args()
    with serving_nginx("bench/resize.py") as (_, url, _):
        started, seen = measure(url, args.presses, args.client)
    print(f"live resize, {args.presses} presses of + (2 -> {2 + args.presses} workers), "
          f"threads/{args.client} in the fetch process, instant nginx:")
    print(figures("ask -> first request on the new worker", started))
    print(figures("ask -> that request seen by the UI", seen))


if __name__ == "__main__":
    main()
