"""The Textual app: composes the panes, routes keys, owns the engine and the drain timer."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, TextArea

from fetchtui.core.backends import FetchLimits
from fetchtui.core.engine import Engine, RunConfig, drain
from fetchtui.core.events import Event
from fetchtui.core.export import ExportError, write_csv, write_json
from fetchtui.core.headless import config_dict
from fetchtui.core.stats import RunStats
from fetchtui.core.textsafe import safe_text
from fetchtui.tui.commands import run_commands
from fetchtui.tui.export_screen import ExportScreen
from fetchtui.tui.setup_pane import Setup, SetupPane
from fetchtui.tui.stats_panel import StatsPanel
from fetchtui.tui.thread_table import ThreadTable

#: Frames per second of the drain timer. A frame costs GIL time taken from the workers
#: (DESIGN.md). bench/tui.py measures the trade: see the README for the figures.
FRAME_HZ = 10


class FetchApp(App[int]):
    """fetchtui's live monitor."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "fetchtui"
    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True, tooltip="Start (or re-run) the list"),
        Binding("ctrl+x", "cancel", "Cancel", priority=True, tooltip="Cancel the running run"),
        Binding("ctrl+e", "export", "Export", priority=True, tooltip="Export the run to JSON/CSV"),
        Binding("plus,equals_sign", "more_workers", "More workers", key_display="+"),
        Binding("minus", "fewer_workers", "Fewer workers", key_display="-"),
        Binding("ctrl+l", "focus_urls", "URLs", priority=True, tooltip="Focus the URL editor"),
        Binding("f2", "focus_workers", "Workers", tooltip="Focus the worker count"),
        Binding("ctrl+t", "focus_threads", "Threads", priority=True, tooltip="Focus the live table"),
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit at once, even mid-run"),
    ]

    def __init__(self, text: str = "", *, workers: int = 10, backend: str = "requests",
                 limits: FetchLimits | None = None, start: bool = False) -> None:
        super().__init__()
        self._setup_args = (text, workers, backend)
        self.limits = limits or FetchLimits()
        self._start_now = start
        self.engine: Engine | None = None
        self.stats: RunStats | None = None
        self.config: RunConfig | None = None
        self._timer: Timer | None = None

    # -- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        text, workers, backend = self._setup_args
        yield SetupPane(text, workers, backend, self.limits.timeout, id="setup")
        with Vertical(id="live"):
            yield StatsPanel(id="stats")
            yield ThreadTable(id="threads")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#setup").border_title = "setup"
        self.query_one("#live").border_title = "live: requests in flight, by thread"
        self.query_one(StatsPanel).show(None, "idle")
        self._timer = self.set_interval(1 / FRAME_HZ, self._frame, pause=True)
        if self._start_now:
            self.call_after_refresh(self.action_start)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from run_commands(self)

    @property
    def running(self) -> bool:
        return self.stats is not None and not self.stats.ended

    # -- actions ----------------------------------------------------------------------
    def action_start(self) -> None:
        if self.running:
            self.notify("A run is in progress: ctrl+x cancels it.", severity="warning")
            return
        setup = self.query_one(SetupPane).read()
        if isinstance(setup, str):
            self.notify(setup, title="Cannot start", severity="error", markup=False)
            return
        self.start_run(setup)

    def start_run(self, setup: Setup) -> None:
        limits = FetchLimits(timeout=setup.timeout, max_bytes=self.limits.max_bytes,
                             max_redirects=self.limits.max_redirects, verify=self.limits.verify,
                             ca_bundle=self.limits.ca_bundle)
        self.config = RunConfig(setup.workers, setup.backend, limits)
        self.engine = Engine(setup.targets, self.config)
        self.stats = RunStats(setup.targets)
        self.query_one(ThreadTable).show(self.stats)
        self.engine.start()
        self._frame()
        if self._timer is not None:
            self._timer.resume()

    def action_cancel(self) -> None:
        if self.engine is not None and self.running:
            self.engine.cancel()
            self._frame()

    def action_more_workers(self) -> None:
        self.query_one(SetupPane).change_workers(+1)

    def action_fewer_workers(self) -> None:
        self.query_one(SetupPane).change_workers(-1)

    def action_focus_urls(self) -> None:
        self.query_one("#urls", TextArea).focus()

    def action_focus_workers(self) -> None:
        self.query_one("#workers", Input).focus()

    def action_focus_threads(self) -> None:
        self.query_one(ThreadTable).focus()

    def action_export(self) -> None:
        if self.stats is None or not self.stats.ended:
            self.notify("Nothing to export yet: export works once a run has ended.",
                        severity="warning")
            return
        self.push_screen(ExportScreen("fetchtui-run.json"), self._export_to)

    def _export_to(self, path: str | None) -> None:
        if not path or self.stats is None or self.config is None:
            return
        try:
            if Path(path).suffix.lower() == ".csv":
                written = write_csv(self.stats, path)
            else:
                written = write_json(self.stats, config_dict(self.config, self.stats.total), path)
        except ExportError as exc:  # the run stays on screen; try another path
            self.notify(safe_text(str(exc)), title="Export failed", severity="error", markup=False)
            return
        self.notify(safe_text(f"wrote {written}"), title="Exported", markup=False)

    async def action_quit(self) -> None:
        self.shutdown_engine()
        self.exit(0)

    def shutdown_engine(self) -> None:
        """Cancel and cut every socket; never waits on the network."""
        if self.engine is not None:
            self.engine.close()

    # -- the drain timer --------------------------------------------------------------
    def _frame(self) -> None:
        if self.engine is None or self.stats is None:
            return
        self.fold(drain(self.engine.events, 0))
        now = time.perf_counter_ns()
        stats = self.stats
        state = "running" if not stats.ended else "cancelled" if self.engine.cancelled else "finished"
        self.query_one(ThreadTable).update_frame(now)
        self.query_one(StatsPanel).show(stats, state, now)
        if stats.ended and self._timer is not None:
            self._timer.pause()
            self.engine.close()

    def fold(self, batch: list[Event]) -> None:
        """Fold one frame's events into the stats model (a hook for the lag benchmark)."""
        if self.stats is not None:
            self.stats.apply(batch)
