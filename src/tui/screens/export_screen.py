"""The export dialog: type a path; .csv writes CSV, anything else JSON."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ExportScreen(ModalScreen[str | None]):
    """Ask for a path; dismiss with it (or None on escape)."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, default: str) -> None:
        super().__init__()
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export this run to (.json or .csv), then press enter:")
            yield Input(self._default, id="export-path")
            yield Label("escape cancels", classes="caption")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
