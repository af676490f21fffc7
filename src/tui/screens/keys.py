"""The main screen's keys, each with what it does (the footer, the help screen and the palette show them)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Every key here is one no widget of the app binds (Textual 8's TextArea takes ctrl+e,
# ctrl+x, F6 and F7; Input takes ctrl+e and ctrl+x; Select and DataTable only arrows,
# enter and space), so a focused widget keeps all of its own keys. The footer lists them in
# this order, those that can act now only (MainScreen.check_action): quit, cancel, help,
# then what steers a running run, then what starts one. At 80 columns the first dozen fit.
# Screen's own keys are listed here too (MainScreen does not inherit them), in Screen's
# order: the footer lists keys in the order they are first bound, cancel then quit.
KEYS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Focus Next", show=False),
    Binding("shift+tab", "app.focus_previous", "Focus Previous", show=False),
    # ctrl+c cancels only while a run is going and no text is selected (check_action):
    # otherwise it falls through to the screen's copy and Textual's own ctrl+c (how to quit)
    Binding("ctrl+c", "interrupt", "Cancel", priority=True, tooltip="Cancel the running run"),
    Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", show=False),
    Binding("ctrl+q", "app.quit", "Quit", priority=True, tooltip="Quit at once, even mid-run"),
    Binding("f1", "help", "Help", priority=True, tooltip="What the views show"),
    Binding("question_mark", "help", "Help", show=False),  # outside text fields: a URL has ?
    # a lesson's steps (`fetchtui lesson`; MainScreen.can_act offers them only there): alt+arrows,
    # as a browser's back and forward, bound by no widget here; alt+f/alt+b are what macOS
    # terminals send for option+arrow
    Binding("alt+right,alt+f", "step(1)", "Next step", key_display="alt+→", priority=True,
            tooltip="The lesson's next step: its text, and its settings for ctrl+s"),
    Binding("alt+left,alt+b", "step(-1)", "Prev step", key_display="alt+←", priority=True,
            tooltip="The lesson's previous step"),
    # +/- step the workers from the live pane (here) or the workers field (WorkersInput):
    # the running pool's, and the next run's
    Binding("plus,equals_sign", "more_workers", "More", key_display="+",
            tooltip="One more worker (the running pool grows at once)"),
    Binding("minus", "fewer_workers", "Fewer", key_display="-",
            tooltip="One worker fewer (a worker leaves the running pool after its request)"),
    # p from the live pane: a letter the setup pane's fields type, so only there
    Binding("p", "pause", "Pause", tooltip="Hold new requests (those in flight finish), or go on"),
    Binding("ctrl+s", "start", "Start", priority=True, tooltip="Start (or re-run) the list"),
    Binding("ctrl+o", "export", "Export", priority=True, tooltip="Export the run to JSON/CSV"),
    Binding("ctrl+r", "sweep", "Sweep", priority=True, tooltip="Run the list at each sweep worker count"),
    Binding("ctrl+b", "compare", "Clients", priority=True, tooltip="Run the list on every client"),
    # F5, not F6: the URL editor (TextArea) binds F6 to select a line
    Binding("f5", "compare_models", "Models", priority=True,
            tooltip="Run the list under each model and client you check"),
    # focus keys stay out of the footer (the help screen and the palette list them)
    Binding("ctrl+l", "focus_urls", "URLs", priority=True, show=False),
    Binding("f2", "focus_workers", "Workers", priority=True, show=False),
    Binding("ctrl+t", "focus_threads", "Threads", priority=True, show=False),
    Binding("f9", "show_tab('tab-timeline', 'timeline')", "Timeline", priority=True,
            tooltip="Show the thread timeline"),
    Binding("f8", "show_tab('tab-charts', 'charts')", "Charts", priority=True,
            tooltip="Show throughput and latency charts"),
    # F12: F6 and F7 are the URL editor's, F10 and F11 many terminals keep for themselves
    Binding("f12", "show_tab('tab-urls', 'url-table')", "URLs", priority=True,
            tooltip="Show the URLs tab: a row per URL of the list"),
    Binding("f3", "show_tab('tab-history', 'history')", "History", priority=True,
            tooltip="Show the run history"),
    Binding("f4", "show_tab('tab-sweep', 'sweep-chart')", "Chart", priority=True,
            tooltip="Show the sweep chart"),
    # ctrl+g: free in the editor and every field (TextArea takes ctrl+e/k/u/w/x/y/z, F6, F7)
    Binding("ctrl+g", "toggle_setup", "Setup", priority=True,
            tooltip="Show or hide the setup pane (it gives way to the live view during a run "
                    "on a narrow terminal)"),
]
