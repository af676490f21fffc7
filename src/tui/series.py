"""Runs one after another: a sweep, a comparison of backends or models, a re-run from the history."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fetchtui.core import registry
from fetchtui.core.checks import Check
from fetchtui.core.config import ConfigError, RunConfig
from fetchtui.core.history import History, RunRecord
from fetchtui.core.runs.source import Sources
from fetchtui.tui.live_run import LiveRunApp
from fetchtui.tui.screens.diff_screen import DiffScreen
from fetchtui.tui.screens.models_screen import Cell, ModelsScreen
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.setup_pane import Setup, SetupPane
from fetchtui.tui.widgets.sweep_chart import SweepChart


class SeriesApp(LiveRunApp):
    """Plans a series of setups from the setup pane's, runs them one after another, charts them."""

    def __init__(self, config: RunConfig | None, sources: Sources | None, history: History | None,
                 checks: Sequence[Check]) -> None:
        super().__init__(config, sources, history, checks)
        self._queued: list[Setup] = []  # the rest of a sweep or backend comparison
        self._series: list[RunRecord] = []  # the runs of the current sweep, for the chart
        self._setups: dict[int, Setup] = {}  # history run number -> its setup, for re-runs

    def action_start(self) -> None:
        self._start_series(lambda setup: [setup])

    def action_sweep(self) -> None:
        series = self.query_one(SetupPane).read_series()
        if isinstance(series, str):
            self.notify(series, title="Cannot sweep", severity="error", markup=False)
            return
        def sweep(setup: Setup) -> list[Setup]:
            if setup.config.stages:
                raise ConfigError("stages step the workers in one run already: clear them "
                                  "(the duration field) to sweep")
            return [setup.but(workers=w) for w in series]

        self._start_series(sweep)

    def action_compare_models(self) -> None:
        """F5: pick (model, client) pairs, then run the list under each, one after another."""
        if self.running:
            self.notify("A run is in progress: ctrl+c cancels it.", severity="warning")
            return
        pane = self.query_one(SetupPane)
        setup = pane.read()
        if isinstance(setup, str):
            self.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        processes = pane.default_processes  # the field's count, whichever model is selected
        self.push_screen(ModelsScreen(setup.config.workers, processes, pythons=pane.pythons,
                                      python=setup.config.python),
                         lambda cells: self._compare_models(cells, processes))

    def _compare_models(self, cells: list[Cell] | None, processes: int) -> None:
        if cells:
            self._start_series(lambda setup: [
                setup.but(model=model, backend=backend, python=python,
                          processes=registry.processes_for(model, processes))
                for model, backend, python in cells])

    def action_compare(self) -> None:
        def backends(setup: Setup) -> list[Setup]:
            model = setup.config.model
            runs = registry.http2_clients(model) if setup.config.limits.http2 \
                else registry.client_names(model)
            return [setup.but(backend=b) for b in runs]

        self._start_series(backends)

    def _start_series(self, plan: Callable[[Setup], list[Setup]]) -> None:
        """Run one setup after another (a sweep, a backend comparison, or just one run)."""
        if self.running:
            self.notify("A run is in progress: ctrl+c cancels it.", severity="warning")
            return
        setup = self.query_one(SetupPane).read()
        if isinstance(setup, str):
            self.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        try:
            first, *rest = plan(setup)
        except ConfigError as exc:  # e.g. --http2 with a model whose client cannot speak it
            self.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        self._series, self._queued = [], rest
        self.start_run(first)

    def on_history_table_compare(self, event: HistoryTable.Compare) -> None:
        """Two marked history rows: each figure of the second against the first, in a dialog."""
        from fetchtui.core import diff

        runs = self.history.runs
        if not (0 <= event.a < len(runs) and 0 <= event.b < len(runs)):
            return
        a, b = runs[event.a], runs[event.b]
        sides = [diff.from_history(r.summary, r.number) for r in (a, b)]
        self.push_screen(DiffScreen(sides[0].name, sides[1].name, diff.diff(*sides)))

    def on_history_table_rerun(self, event: HistoryTable.Rerun) -> None:
        """Enter or a double click on a history row runs that run again (same list, workers
        and backend)."""
        if self.running or not 0 <= event.row < len(self.history.runs):
            return
        record = self.history.runs[event.row]
        setup = self._setups.get(record.number)
        if setup is None:
            self.notify(f"run #{record.number} is from an earlier launch: its figures are kept, "
                        "its list is not", title="Cannot re-run", severity="warning")
        else:
            self.query_one(SetupPane).worker_count = setup.config.workers
            self._series, self._queued = [], []
            self.start_run(setup)
            self.notify(f"re-running run #{record.number}")

    def end_series(self) -> None:
        self._queued.clear()

    def after_run(self, record: RunRecord) -> None:
        """A run of a series is charted, and the next one starts; the last hands back."""
        if self._setup is not None:
            self._setups[record.number] = self._setup
        if self._queued or self._series:
            self._series.append(record)
            self.query_one(SweepChart).show(self.history, self._series)
        if self._queued:
            self.start_run(self._queued.pop(0))
        else:
            super().after_run(record)
