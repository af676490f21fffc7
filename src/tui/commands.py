"""Command palette entries: every key's action is also reachable by name, offered while it can act."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import parse as parse_action
from textual.app import SystemCommand

from fetchtui.core import registry

if TYPE_CHECKING:
    from fetchtui.tui.screens.main import MainScreen

#: (title, what it does, the main screen's action): the keys' actions, in the footer's order.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Cancel run", "ctrl+c: drop queued requests and abandon those in flight", "cancel"),
    ("Help", "F1: what the views show and why more threads stop helping", "help"),
    ("Next lesson step", "alt+→: the lesson's next step, its settings the next run's", "step(1)"),
    ("Previous lesson step", "alt+←: the lesson's previous step", "step(-1)"),
    ("More workers", "+: one more worker (the running pool grows at once)", "more_workers"),
    ("Fewer workers", "-: one worker fewer (it leaves after its request)", "fewer_workers"),
    ("Pause or resume", "p: hold new requests (those in flight finish), or go on", "pause"),
    ("Start run", "ctrl+s: fetch the list with the chosen workers (re-runs when done)", "start"),
    ("Export run", "ctrl+o: write the finished run to JSON or CSV", "export"),
    ("Sweep workers", "ctrl+r: run the list at each worker count of the sweep field", "sweep"),
    ("Compare clients",
     "ctrl+b: run the list on each client of the chosen model ("
     + "; ".join(f"{m}: {', '.join(registry.client_names(m))}" for m in registry.MODEL_NAMES) + ")",
     "compare"),
    ("Compare models", "F5: run the list under each model and client you check: "
     + ", ".join(registry.MODEL_NAMES), "compare_models"),
    ("Live table", "ctrl+t: the threads tab, a group per worker", "focus_threads"),
    ("Timeline", "F9: a lane per thread, a bar per request", "show_tab('tab-timeline', 'timeline')"),
    ("Charts", "F8: throughput and the latency histogram", "show_tab('tab-charts', 'charts')"),
    ("URLs tab", "F12: a row per URL of the list, its latency and status",
     "show_tab('tab-urls', 'url-table')"),
    ("History", "F3: the runs recorded, with their speedups", "show_tab('tab-history', 'history')"),
    ("Sweep chart", "F4: req/s by worker count of the last sweep or comparison",
     "show_tab('tab-sweep', 'sweep-chart')"),
    ("Show or hide the setup pane",
     "ctrl+g: on a narrow terminal the setup pane and the live view take the screen in turn",
     "toggle_setup"),
    ("Edit URL list", "ctrl+l: focus the URL editor", "focus_urls"),
    ("Edit worker count", "F2: focus the worker count", "focus_workers"),
)


def run_commands(screen: MainScreen) -> Iterable[SystemCommand]:
    """The main screen's commands that can act now (MainScreen.can_act): "Cancel run" only while
    a run runs, "Export run" once one has ended."""
    for title, help_text, action in COMMANDS:
        _, name, _ = parse_action(action)
        if screen.can_act(name):
            yield SystemCommand(title, help_text, partial(screen.run_action, action))
