"""The run history: every run since the app started, with its speedup against 1 worker."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from fetchtui.core.history.records import History, list_label

# The figures a sweep is read by come first, so a narrow pane still shows them.
COLUMNS = (
    ("#", 3), ("workers", 7), ("client", 22), ("python", 6), ("elapsed s", 9), ("req/s", 8), ("speedup", 10),
    ("p50 ms", 7), ("p99 ms", 7), ("failed", 6), ("cpu", 4), ("requests", 8), ("list", 40),
)


class HistoryTable(DataTable[Text]):
    """Rebuilt when a run ends (a handful of rows), never per frame. Enter or a double click
    asks to run a row again; a single click only moves the cursor; m marks a row, and a
    second mark asks to compare the two."""

    BINDINGS = [Binding("m", "mark", "Mark to compare",
                        tooltip="Mark this run; mark another to compare the two")]

    class Rerun(Message):
        def __init__(self, row: int) -> None:
            self.row = row
            super().__init__()

    class Compare(Message):
        """Two rows were marked: `a` first, then `b`."""

        def __init__(self, a: int, b: int) -> None:
            self.a, self.b = a, b
            super().__init__()

    marked: int | None = None  # the row marked first, waiting for its pair

    def action_mark(self) -> None:
        if not self.row_count:
            return
        row = self.cursor_row
        if self.marked is None or self.marked == row:
            self.marked = None if self.marked == row else row
            self._mark_cell(row)
            return
        first, self.marked = self.marked, None
        self._mark_cell(first)
        self.post_message(self.Compare(first, row))

    def _mark_cell(self, row: int) -> None:
        number = self._numbers[row] if row < len(self._numbers) else "-"
        self.update_cell_at(Coordinate(row, 0), Text(f"{number}*" if self.marked == row else number,
                                                     "bold" if self.marked == row else ""))

    def action_select_cursor(self) -> None:
        super().action_select_cursor()
        if self.row_count:
            self.post_message(self.Rerun(self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        if event.chain == 2 and self.row_count:
            self.post_message(self.Rerun(self.cursor_row))

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label, width in COLUMNS:
            self.add_column(label, width=width, key=label)

    _numbers: list[str] = []

    def show(self, history: History) -> None:
        self.clear()
        self.marked = None
        self._numbers = [str(r.number) if r.recorded else "-" for r in history.runs]
        for record in history.runs:
            s = record.summary
            speedup = history.speedup_of(record)
            failed = s.failed + s.cancelled
            cells = [
                Text(str(record.number) if record.recorded else "-"),  # "-": only in this launch
                Text(str(record.workers)), Text(record.client),
                Text(s.python.short if s.python is not None else "-"),  # 3.13t: free-threaded
                Text(f"{s.elapsed_s:.3f}"), Text(f"{s.rps:.1f}"),
                Text(str(speedup) if speedup is not None else "-", "bold"),
                Text(f"{s.latency_ms.p50:.1f}"), Text(f"{s.latency_ms.p99:.1f}"),
                Text(str(failed), (self.app.current_theme.error or "") if failed else ""),
                Text(f"{s.cpu_share:.0%}"),
                Text(str(s.submitted)),
                Text(list_label(s)),  # a Text: a URL is never markup
            ]
            self.add_row(*cells)
        if history.runs:
            self.move_cursor(row=len(history.runs) - 1)
