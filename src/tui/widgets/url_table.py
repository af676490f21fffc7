"""The per-URL view: a row per distinct URL of the list, in list order, updated live."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from fetchtui.core.stats import RunStats
from fetchtui.core.textsafe import safe_text

VIEW_ROWS = 500  # the rows shown; the export has every one
LIVE_UP_TO = 200_000  # requests past which the rows are made at the end only (each is O(n))
COLUMNS = ("#", "requests", "ok", "failed", "cancelled", "p50 ms", "p90 ms", "p99 ms", "max ms",
           "errors", "url")


class UrlView(Vertical):
    """Redrawn a few times a second while shown, from the stats' own rows."""

    rows: list[list[str]] = []  # as shown (tests read them)

    def compose(self) -> ComposeResult:
        yield Label("", id="url-caption", classes="caption", markup=False)  # url[N] is text
        yield DataTable(id="url-table", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: the rows read again (they hold no clock)."""
        self.show(stats)

    def show(self, stats: RunStats | None) -> None:
        caption = self.query_one("#url-caption", Label)
        table = self.query_one(DataTable)
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
        table.add_rows([[Text(cell) for cell in row] for row in self.rows])
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor)
