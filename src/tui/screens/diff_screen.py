"""Two history rows compared (m marks them): each figure, the change, its interval, a verdict."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from fetchtui.core.history.records import RunRecord, list_label
from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.report import diff
from fetchtui.core.report.diff import FigureDiff

#: A verdict in fewer words, so the dialog's columns fit an 80-column screen.
SHORT_VERDICTS = {"no significant change": "within noise"}


class DiffScreen(ModalScreen[None]):
    """`fetchtui diff` for two runs of the history, as a dialog."""

    BINDINGS = [("escape,q", "close", "Close")]

    def __init__(self, a: str, b: str, figures: Sequence[FigureDiff], *, note: str = "") -> None:
        super().__init__()
        self._a, self._b, self.figures = a, b, list(figures)
        self.note = note  # said above the figures: e.g. that A and B fetched different lists

    @classmethod
    def of_runs(cls, first: RunRecord, second: RunRecord) -> DiffScreen:
        """Two history rows: A the one marked first. Runs of different lists are compared, and
        the dialog says so above the figures."""
        sides = [diff.from_history(r.summary, r.number) for r in (first, second)]
        note = "" if first.list_key == second.list_key else (
            f"A and B fetched different lists (A: {list_label(first.summary)}; B: "
            f"{list_label(second.summary)}): a change is the lists' as much as the settings'")
        return cls(sides[0].name, sides[1].name, diff.diff(*sides), note=note)

    def compose(self) -> ComposeResult:
        with Vertical(id="diff-dialog"):
            # which run is which, in so many words: "#5 against #3" read as A=#5
            yield Label(safe_text(f"A = {self._a} (marked first), B = {self._b}: each figure of B "
                                  "against A, 95% intervals by bootstrap"), id="diff-title")
            if self.note:
                yield Label(safe_text(self.note), id="diff-note", markup=False)
            yield DataTable(id="diff-table", cursor_type="none")
            yield Label("escape closes · `fetchtui diff A B` does the same headless", classes="caption")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("figure", safe_text(f"A {self._a}"), safe_text(f"B {self._b}"),
                          "change", "95% interval", "verdict")
        for f in self.figures:
            style = {"slower": "bold red", "faster": "bold green"}.get(f.verdict, "")
            table.add_row(Text(f.figure), Text(f"{f.a:,.2f}"), Text(f"{f.b:,.2f}"),
                          Text(f.shown(f.change)),
                          Text(f"{f.shown(f.low)}..{f.shown(f.high)}" if f.low is not None else "-"),
                          Text(SHORT_VERDICTS.get(f.verdict, f.verdict), style))

    def action_close(self) -> None:
        self.dismiss(None)
