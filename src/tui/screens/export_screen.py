"""The export dialog: type a path; .csv writes CSV, .trace.json the Trace Event Format (Perfetto),
anything else JSON (each written off the UI thread)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.runs.figures import Export
from fetchtui.core.runs.session import RunSession

#: A path ending so is written as a Trace Event Format file (`fetchtui run --trace-events`'s).
TRACE_SUFFIX = ".trace.json"


class ExportScreen(ModalScreen[str | None]):
    """Ask for a path; dismiss with it (or None on escape)."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, default: str) -> None:
        super().__init__()
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export this run (.json, .csv or .trace.json), then press enter:")
            yield Input(self._default, id="export-path")
            yield Label("escape cancels · .trace.json: a trace for ui.perfetto.dev", classes="caption")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_and_export(node: DOMNode, session: RunSession | None) -> None:
    """The export key: ask for a path, then write the ended run there (or say there is none yet)."""
    if session is None or not session.stats.ended:
        node.app.notify("Nothing to export yet: export works once a run has ended.", severity="warning")
        return
    node.app.push_screen(ExportScreen("fetchtui-run.json"),
                         lambda path: export_run(node, session, path) if path else None)


def export_run(node: DOMNode, session: RunSession, path: str) -> None:
    """Write an ended run to `path` in a thread of `node`'s, saying how it went in a toast."""
    session.stats.summary()  # its one-off work happens here, not beside the export's thread
    name = Path(path).name.lower()
    kind = "trace" if name.endswith(TRACE_SUFFIX) else "CSV" if name.endswith(".csv") else "JSON"
    node.run_worker(partial(_write, node, session, kind, path),
                    thread=True, exclusive=kind != "trace", group="export" if kind != "trace" else "trace")


def write_trace_events(node: DOMNode, session: RunSession, path: str) -> None:
    """Write an ended run's Trace Event Format file to `path` in a thread of `node`'s (the live
    monitor's --trace-events, after each run), saying how it went in a toast."""
    node.run_worker(partial(_write, node, session, "trace", path), thread=True, group="trace")


def _traced(session: RunSession, path: str) -> Export:
    from fetchtui.core.report.export import ExportError

    try:
        return Export("trace", path, session.write_trace(path), None)
    except ExportError as exc:
        return Export("trace", path, None, exc)


def _write(node: DOMNode, session: RunSession, kind: str, path: str) -> None:
    """Off the UI thread: a million-request export takes most of a second. An ended run's
    stats no longer change, so the thread reads them as they are on screen."""
    app = node.app
    done = _traced(session, path) if kind == "trace" else session.export(kind, path)
    if done.error is not None:  # the run stays on screen; try another path
        app.call_from_thread(app.notify, safe_text(str(done.error)), title="Export failed",
                             severity="error", markup=False)
        return
    app.call_from_thread(app.notify, safe_text(f"wrote {done.written}"), title="Exported", markup=False)
