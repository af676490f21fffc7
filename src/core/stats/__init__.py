"""The one stats model: RunStats folds engine events into small parts, each owning one concern."""

from fetchtui.core.stats.records import RequestRecord
from fetchtui.core.stats.run_stats import RunStats
from fetchtui.core.stats.workers import ProcessFigures, WorkerStats

__all__ = ["ProcessFigures", "RequestRecord", "RunStats", "WorkerStats"]
