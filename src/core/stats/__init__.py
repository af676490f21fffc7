"""The one stats model: RunStats folds a run's request rows into numpy columns and reads figures from them."""

from fetchtui.core.stats.record import RequestRecord
from fetchtui.core.stats.run_stats import RunStats
from fetchtui.core.stats.workers import ProcessFigures, WorkerStats

__all__ = ["ProcessFigures", "RequestRecord", "RunStats", "WorkerStats"]
