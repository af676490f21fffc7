"""The per-URL view: a row per distinct URL of the list, in list order, updated live."""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.stats import RunStats

VIEW_ROWS = 500  # the rows shown; the export has every one
LIVE_UP_TO = 200_000  # requests past which the rows are made at the end only (each is O(n))
COLUMNS = ("#", "requests", "ok", "failed", "cancelled", "p50 ms", "p90 ms", "p99 ms", "max ms",
           "errors", "url")
#: Narrower than this, the view leaves out the columns a class can do without, so the url shows.
ROOMY_WIDTH = 110
NARROW_LEFT_OUT = ("cancelled", "p90 ms", "max ms")


def short_url(url: str, room: int) -> str:
    """The URL whole if it fits; else its path (and query), cut from the left, as the thread
    table does: the end of a path is what tells a list's lines apart."""
    if len(url) <= room:
        return url
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if len(path) <= room:
        return path
    return "…" + path[len(path) - room + 1:] if room > 1 else ""


class UrlView(Vertical):
    """Redrawn a few times a second while shown, from the stats' own rows."""

    rows: list[list[str]] = []  # every column, the url whole (tests read them)
    _stats: RunStats | None = None
    _columns: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label("", id="url-caption", classes="caption", markup=False)  # url[N] is text
        yield DataTable(id="url-table", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        self._lay_out_columns()

    def on_resize(self, event: events.Resize) -> None:
        if self._lay_out_columns() and self._stats is not None:
            self.show(self._stats)

    def _lay_out_columns(self) -> bool:
        """The columns that fit the view's width; whether they changed."""
        narrow = 0 < self.size.width < ROOMY_WIDTH
        columns = tuple(c for c in COLUMNS if not (narrow and c in NARROW_LEFT_OUT))
        if columns == self._columns:
            return False
        self._columns = columns
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        return True

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: the rows read again (they hold no clock)."""
        self.show(stats)

    def show(self, stats: RunStats | None) -> None:
        caption = self.query_one("#url-caption", Label)
        table = self.query_one(DataTable)
        self._stats = stats
        self._lay_out_columns()
        if stats is None:
            caption.update("No run yet: each URL of the list gets a row here.")
            return
        count = stats.url_count
        if not stats.ended and stats.total > LIVE_UP_TO:
            caption.update(f"{count:,} URLs: a run this long shows them when it ends")
            return
        figures = stats.by_url(VIEW_ROWS)
        self.rows = [[str(n), str(r.requests), str(r.ok), str(r.failed), str(r.cancelled),
                      f"{r.latency_ms.p50:.1f}", f"{r.latency_ms.p90:.1f}", f"{r.latency_ms.p99:.1f}",
                      f"{r.latency_ms.max:.1f}",
                      " ".join(f"{k}:{v}" for k, v in r.error_counts.items()) or "-", safe_text(r.url)]
                     for n, r in enumerate(figures, 1)]
        shown = f"the first {len(figures):,} of {count:,} URLs (the JSON export has every one)" \
            if count > len(figures) else f"{count:,} URL{'s' if count != 1 else ''}"
        caption.update(f"{shown}, in list order; url[N] in a --check names row N")
        cursor = table.cursor_row
        table.clear()
        cells = self._shown_rows()
        # each column as wide as its widest cell, set before the rows go in: a DataTable
        # measures new rows only when idle, and a line drawn before that stays cached at the
        # label's width (a url column cut to "/st" until the next redraw)
        for i, column in enumerate(table.ordered_columns):
            column.width = max([cell_len(self._columns[i]), *(cell_len(row[i]) for row in cells)])
            column.auto_width = False
        table.add_rows([[Text(cell) for cell in row] for row in cells])
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)

    def _shown_rows(self) -> list[list[str]]:
        """The rows in the columns shown, the url cut to the room the others leave."""
        picked = [COLUMNS.index(column) for column in self._columns]
        rows = [[row[i] for i in picked] for row in self.rows]
        if not rows or self.size.width == 0:
            return rows
        others = sum(max(len(column), *(len(row[i]) for row in rows)) + 2  # a cell's padding
                     for i, column in enumerate(self._columns[:-1]))
        room = max(self.size.width - others - 4, 12)  # the url's padding and a scrollbar
        return [[*row[:-1], short_url(row[-1], room)] for row in rows]
