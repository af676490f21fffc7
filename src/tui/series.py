"""Runs one after another: a sweep, a comparison of clients or models, a re-run from the history."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from fetchtui.core import registry
from fetchtui.core.history.records import RunRecord
from fetchtui.core.input.config import ConfigError
from fetchtui.core.runs.replay import ReplaySources
from fetchtui.core.runs.sweep import warm_up
from fetchtui.tui.screens.diff_screen import DiffScreen
from fetchtui.tui.screens.models_screen import Cell, ModelsScreen
from fetchtui.tui.widgets.setup_pane import Setup, SetupPane
from fetchtui.tui.widgets.sweep_chart import SweepChart

if TYPE_CHECKING:
    from fetchtui.tui.screens.main import MainScreen

#: A series' plan: the setups to run, one after another, from the setup pane's.
Plan = Callable[[Setup], list[Setup]]


def one(setup: Setup) -> list[Setup]:
    """Just the setup pane's run."""
    return [setup]


def sweep(counts: Sequence[int]) -> Plan:
    """The run at each worker count of the sweep field."""
    def plan(setup: Setup) -> list[Setup]:
        if setup.config.stages:
            raise ConfigError("stages step the workers in one run already: clear them "
                              "(the duration field) to sweep")
        return [setup.but(workers=w) for w in counts]

    return plan


def clients(setup: Setup) -> list[Setup]:
    """The run on each client of its model (that speaks HTTP/2, if the run asks for it)."""
    model = setup.config.model
    runs = registry.http2_clients(model) if setup.config.limits.http2 \
        else registry.client_names(model)
    return [setup.but(client=b) for b in runs]


def models(cells: Sequence[Cell], processes: int) -> Plan:
    """The run under each (model, client, python) the models dialog checked."""
    def plan(setup: Setup) -> list[Setup]:
        return [setup.but(model=model, client=client, python=python,
                          processes=registry.processes_for(model, processes))
                for model, client, python in cells]

    return plan


class Series:
    """The series controller (not a Textual class): plans a series of setups from the setup
    pane's, runs them one after another on the main screen, charts them; keeps the setup of
    every run of this launch, so a history row runs again."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._queued: list[Setup] = []  # the rest of a sweep or comparison
        self.runs: list[RunRecord] = []  # the runs of the current series, for the chart
        self._setups: dict[int, Setup] = {}  # history run number -> its setup, for re-runs
        self.warming = False  # a series' warm-up runs (a thread), its first run not started yet
        self.warm_ups = 0  # warm-ups run (tests read it)
        self._stop_warming = threading.Event()

    def start(self, plan: Plan) -> None:
        """Run one setup after another (a sweep, a comparison, or just one run)."""
        screen = self.screen
        if self.busy():
            return
        setup = self.read()
        if isinstance(setup, str):
            screen.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        try:
            first, *rest = plan(setup)
        except ConfigError as exc:  # e.g. --http2 with a model whose client cannot speak it
            screen.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        self.runs, self._queued = [], rest
        if rest and not isinstance(screen.live_run.sources, ReplaySources):  # a replay has nothing to warm
            self._warm_then_start([first, *rest])
        else:
            screen.run_view.start_run(first)

    def read(self) -> Setup | str:
        """The setup a series starts from: the setup pane's, or in a lesson the step's (with
        the pane's worker count); else what to fix."""
        pane = self.screen.query_one(SetupPane)
        lesson = self.screen.lesson
        return pane.read() if lesson is None else lesson.setup(pane.worker_count)

    def busy(self) -> bool:
        """A run, or a series' warm-up, is under way (and the user is told so)."""
        if self.screen.live_run.running:
            self.screen.notify("A run is in progress: ctrl+c cancels it.", severity="warning")
            return True
        if self.warming:
            self.screen.notify("Warming up before the first run: ctrl+c cancels it.", severity="warning")
            return True
        return False

    def _warm_then_start(self, setups: list[Setup]) -> None:
        """Warm up (unrecorded: connections, imports, the server) on a thread, as the headless
        sweep does, so the first measured point is not a cold one; then the series starts."""
        screen = self.screen
        self.warming = True
        self._stop_warming.clear()
        screen.notify("warming up (not recorded) before the first run", timeout=3)
        first = setups[0]
        sources, stop = screen.live_run.sources, self._stop_warming.is_set

        def warm() -> None:
            try:
                warm_up(first.targets, [s.config for s in setups], sources, stop)
            except Exception:  # a failed warm-up only leaves the first point cold
                pass
            with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
                screen.app.call_from_thread(started)

        def started() -> None:
            self.warming = False
            self.warm_ups += 1
            if self._stop_warming.is_set():  # cancelled (or quit) while warming: nothing runs
                self._queued.clear()
                return
            screen.run_view.start_run(first)

        screen.run_worker(warm, thread=True, exclusive=True, group="warm-up", exit_on_error=False)

    def sweep(self) -> None:
        """The list at each worker count of the sweep field."""
        counts = self.screen.query_one(SetupPane).read_series()
        if isinstance(counts, str):
            self.screen.notify(counts, title="Cannot sweep", severity="error", markup=False)
            return
        self.start(sweep(counts))

    def compare_models(self) -> None:
        """Pick (model, client) pairs in a dialog, then run the list under each."""
        screen = self.screen
        if self.busy():
            return
        pane = screen.query_one(SetupPane)
        setup = self.read()
        if isinstance(setup, str):
            screen.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        processes = pane.default_processes  # the field's count, whichever model is selected
        screen.app.push_screen(ModelsScreen(setup.config.workers, processes, pythons=pane.pythons,
                                            python=setup.config.python),
                               lambda cells: self.start(models(cells, processes)) if cells else None)

    def compare_runs(self, a: int, b: int) -> None:
        """Two marked history rows: each figure of the second against the first, in a dialog."""
        runs = self.screen.live_run.history.runs
        if not (0 <= a < len(runs) and 0 <= b < len(runs)):
            return
        self.screen.app.push_screen(DiffScreen.of_runs(runs[a], runs[b]))

    def rerun(self, row: int) -> None:
        """A history row runs again (same list, workers and client), if this launch ran it."""
        screen = self.screen
        runs = screen.live_run.history.runs
        if screen.live_run.running or self.warming or not 0 <= row < len(runs):
            return
        record = runs[row]
        setup = self._setups.get(record.number)
        if setup is None:
            screen.notify(f"run #{record.number} ran in another launch or window: the history "
                          "keeps its figures, not its list", title="Cannot re-run", severity="warning")
            return
        screen.query_one(SetupPane).worker_count = setup.config.workers
        self.runs, self._queued = [], []
        screen.run_view.start_run(setup)
        screen.notify(f"re-running run #{record.number}")

    def end(self) -> None:
        """Nothing more of the series runs after the run in progress (nor at all, while warming)."""
        self._queued.clear()
        self._stop_warming.set()

    def ended(self, record: RunRecord, setup: Setup | None) -> Setup | None:
        """A run recorded: charted if it is one of a series; the setup to run next, if any."""
        if setup is not None:
            self._setups[record.number] = setup
        if self._queued or self.runs:
            self.runs.append(record)
            self.screen.query_one(SweepChart).show(self.screen.live_run.history, self.runs)
            if not self._queued:  # a series ends on its result, not on its last run's table
                self.screen.action_show_tab("tab-sweep", "sweep-chart")
        return self._queued.pop(0) if self._queued else None
