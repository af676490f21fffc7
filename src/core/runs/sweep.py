"""The worker sweep: the same list at 1, 2, 4, 8 … workers, one run after another."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from fetchtui.core import registry
from fetchtui.core.history.records import History, RunRecord
from fetchtui.core.input.config import Pair, RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.session import RunSession
from fetchtui.core.runs.source import Sources
from fetchtui.core.stats import RunStats

if TYPE_CHECKING:
    from fetchtui.core.report.checks import Check

#: Handed each run of a sweep once it has ended, its states sampled: a trace is written from it.
OnStates = Callable[[RunSession], None]


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One run of a sweep with the figures the chart and the table draw."""

    record: RunRecord
    speedup: float | None
    ideal_speedup: float
    ceiling_rps: float | None
    ideal_elapsed_s: float | None = None  # from the 1-worker run, when there is one
    ideal_rps: float | None = None


def points(history: History, runs: Sequence[RunRecord]) -> list[SweepPoint]:
    """Speedup against the 1-worker run, the ideal speedup, and the GIL ceiling.

    The ideal counts waves: 40 requests on 32 workers still take two request times, so
    their ideal speedup is 40 / 2 = 20, not 32.
    """
    result = []
    for record in runs:
        n = max(1, record.summary.submitted)
        ideal = n / math.ceil(n / record.workers)
        base = history.baseline(record)
        result.append(SweepPoint(
            record, history.speedup(record), ideal, record.summary.gil_ceiling_rps,
            base.elapsed_s / ideal if base else None,
            base.summary.rps * ideal if base else None,
        ))
    return result


def mean_ceiling(swept: Sequence[SweepPoint]) -> float | None:
    """One GIL ceiling for a sweep: the mean of its runs' ceilings."""
    ceilings = [p.ceiling_rps for p in swept if p.ceiling_rps]
    return sum(ceilings) / len(ceilings) if ceilings else None


def run_once(targets: Sequence[Target], config: RunConfig, sources: Sources | None = None,
             checks: Sequence[Check] = (), stop: Callable[[], bool] | None = None) -> RunStats:
    """Run the list to the end (in this process unless `sources` says otherwise); its stats,
    its summary judging `checks`. Once `stop` holds, its unfinished requests are cancelled."""
    return _ended(targets, config, sources, checks, stop).stats


def _ended(targets: Sequence[Target], config: RunConfig, sources: Sources | None,
           checks: Sequence[Check], stop: Callable[[], bool] | None, sample: bool = False,
           on_states: OnStates | None = None) -> RunSession:
    """A run of the list, ended and let go of (a pool of its own closed with it); with
    `sample`, its threads' states sampled into its summary, then handed to `on_states`."""
    from fetchtui.core.threadstates.run import SHORT_RUN_S
    from fetchtui.core.threadstates.sampling import Sampling

    # from a child of its own (no GIL taken from the run), once the run has lasted SHORT_RUN_S
    session = RunSession.open(sources, targets, config, checks,
                              sampling=Sampling(after_s=SHORT_RUN_S) if sample else None)
    try:
        session.start()
        session.run_to_end(stop=stop, live=False)  # live=False: nothing reads a sweep's run before its end
    finally:
        session.close_out(within=0)
    if sample:
        session.thread_states()
        if on_states is not None:
            on_states(session)
    return session


def plan(base: RunConfig, series: Sequence[int], pairs: Sequence[Pair] | None = None,
         processes: int | None = None, pythons: Sequence[str | None] = ()) -> list[RunConfig]:
    """The runs of a sweep: each worker count, under each (model, client) pair when given
    (worker processes: `processes` of them, default one per core), on each interpreter of
    `pythons` when given (None: the front end's own), one interpreter after another."""
    if pairs:
        shapes = [replace(base, model=model, client=client, workers=w, processes=registry.processes_for(
                          model, processes or registry.default_processes(model)))
                  for model, client in pairs for w in series]
    else:
        shapes = [replace(base, workers=w) for w in series]
    if not pythons:
        return shapes
    return [replace(shape, python=python) for python in pythons for shape in shapes]


def run_sweep(
    targets: Sequence[Target],
    series: Sequence[int],
    base: RunConfig,
    history: History | None = None,
    on_run: Callable[[RunRecord], None] | None = None,
    sources: Sources | None = None,
    configs: Sequence[RunConfig] | None = None,
    checks: Sequence[Check] = (),
    stop: Callable[[], bool] | None = None,
    on_states: OnStates | None = None,
) -> list[RunRecord]:
    """Run the list once per worker count (or per config of `configs`, a comparison of
    models); each run lands in `history` as it ends, its threads' states sampled into its
    summary (and handed to `on_states`: a trace). Once `stop` holds (a signal), the run in
    progress ends as a run does, its unfinished requests cancelled, is kept, and no other starts."""
    history = history if history is not None else History()
    runs = []
    shapes = list(configs if configs is not None else plan(base, series))
    warm_up(targets, shapes, sources, stop)
    for config in shapes:
        if stop is not None and stop():
            break
        record = _ended(targets, config, sources, checks, stop, True, on_states).finish(history)
        assert record is not None  # given a history, a finished run has its record
        runs.append(record)
        if on_run is not None:
            on_run(record)
    return runs


#: requests a warm-up runs per worker of its widest run (at least WARM_UP_LEAST, at most the list)
WARM_UP_PER_WORKER = 2
WARM_UP_LEAST = 10
WARM_UP_S = 1.0  # a warm-up still under way then is cut: a slow URL needs no more to be warm


def warm_up(targets: Sequence[Target], configs: Sequence[RunConfig], sources: Sources | None = None,
            stop: Callable[[], bool] | None = None) -> None:
    """Run the head of the list (its first URL) once, unrecorded, on each interpreter and client the sweep
    uses, at its widest run's workers: the first measured point then meets imported modules,
    a warmed server and a process past its start-up, as every later point does (a cold first
    1-worker run read 20-30% slower than the same run repeated, inflating every speedup)."""
    widest: dict[tuple[object, ...], RunConfig] = {}
    for config in configs:
        shape = (config.model, config.client, config.python, config.processes)
        if shape not in widest or config.concurrency > widest[shape].concurrency:
            widest[shape] = config
    if not targets:
        return
    import time

    for config in widest.values():
        if stop is not None and stop():
            return
        size = min(len(targets), max(WARM_UP_LEAST, WARM_UP_PER_WORKER * config.concurrency))
        first, head = targets[0].url, 1
        while head < size and targets[head].url == first:  # the first URL only: not a /hang after it
            head += 1
        give_up = time.monotonic() + WARM_UP_S

        def over(give_up: float = give_up) -> bool:
            return time.monotonic() > give_up or (stop is not None and stop())

        run_once(targets[:head], config, sources, stop=over)
