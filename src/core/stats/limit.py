"""What limits a run: the workers, the client's CPU, the server, or the rate it was given.

Little's law is the check: requests in flight = throughput times latency. Judged in this order:

- rate: an open-loop run (-q) that keeps its schedule is paced by it, nothing else;
- client_cpu: the workers' CPU per request times req/s is near what the client can spend (one
  core per process under the GIL); where the threads' states were sampled, it leads with what
  they waited for: the GIL, or a core (`runnable`: the machine's cores were full); and threads
  that spent half their time or more waiting for the GIL or a core are the bound whatever
  the CPU figure says (a client starved of cores spends less CPU than it would use);
- server: requests wait at the server: more workers raised latency, not throughput (from
  the resizes or stages of the run), or, with one pool size, requests take several times
  as long as their URL's fastest did;
- workers: every worker is busy, the client has CPU to spare and requests take as long as
  they do alone: more workers would help.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from fetchtui.core.report.summary import Limit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from fetchtui.core.stats.by_url import UrlRows
    from fetchtui.core.stats.run_stats import RunStats
    from fetchtui.core.stats.steering import Segment

MIN_REQUESTS = 10  # fewer, and no verdict: a start-up is not a run
CPU_BOUND = 0.75  # the share of the client's CPU capacity at which it is the bound
QUEUED = 2.0  # latency this many times a URL's fastest: requests wait somewhere
RECENT = 2000  # the requests the queueing ratio is read from: the run as it is now
STEP_GAIN = 0.25  # a resize that bought less than this share of its promise hit the server
SETTLE_S = 0.5  # a pool size read for less than this (or 3 latencies) says nothing yet
FAILING = 0.5  # the share of failed requests from which failures are the verdict
CITED = 0.1  # the share of the threads' time waiting for the GIL or a core from which it is cited
WAITING_TO_RUN = 0.5  # waiting for the GIL or a core this much of their time, the threads are the bound


class Floors:
    """Each listed URL's fastest latency so far, and the latest requests' latencies against it.

    A URL is a line of the list with its `xN` repeats: `URL x80` is one URL, not 80.
    """

    def __init__(self, rows: UrlRows) -> None:
        self._listed = rows.listed
        self._ends = rows.runs.run_ends()
        self._runs = max(1, rows.runs.run_count)
        self._floor: NDArray[np.int64] | None = None  # made on the first request: 8 bytes a line
        self._lines: NDArray[np.int64] | None = None  # the latest requests' lines and latencies
        self._latencies: NDArray[np.int64] | None = None

    def add(self, req_ids: NDArray[np.int64], latencies: NDArray[np.int64]) -> None:
        """Requests that ran, in the order they ended."""
        import numpy as np

        if self._floor is None:
            self._floor = np.full(self._runs, np.iinfo(np.int64).max, np.int64)
        if self._runs > 1:
            lines = np.searchsorted(np.frombuffer(self._ends, np.int64), req_ids % self._listed, side="right")
            np.minimum.at(self._floor, lines, latencies)
        else:
            lines = np.zeros(len(req_ids), np.int64)
            self._floor[0] = min(int(self._floor[0]), int(latencies.min()))
        if self._lines is None or self._latencies is None:
            self._lines, self._latencies = lines[-RECENT:], latencies[-RECENT:]
        else:
            self._lines = np.concatenate((self._lines, lines))[-RECENT:]
            self._latencies = np.concatenate((self._latencies, latencies))[-RECENT:]

    def queueing(self) -> float | None:
        """The median of the latest requests' latency over their URL's fastest (1: no wait)."""
        import numpy as np

        floor, lines = self._floor, self._lines
        if floor is None or lines is None or self._latencies is None or not len(lines):
            return None
        return _median(np.sort(self._latencies / np.maximum(floor[lines], 1)).tolist())


def _median(ordered: list[float]) -> float:
    """statistics.median of sorted values."""
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def judge(stats: RunStats, now_ns: int | None = None,
          states: Mapping[str, float] | None = None) -> Limit | None:
    """The bound the run is at, with its evidence; None until enough requests have run.
    `states`: each thread state's share of the fetching threads' time, where it was sampled."""
    ran = stats.ok + stats.failed
    if ran < MIN_REQUESTS:
        return None
    if stats.failed >= FAILING * ran:  # a rate read from failures says nothing of the workers
        kinds = ", ".join(f"{kind} {count}" for kind, count in stats.error_counts.most_common(3))
        return Limit("server", f"{stats.failed / ran:.0%} of requests failed ({kinds}): failures, not the "
                               "workers, bound this run; mend what fails before reading its speed")
    rps, latency = _now(stats, now_ns)
    rate = stats.pace.rate
    if rate is not None:
        lag = stats.pace.lag_ms(stats.ended)
        if lag.p90 < 50 and stats.behind(now_ns) <= max(1, rate * 0.05):
            return Limit("rate", f"open loop at {rate:g}/s, kept (sends lag the schedule by "
                                 f"{lag.p90:.1f} ms, p90): the rate, not the workers, sets the pace")
    cpu_ms = stats.workers_.cpu_ms_per_request()
    capacity = stats.parallel()
    used = cpu_ms * rps / 1000
    if stats.python is not None and not stats.python.gil:
        cores = f"{capacity:g} cores (GIL off)"
    elif capacity == 1:
        cores = "one core's GIL"
    else:
        cores = f"{capacity:g} processes' GILs" if capacity == stats.processes else f"{capacity:g} cores"
    if used >= CPU_BOUND * capacity:
        return Limit("client_cpu", f"{_waited(states)}{cpu_ms:.3f} ms of CPU a request x {rps:,.0f} req/s = "
                                   f"{used:.2f} of {cores}: the ceiling is "
                                   f"{capacity * 1000 / cpu_ms:,.0f} req/s")
    spare = f"CPU {used / capacity:.0%} of {cores}"
    waited = _waited(states)
    if waited and _waiting_share(states) >= WAITING_TO_RUN:  # the CPU figure undercounts a starved client
        return Limit("client_cpu", f"{waited}{spare}: the threads wait to run, more workers would not help")
    step = _last_step(stats, now_ns)
    if step is not None and step[0].workers > step[1].workers:  # the pool shrank: what it cost
        before, after, gained, promised = step
        if -gained < STEP_GAIN * -promised:
            return Limit("server", f"{before.workers} → {after.workers} workers cost only "
                                   f"{gained:+.0%} req/s while latency went "
                                   f"{before.mean_latency_ms:.1f} → {after.mean_latency_ms:.1f} ms; "
                                   f"{spare}: the workers let go were waiting at the server")
        return Limit("workers", f"{before.workers} → {after.workers} workers cost "
                                f"{gained:+.0%} req/s at {after.mean_latency_ms:.1f} ms; {spare}: "
                                "more workers would help")
    if step is not None:
        before, after, gained, promised = step
        if gained < STEP_GAIN * promised:
            return Limit("server", f"{before.workers} → {after.workers} workers bought "
                                   f"{gained:+.0%} req/s while latency went "
                                   f"{before.mean_latency_ms:.1f} → {after.mean_latency_ms:.1f} ms; "
                                   f"{spare}: requests wait at the server")
        return Limit("workers", f"{before.workers} → {after.workers} workers bought "
                                f"{gained:+.0%} req/s at {after.mean_latency_ms:.1f} ms; {spare}: "
                                "more workers would help")
    queueing = stats.floors.queueing()
    in_flight = min(rps * latency / 1000, stats.size)  # Little's law (noise can pass the size)
    if queueing is not None and queueing >= QUEUED and stats.size > 1:
        return Limit("server", f"requests take {queueing:.1f}x their URL's fastest with "
                               f"{stats.size} workers; {spare}: they wait at the server")
    return Limit("workers", f"{in_flight:.1f} of {stats.size} workers busy (Little: "
                            f"{rps:,.1f} req/s x {latency:.1f} ms), {spare}, latency "
                            f"{queueing or 1:.1f}x the fastest: more workers would help")


def _waiting_share(states: Mapping[str, float] | None) -> float:
    return states.get("gil", 0.0) + states.get("runnable", 0.0) if states else 0.0


def _waited(states: Mapping[str, float] | None) -> str:
    """What a CPU-bound run's threads waited for, as sampled: the GIL, or a core."""
    gil, runnable = (states.get("gil", 0.0), states.get("runnable", 0.0)) if states else (0.0, 0.0)
    if max(gil, runnable) < CITED:
        return ""
    if gil >= runnable:
        return f"{gil:.0%} of the threads' time waiting for the GIL; "
    return f"{runnable:.0%} of the threads' time runnable, waiting for a core; "


