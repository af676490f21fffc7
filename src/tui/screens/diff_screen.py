"""Two history rows compared (m marks them): each figure, the change, its interval, a verdict."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from fetchtui.core.diff import FigureDiff
from fetchtui.core.textsafe import safe_text


class DiffScreen(ModalScreen[None]):
    """`fetchtui diff` for two runs of the history, as a dialog."""

    BINDINGS = [("escape,q", "close", "Close")]

    def __init__(self, a: str, b: str, figures: Sequence[FigureDiff]) -> None:
        super().__init__()
        self._a, self._b, self.figures = a, b, list(figures)

    def compose(self) -> ComposeResult:
        with Vertical(id="diff-dialog"):
            yield Label(safe_text(f"{self._b} against {self._a}: 95% intervals by bootstrap"))
            yield DataTable(id="diff-table", cursor_type="none")
            yield Label("escape closes · `fetchtui diff A B` does the same headless", classes="caption")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("figure", "A", "B", "change", "95% interval", "verdict")
        for f in self.figures:
            style = {"slower": "bold red", "faster": "bold green"}.get(f.verdict, "")
            table.add_row(Text(f.figure), Text(f"{f.a:,.2f}"), Text(f"{f.b:,.2f}"),
                          Text(f.shown(f.change)),
                          Text(f"{f.shown(f.low)} .. {f.shown(f.high)}" if f.low is not None else "-"),
                          Text(f.verdict, style))

    def action_close(self) -> None:
        self.dismiss(None)
