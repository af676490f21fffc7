"""The timeline's tab: the timeline, its legend line, and the lines that describe the
selected request."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fetchtui.core.input.textsafe import safe_text
from fetchtui.tui.widgets.timeline import Timeline
from fetchtui.tui.widgets.timeline_cells import describe_phases


class TimelinePane(Vertical):
    """The timeline with its legend under it, then the selected request's details (shown once
    one is selected: until then its rows are the lanes')."""

    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")
        yield Static(id="timeline-legend")
        yield Static(id="timeline-detail")

    def on_timeline_legend(self, event: Timeline.Legend) -> None:
        self.query_one("#timeline-legend", Static).update(event.text)

    def on_timeline_selected(self, event: Timeline.Selected) -> None:
        detail = self.query_one("#timeline-detail", Static)
        stats = self.query_one(Timeline).stats
        detail.display = event.req_id is not None and stats is not None  # no empty box: a lane more
        if event.req_id is None or stats is None:
            detail.update("")
            return
        rec = stats.record(event.req_id)
        start, end = stats.relative_s(rec.start_ns), stats.relative_s(rec.end_ns)
        took = f"{rec.elapsed_ns / 1e6:.1f} ms" if rec.elapsed_ns is not None else "in flight"
        status = rec.status if rec.status is not None else "-"
        outcome = rec.outcome.value if rec.outcome else "running"
        kind = f" ({rec.error_kind}: {rec.error})" if rec.error_kind else ""
        thread = rec.thread.name if rec.thread else "-"
        window = f"{start or 0:.3f}-{end:.3f} s" if end is not None else f"from {start or 0:.3f} s"
        spec = stats.target(rec.req_id).spec
        sent = " · ".join([spec.method, *spec.shown_headers()])
        first = safe_text(f"#{rec.req_id} {rec.url}  {sent}")
        second = safe_text(f"{outcome} {status}{kind}  {took}  {rec.nbytes} B  {thread}  {window}")
        detail.update(Text(f"{first}\n{second}\n{describe_phases(rec.phases)}"))
