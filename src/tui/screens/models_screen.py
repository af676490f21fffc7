"""The models dialog: pick (model, client) pairs, and the interpreters to run each on, then run
the list under every cell, one after another."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList
from textual.widgets.selection_list import Selection

from fetchtui.core import registry
from fetchtui.core.input.config import Pair
from fetchtui.tui.widgets.tick_list import TickList

#: Checked when the dialog opens: one of each way past the ceiling, beside the seed's way.
PRESELECTED: tuple[Pair, ...] = (("threads", "requests"), ("threads", "pycurl"),
                                 ("processes", "requests"), ("processes", "pycurl"),
                                 ("asyncio", "aiohttp"))


def every_pair() -> list[Pair]:
    return registry.pairs()


#: A cell of the comparison: (model, client, interpreter; None is the front end's own).
Cell = tuple[str, str, "str | None"]


class ModelsScreen(ModalScreen["list[Cell] | None"]):
    """Check the pairs and the interpreters to compare; enter runs every cell, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("enter", "run", "Run the checked ones", priority=True)]  # not a toggle

    def __init__(self, workers: int, processes: int, chosen: tuple[Pair, ...] = PRESELECTED,
                 pythons: Sequence[tuple[str, str | None]] = (), python: str | None = None) -> None:
        super().__init__()
        self._workers = workers
        self._processes = processes
        self._chosen = chosen
        #: (label, path) of each interpreter offered; `python` (the setup pane's) starts checked
        self._pythons = list(pythons) or [("this Python", None)]
        self._python = python

    def compose(self) -> ComposeResult:
        with Vertical(id="models-dialog"):
            yield Label(f"Compare models: each checked pair runs the list with {self._workers} "
                        f"workers (threads or tasks; processes: {self._processes} of them, each with "
                        f"{self._workers} threads).")
            yield TickList(
                *(Selection(f"{model:<10} {client}", f"{model}/{client}", (model, client) in self._chosen)
                  for model, client in every_pair()), id="models-list")
            if len(self._pythons) > 1:
                yield Label("on each checked Python (GIL on, or off on a free-threaded build):")
                yield TickList(
                    *(Selection(label, path or "", path == self._python) for label, path in self._pythons),
                    id="models-pythons")
            yield Label("space checks, tab moves between the lists, enter runs, escape cancels",
                        classes="caption")

    def action_run(self) -> None:
        chosen = [value.split("/", 1) for value in self.query_one("#models-list", SelectionList).selected]
        pairs: list[Pair] = [(model, client) for model, client in every_pair()
                             if [model, client] in chosen]
        if len(self._pythons) > 1:
            checked = set(self.query_one("#models-pythons", SelectionList).selected)
            pythons = [path for _, path in self._pythons if (path or "") in checked]
        else:
            pythons = [self._python]
        cells: list[Cell] = [(model, client, python) for python in pythons for model, client in pairs]
        self.dismiss(cells or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
