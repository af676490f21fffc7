"""Which source runs a config: a thread pool, worker processes, or an event loop."""

from __future__ import annotations

from collections.abc import Sequence

from fetchtui.core.config import RunConfig
from fetchtui.core.fetching.backend import make_backend
from fetchtui.core.runs.pool import BackendFactory, PoolSource
from fetchtui.core.runs.source import RunSource
from fetchtui.core.targets import Target


def open_source(targets: Sequence[Target], config: RunConfig,
                backend: BackendFactory = make_backend) -> RunSource:
    """A source for one run of `targets` under `config.model`; only that model is imported."""
    if config.model == "processes":
        from fetchtui.core.runs.processes import ProcessesSource

        return ProcessesSource(targets, config)
    if config.model == "asyncio":
        from fetchtui.core.runs.event_loop import LoopSource

        return LoopSource(targets, config)
    return PoolSource(targets, config, backend)
