"""Which source runs a config: the registry's model names it; only that model is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from fetchtui.core import registry
from fetchtui.core.fetching.descriptors import preload_unwinder
from fetchtui.core.input.config import RunConfig
from fetchtui.core.input.targets import Target
from fetchtui.core.runs.pool import ClientFactory, PoolSource
from fetchtui.core.runs.source import RunSource


def open_source(targets: Sequence[Target], config: RunConfig,
                client: ClientFactory | None = None) -> RunSource:
    """A source for one run of `targets` under `config.model`. `client` replaces the thread
    pool's client factory (a test's own client); it only means something to that pool."""
    preload_unwinder()  # a run that uses every descriptor still ends cleanly
    if client is not None:
        return PoolSource(targets, config, client)
    return cast(RunSource, registry.MODELS[config.model].source_class()(targets, config))
