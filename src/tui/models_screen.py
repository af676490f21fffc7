"""The models dialog: pick (model, client) pairs to run the list under, one after another."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from fetchtui.core import registry
from fetchtui.core.config import Pair

#: Checked when the dialog opens: one of each way past the ceiling, beside the seed's way.
PRESELECTED: tuple[Pair, ...] = (("threads", "requests"), ("threads", "pycurl"),
                                 ("processes", "requests"), ("processes", "pycurl"),
                                 ("asyncio", "aiohttp"))


def every_pair() -> list[Pair]:
    return registry.pairs()


class ModelsScreen(ModalScreen["list[Pair] | None"]):
    """Check the pairs to compare; enter runs them, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("enter", "run", "Run the checked ones", priority=True)]  # not a toggle

    def __init__(self, workers: int, processes: int, chosen: tuple[Pair, ...] = PRESELECTED) -> None:
        super().__init__()
        self._workers = workers
        self._processes = processes
        self._chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical(id="models-dialog"):
            yield Label(f"Compare models: each checked pair runs the list with {self._workers} "
                        f"workers (threads or tasks; processes: {self._processes} of them, each with "
                        f"{self._workers} threads).")
            yield SelectionList[str](
                *(Selection(f"{model:<10} {backend}", f"{model}/{backend}", (model, backend) in self._chosen)
                  for model, backend in every_pair()), id="models-list")
            yield Label("space checks, enter runs, escape cancels", classes="caption")

    def action_run(self) -> None:
        chosen = [value.split("/", 1) for value in self.query_one(SelectionList).selected]
        pairs: list[Pair] = [(model, backend) for model, backend in every_pair()
                             if [model, backend] in chosen]
        self.dismiss(pairs or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
