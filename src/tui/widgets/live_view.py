"""The one thing the frame timer asks of a live widget: draw the run as it stands now."""

from __future__ import annotations

from typing import Protocol

from fetchtui.core.stats import RunStats


class LiveView(Protocol):
    """A widget the main screen's frame timer refreshes: every frame (the thread table, the
    stats panel) or a few times a second while its tab is shown (timeline, charts, URLs)."""

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """Draw `stats` as they stand at `now_ns` (the run's clock; None: the wall clock)."""
