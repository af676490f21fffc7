"""The live table: one group per worker thread, what it runs now, and its last requests."""

from __future__ import annotations

import time

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from fetchtui.core.events import Outcome
from fetchtui.core.stats import RequestRecord, RunStats
from fetchtui.core.textsafe import safe_text

SHOWN = 2  # finished requests shown under each thread
LINES_PER_THREAD = 1 + SHOWN
_OUTCOME_STYLE = {Outcome.OK: "green", Outcome.FAILED: "red", Outcome.CANCELLED: "yellow"}


class ThreadTable(ScrollView, can_focus=True):
    """Renders its own lines (Line API): only visible rows are drawn, nothing per event.

    A frame costs the rows on screen, whatever the worker count, so 1,000 threads and tens
    of thousands of events per second cost the same as ten.
    """

    BINDINGS = [
        ("j,down", "scroll_down", "Down"),
        ("k,up", "scroll_up", "Up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stats: RunStats | None = None
        self._order: list[int] = []
        self.now_ns = 0

    def show(self, stats: RunStats | None) -> None:
        """Display this run (None: the idle hint)."""
        self.stats = stats
        self._order = []
        self.scroll_to(0, 0, animate=False)
        self.update_frame()

    def update_frame(self, now_ns: int | None = None) -> None:
        """Called once per frame by the app after the stats model folded a batch."""
        self.now_ns = now_ns or time.perf_counter_ns()
        if self.stats is not None and len(self.stats.threads) != len(self._order):
            self._order = list(self.stats.threads)
        lines = max(1, len(self._order) * LINES_PER_THREAD)
        if self.virtual_size.height != lines:
            self.virtual_size = Size(self.size.width, lines)
        self.refresh()

    @property
    def group_count(self) -> int:
        return len(self._order)

    def group_text(self, index: int) -> list[str]:
        """The plain text of one thread group, as shown (used by tests and the e2e check)."""
        return [self._line(index * LINES_PER_THREAD + k).plain for k in range(LINES_PER_THREAD)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        text = self._line(y + scroll_y)
        text.truncate(width + scroll_x, overflow="ellipsis", pad=True)
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        return strip.crop(scroll_x, scroll_x + width).apply_style(self.rich_style)

    def _line(self, index: int) -> Text:
        stats = self.stats
        if stats is None:
            return Text("No run yet. Type URLs on the left, then press ctrl+s to start.", "dim") \
                if index == 0 else Text("")
        group, k = divmod(index, LINES_PER_THREAD)
        if group >= len(self._order):
            if index == 0:
                return Text("Waiting for the pool's first thread…", "dim")
            return Text("")
        thread = stats.threads[self._order[group]]
        if k == 0:
            info = thread.info
            line = Text.assemble(
                (f"{info.ident:>16} ", "bold cyan"),
                (f"{safe_text(info.name, 22):<22} ", "cyan"),
                (f"tid {info.native_id:<8}", "dim"),
                (f"done {thread.requests:>6}  ", ""),
                (f"busy {stats.busy_share(info.ident, self.now_ns):>4.0%}  ", ""),
            )
            if thread.current is not None:
                rec = stats.record(thread.current)
                took = (self.now_ns - (rec.start_ns or self.now_ns)) / 1e6
                line.append(f"▶ {took:>7.0f} ms ", "bold yellow")
                line.append(safe_text(rec.url))
            else:
                line.append("idle", "dim")
            return line
        recent = list(thread.recent)
        position = len(recent) - k  # newest first
        if position < 0:
            return Text("")
        return self._finished(stats.record(recent[position]))

    @staticmethod
    def _finished(rec: RequestRecord) -> Text:
        style = _OUTCOME_STYLE.get(rec.outcome, "") if rec.outcome else ""
        status = str(rec.status) if rec.status is not None else (rec.error_kind or "-")
        if rec.outcome is Outcome.FAILED and rec.error_kind not in (None, "http"):
            status = rec.error_kind or status
        elapsed = rec.elapsed_ns
        took = f"{elapsed / 1e6:>9.1f} ms" if elapsed is not None else " " * 12
        return Text.assemble(
            (" " * 17 + "└ ", "dim"),
            (f"{status:>9} ", style),
            (f"{rec.nbytes:>9} B ", ""),
            (took + "  ", ""),
            (safe_text(rec.url), "dim"),
        )