def _now(stats: RunStats, now_ns: int | None) -> tuple[float, float]:
    """req/s and mean latency (ms) at the pool's size now: since the last resize, once
    enough requests ran in it; else over the run."""
    segments = stats.steering.segments
    if len(segments) > 1 and segments[-1].requests >= MIN_REQUESTS:
        now = now_ns if now_ns is not None else (stats.end_ns or time.perf_counter_ns())
        return stats.steering.rps(len(segments) - 1, now), segments[-1].mean_latency_ms
    return stats.rps(now_ns), stats.latency_mean_ms()


def _last_step(stats: RunStats, now_ns: int | None) -> tuple[Segment, Segment, float, float] | None:
    """The pool's size now against the size it ran at just before, each for long enough to
    read (a burst of key presses leaves stretches of a few ms: they are passed over):
    (before, after, the rate it gained, the rate it promised), as fractions; a shrink's are
    negative. After 2 → 5 → 4 → 3 the step is 4 → 3, the one the user just took."""
    steering = stats.steering
    segments = steering.segments
    now = now_ns if now_ns is not None else (stats.end_ns or time.perf_counter_ns())

    def settled(index: int) -> bool:
        segment = segments[index]
        least_s = max(SETTLE_S, 3 * segment.mean_latency_ms / 1000)
        return segment.requests >= MIN_REQUESTS and steering.window_s(index, now) >= least_s

    last = len(segments) - 1
    if last < 1 or not settled(last):
        return None
    after = segments[last]
    for index in range(last - 1, -1, -1):
        before = segments[index]
        if before.workers == after.workers or not settled(index):
            continue
        rps_before = steering.rps(index, now)
        if rps_before <= 0:
            return None
        gained = steering.rps(last, now) / rps_before - 1
        return before, after, gained, after.workers / before.workers - 1
    return None
