"""What a RunSession hands back: the figures a poll read, and each export its finish wrote."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from fetchtui.core.runs.session import State

if TYPE_CHECKING:
    from fetchtui.core.report.export import ExportError

# NamedTuples, not frozen dataclasses: those took ~1.5 ms more to make, and a session's module
# is imported as `fetchtui run` starts (this one only once a poll or an export needs it).


class Figures(NamedTuple):
    """What one poll read: the counts a frame or a bar shows, as of `now_ns` on the run's clock."""

    state: State
    now_ns: int
    total: int  # requests the run has (an open one's: made so far)
    done: int  # accounted: ok, failed or cancelled
    ok: int
    failed: int
    cancelled: int
    in_flight: int
    rps: float
    fresh: bool  # this poll folded something: a view that shows nothing new need not redraw
    lost: str | None  # why the run was cut short from outside (its process died), if it was

    @property
    def ended(self) -> bool:
        return self.state in (State.ENDED, State.RECORDED)


class Export(NamedTuple):
    """One export finish() wrote, or tried to: `written` where it went, else `error` why not."""

    kind: str  # "JSON", "CSV" or "trace" (the Trace Event Format)
    path: str
    written: Path | None
    error: ExportError | None
