"""The setup pane: the URL list editor, worker count, client, timeout, rate and duration."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.worker import get_current_worker

from fetchtui.core import registry
from fetchtui.core.input.config import (
    DEFAULT_SERIES,
    MAX_WORKERS,
    MODELS,
    ConfigError,
    RunConfig,
    check_client,
    check_model,
    parse_processes,
    parse_rate,
    parse_run_duration,
    parse_series,
    parse_stages,
    parse_timeout,
    parse_workers,
)
from fetchtui.core.input.targets import DEFAULT_SPEC, RequestSpec, Target, TargetsError, parse_targets
from fetchtui.core.input.textsafe import visible_controls
from fetchtui.core.runs import interpreter
from fetchtui.core.runs.interpreter import PythonInfo
from fetchtui.tui.widgets.credentials import HiddenCredentials, lost_lines, reveal

CHECK_DELAY = 0.3  # re-parse after typing pauses: a 100,000-line list takes a moment


def _parse(text: str, defaults: RequestSpec, hidden: Mapping[str, str],
           sends: bool = True) -> Sequence[Target] | TargetsError:
    """The editor's text parsed with the credentials it shows masked (`hidden`) put back; a line
    whose masked password is not known is a bad line where a run `sends` requests."""
    lost = lost_lines(text, hidden) if sends else []
    try:
        targets = parse_targets(reveal(text, hidden), defaults=defaults)
    except TargetsError as exc:
        if not lost:
            return exc
        bad = {error.line: error for error in lost}
        for error in exc.errors:  # a parse error of the line as it was given, masked, is its own
            bad[error.line] = error
        return TargetsError(sorted(bad.values(), key=lambda error: error.line))
    return TargetsError(lost) if lost else targets


@dataclass(frozen=True, slots=True)
class Setup:
    """What the pane holds when the user starts a run: the list, and the config to run it with."""

    targets: Sequence[Target]
    config: RunConfig

    def but(self, **changes: object) -> Setup:
        """The same list with some settings changed (a sweep's worker count, a model)."""
        return Setup(self.targets, replace(self.config, **changes))  # type: ignore[arg-type]


class UrlEditor(TextArea):
    """The URL list editor: a control character in the list (pasted, or from an opened
    export) is drawn as its control picture (␛, ␇), never sent to the terminal raw."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not any(_has_control(segment.text) for segment in strip):
            return strip
        return Strip([Segment(visible_controls(seg.text), seg.style, seg.control) for seg in strip],
                     strip.cell_length)


def _duration_text(config: RunConfig) -> str:
    if config.stages:
        return ",".join(f"{workers}:{seconds:g}s" for workers, seconds in config.stages)
    return f"{config.duration:g}s" if config.duration else ""


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


class WorkersInput(Input):
    """The worker count: digits are typed, + and - step it (as they do from the live pane)."""

    class Step(Message):
        def __init__(self, delta: int) -> None:
            self.delta = delta
            super().__init__()

    async def _on_key(self, event: events.Key) -> None:
        if event.character in ("+", "=", "-"):
            event.stop()
            event.prevent_default()
            self.post_message(self.Step(-1 if event.character == "-" else +1))
            return
        await super()._on_key(event)


def _python_label(path: str | None, asked: PythonInfo | str | None = None) -> str:
    """`3.11 (this one)`; another as `3.13t PATH` once asked what it is (the `t`: free-threaded;
    or `PATH: why not` if it cannot run fetchtui), the bare path until then."""
    if path is None:
        return f"{interpreter.current().short} (this one)"
    if isinstance(asked, PythonInfo):
        return f"{asked.short} {path}"
    if isinstance(asked, str):
        return f"{path}: {asked}"
    return path


def _ask(path: str) -> PythonInfo | str:
    """What `path` is, or in a few words why it cannot run a fetch process."""
    try:
        return interpreter.probe(path)
    except interpreter.InterpreterError as exc:
        return exc.brief


class SetupPane(Vertical):
    """Everything a run needs, with bad lines and bad settings shown before anything runs."""

    worker_count: reactive[int] = reactive(10, init=False)

    def __init__(self, text: str, config: RunConfig, request: RequestSpec = DEFAULT_SPEC, *,
                 processes: int = 2, sends: bool = True, series: Sequence[int] = DEFAULT_SERIES,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        #: whether a run of the list sends requests: a replay's does not, and there a password
        #: the export masked (and so cannot give back) makes no bad line
        self._sends = sends
        self._series = series  # the sweep field's worker counts to start with
        self.config = config  # what the fields start from, and what they do not show (TLS, proxy …)
        #: the processes field's count when the model runs one process
        self._processes = config.processes if registry.MODELS[config.model].multi_process else processes
        self._request = request
        #: the credentials of the list, shown masked: a list given at launch is masked at once
        self._hidden = HiddenCredentials()
        self._text = self._hidden.hide(text)
        #: the interpreters offered: this one (None), --python's, those found on PATH
        self._pythons = interpreter.offered([config.python] if config.python else [])
        self._python_labels = {path: _python_label(path) for path in self._pythons}
        self.set_reactive(SetupPane.worker_count, config.workers)
        self._check_timer: Timer | None = None
        self._checked_text: str | None = None  # the text the last check parsed, and its result
        self._checked: Sequence[Target] | None = None

    def compose(self) -> ComposeResult:
        # wraps in the 48-column pane beside the live view; one line when the pane has the screen
        yield Label("URLs (one per line, `URL x100` repeats, curl's -X/-H/-d after it)",
                    classes="caption", id="urls-caption", markup=False)
        yield UrlEditor(self._text, id="urls", soft_wrap=False, show_line_numbers=True)
        yield Static(id="url-errors")
        with Grid(id="settings"):
            yield Label("workers (+/-)", classes="caption")
            yield WorkersInput(str(self.worker_count), id="workers", restrict=r"[0-9]*", max_length=4,
                               compact=True)
            yield Label("model", classes="caption")
            config = self.config
            yield Select([(m, m) for m in MODELS], value=config.model, allow_blank=False, id="model",
                         compact=True)
            yield Label("processes", classes="caption")
            yield Input(str(self._processes), id="processes", restrict=r"[0-9]*", max_length=2,
                        compact=True, disabled=not registry.MODELS[config.model].multi_process)
            yield Label("client", classes="caption")
            yield Select([(b, b) for b in registry.CLIENT_NAMES],
                         value=config.client, allow_blank=False, id="client", compact=True)
            yield Label("python", classes="caption")
            yield Select([(self._python_labels[path], path or "") for path in self._pythons],
                         value=config.python or "", allow_blank=False, id="python", compact=True,
                         tooltip="the interpreter the fetch process runs on: this one, those given "
                                 "with --python, python3.13t/3.14t/3.14 found on PATH")
            yield Label("timeout", classes="caption")
            yield Input(f"{config.limits.timeout:g}", id="timeout", restrict=r"[0-9.mshMSH ]*",
                        max_length=8, compact=True)
            yield Label("rate /s", classes="caption")
            yield Input(f"{config.rate:g}" if config.rate else "", id="rate",
                        placeholder="as fast as it goes", restrict=r"[0-9./smh ]*", max_length=12,
                        compact=True)
            # a duration, or stages (W:D,W:D,...): one field, as both repeat the list for a time
            yield Label("duration", classes="caption")
            yield Input(_duration_text(config), id="duration",
                        placeholder="list once · 10s · 2:5s,8:5s", restrict=r"[0-9.mshMSH:, ]*",
                        max_length=60,
                        compact=True, tooltip="a duration (10s, 2m), or stages: W:D,W:D,...")
            yield Label("sweep (ctrl+r)", classes="caption")
            yield Input(",".join(map(str, self._series)), id="series", restrict=r"[0-9, ]*",
                        compact=True)

    def on_mount(self) -> None:
        self.check_list()
        if len(self._pythons) > 1:
            self._ask_pythons()

    @work(thread=True, exclusive=True, group="pythons")
    def _ask_pythons(self) -> None:
        """Ask each other interpreter what it is (it imports fetchtui: a fraction of a second)."""
        labels = {path: _python_label(path, _ask(path) if path else None) for path in self._pythons}
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self._name_pythons, labels)

    def _name_pythons(self, labels: dict[str | None, str]) -> None:
        self._python_labels = labels
        field = self.query_one("#python", Select)
        chosen = field.value
        field.set_options([(labels[path], path or "") for path in self._pythons])
        field.value = chosen

    # -- workers ----------------------------------------------------------------------
    def watch_worker_count(self, workers: int) -> None:
        field = self.query_one("#workers", Input)
        if field.value != str(workers):
            field.value = str(workers)

    def on_workers_input_step(self, event: WorkersInput.Step) -> None:
        self.change_workers(event.delta)

    def change_workers(self, delta: int) -> None:
        """+/- steps: by one up to 10, then by tens up to 100, then by hundreds."""
        current = self.worker_count
        edge = current if delta > 0 else current - 1
        step = 1 if edge < 10 else 10 if edge < 100 else 100
        self.worker_count = max(1, min(MAX_WORKERS, current + delta * step))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "model":
            return
        model = check_model(str(event.value))
        self.query_one("#processes", Input).disabled = not registry.MODELS[model].multi_process
        chosen = self.query_one("#client", Select)
        if registry.client(model, str(chosen.value)) is None:  # the model's own default client
            chosen.value = registry.default_client(model)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "workers":
            try:
                value = parse_workers(event.value)
            except ConfigError:
                return  # half typed: read() says what is wrong if it is started like this
            if value != self.worker_count:
                self.worker_count = value

    # -- the list ---------------------------------------------------------------------
    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(CHECK_DELAY, self._check_in_background)

    def check_list(self) -> Sequence[Target] | None:
        """Parse the list; show every bad line by number. None when it has errors."""
        text = self.query_one("#urls", TextArea).text
        if text != self._checked_text:  # else the background check parsed it: 100,000 lines take 1 s
            self._show_check(text, _parse(text, self._request, self._hidden.real, self._sends))
        return self._checked

    def _check_in_background(self) -> None:
        text = self.query_one("#urls", TextArea).text
        if text != self._checked_text:
            self._parse_off_the_ui(text, self._hidden.real)

    @work(thread=True, exclusive=True, group="check-list")
    def _parse_off_the_ui(self, text: str, hidden: Mapping[str, str]) -> None:
        """Parse a pause's text on a thread: the editor stays live while a long list parses."""
        outcome = _parse(text, self._request, hidden, self._sends)
        if get_current_worker().is_cancelled:
            return
        try:
            self.app.call_from_thread(self._show_check, text, outcome)
        except RuntimeError:  # the app closed meanwhile: nobody to show it to
            pass

    def _show_check(self, text: str, outcome: Sequence[Target] | TargetsError) -> None:
        if self.query_one("#urls", TextArea).text != text:
            return  # typed on meanwhile: the next check shows the new text
        self._checked_text = text
        errors = self.query_one("#url-errors", Static)
        if isinstance(outcome, TargetsError):
            self._checked = None
            shown = outcome.errors[:8]
            more = len(outcome.errors) - len(shown)
            message = Text("\n".join(str(e) for e in shown))  # coloured by .has-errors
            if more:
                message.append(f"\n… and {more} more bad lines")
            errors.update(message)
            errors.add_class("has-errors")
            return
        self._checked = outcome
        errors.update(Text(f"{len(outcome):,} requests"))
        errors.remove_class("has-errors")

    def hide_credentials(self) -> None:
        """Mask the passwords typed into the editor since it was last masked (they are kept, and
        sent): what a run's list is shown with from then on."""
        editor = self.query_one("#urls", TextArea)
        text = editor.text
        shown = self._hidden.hide(text)
        if shown == text:
            return
        if self._checked_text == text:  # the same list: its check stands
            self._checked_text = shown
        cursor = editor.cursor_location
        editor.load_text(shown)  # and forget the edits: an undo must not bring a password back
        editor.move_cursor(editor.clamp_visitable(cursor))

    def read(self) -> Setup | str:
        """The setup to run, or a message saying what to fix. A list that can run has its
        typed passwords masked in the editor from then on."""
        targets = self.check_list()
        if targets is None:
            return "fix the bad lines in the URL list first"
        if not targets:
            return "the URL list is empty: type a URL, or start with --demo"
        self.hide_credentials()
        try:
            workers = parse_workers(self.query_one("#workers", Input).value)
            timeout = parse_timeout(self.query_one("#timeout", Input).value)
            client = check_client(str(self.query_one("#client", Select).value))
            model = check_model(str(self.query_one("#model", Select).value))
            processes = (parse_processes(self.query_one("#processes", Input).value)
                         if registry.MODELS[model].multi_process else 1)
            rate_text = self.query_one("#rate", Input).value.strip()
            rate = parse_rate(rate_text) if rate_text else None
            duration_text = self.query_one("#duration", Input).value.strip()
            stages = parse_stages(duration_text) if ":" in duration_text else ()
            duration = parse_run_duration(duration_text) if duration_text and not stages else None
            base = self.config
            python = str(self.query_one("#python", Select).value) or None
            config = replace(base, workers=workers, client=client, model=model, processes=processes,
                             python=python,
                             rate=rate, duration=duration, stages=stages,
                             limits=replace(base.limits, timeout=timeout),
                             cut_at_end=base.cut_at_end and bool(duration or stages))
        except ConfigError as exc:  # e.g. --http2 on a client that cannot speak it
            return str(exc)
        return Setup(targets, config)

    @property
    def pythons(self) -> list[tuple[str, str | None]]:
        """(label, path) of each interpreter offered (None: this one)."""
        return [(self._python_labels[path], path) for path in self._pythons]

    @property
    def default_processes(self) -> int:
        """The processes field's count (what a comparison of models runs them with)."""
        try:
            return parse_processes(self.query_one("#processes", Input).value)
        except ConfigError:
            return self._processes

    def read_series(self) -> list[int] | str:
        """The sweep's worker counts, or a message saying what to fix."""
        try:
            return parse_series(self.query_one("#series", Input).value)
        except ConfigError as exc:
            return f"sweep: {exc}"
