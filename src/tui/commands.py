"""Command palette entries: every key's action is also reachable by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from fetchtui.core import registry

if TYPE_CHECKING:
    from fetchtui.tui.screens.main import MainScreen


def run_commands(app: MainScreen) -> Iterable[SystemCommand]:
    yield SystemCommand("Start run", "Fetch the list with the chosen workers (re-runs when done)",
                        app.action_start)
    yield SystemCommand("Cancel run", "Drop queued requests and abandon those in flight",
                        app.action_cancel)
    yield SystemCommand("Export run", "Write the finished run to JSON or CSV", app.action_export)
    yield SystemCommand("Sweep workers", "Run the list at each worker count of the sweep field",
                        app.action_sweep)
    yield SystemCommand("Compare backends",
                        "Run the list on each backend of the chosen model ("
                        + "; ".join(f"{m}: {', '.join(registry.client_names(m))}"
                                    for m in registry.MODEL_NAMES)
                        + ")", app.action_compare)
    yield SystemCommand("Compare models",
                        "Run the list under each model and client you check: "
                        + ", ".join(registry.MODEL_NAMES), app.action_compare_models)
    yield SystemCommand("Help", "What the views show and why more threads stop helping",
                        app.action_help)
    yield SystemCommand("More workers", "Raise the worker count", app.action_more_workers)
    yield SystemCommand("Fewer workers", "Lower the worker count", app.action_fewer_workers)
    yield SystemCommand("Show or hide the setup pane",
                        "ctrl+g: give the live view the whole width (a run on a narrow terminal does)",
                        app.action_toggle_setup)
    yield SystemCommand("Edit URL list", "Focus the URL editor", app.action_focus_urls)
    yield SystemCommand("Edit worker count", "Focus the worker count", app.action_focus_workers)
