"""The thread timeline: one lane per worker thread, a bar per request, idle gaps as gaps."""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from fetchtui.core.events import Phases
from fetchtui.core.stats import RunStats
from fetchtui.core.stats.series import lane
from fetchtui.core.textsafe import safe_text
from fetchtui.tui.widgets.outcomes import BAR, IDLE, PHASE, RETIRED

LABEL = 20  # columns for the thread's name
Bar = tuple[int, float, float, str]  # req_id, start_s, end_s, outcome


def phase_cells(phases: Phases | None, first: int, last: int, scale: float) -> dict[int, str]:
    """Which columns of a bar belong to a phase other than the wait: its setup (DNS, connect,
    TLS) at the start, the receive at the end; each phase that happened shows in at least one
    column while the wait keeps one, so a short phase is still seen."""
    if phases is None or last - first < 2:
        return {}
    marks: dict[int, str] = {}
    col = first
    for name, ns in (("dns", phases.dns_ns), ("connect", phases.connect_ns), ("tls", phases.tls_ns)):
        if ns is not None and col < last - 1:
            span = max(1, round(ns / 1e9 / scale))
            for c in range(col, min(col + span, last - 1)):
                marks[c] = name
            col = min(col + span, last - 1)
    if phases.receive_ns is not None:
        span = max(1, round(phases.receive_ns / 1e9 / scale))
        for c in range(max(col + 1, last - span), last):
            marks[c] = "receive"
    return marks


def describe_phases(phases: Phases | None) -> str:
    """`dns 0.7 · connect 0.2 · tls - · wait 5.6 · receive 0.1 ms · conn #2 new`."""
    if phases is None:
        return "phases: -"
    parts = [f"{name} {'-' if ns is None else f'{ns / 1e6:.2f}'}" for name, ns in phases.spans()]
    conn = "-" if phases.conn_id is None else f"#{phases.conn_id} {'reused' if phases.conn_reused else 'new'}"
    return f"{' · '.join(parts)} ms · conn {conn}"


def columns(bars: list[Bar], scale: float, width: int) -> list[tuple[int, int, Bar]]:
    """Where each bar lands: (first column, last column + 1, bar), at `scale` seconds/column."""
    placed = []
    for bar in bars:
        first = min(width - 1, int(bar[1] / scale))
        last = min(width, max(first + 1, math.ceil(bar[2] / scale)))
        placed.append((first, last, bar))
    return placed


class Timeline(ScrollView, can_focus=True):
    """Gantt view of the run: time runs left to right and fits the run so far."""

    BINDINGS = [
        Binding("up", "lane(-1)", "Lane up", show=False),
        Binding("down", "lane(1)", "Lane down", show=False),
        Binding("left", "bar(-1)", "Earlier", show=False),
        Binding("right", "bar(1)", "Later", show=False),
        Binding("home", "bar(-1000000)", "First", show=False),
        Binding("end", "bar(1000000)", "Last", show=False),
    ]

    # Colours come from the theme (app.tcss); each outcome has its own glyph too (outcomes.py).
    COMPONENT_CLASSES = {
        "timeline--ok", "timeline--failed", "timeline--cancelled", "timeline--running",
        "timeline--label", "timeline--current", "timeline--dim",
        "timeline--dns", "timeline--connect", "timeline--tls", "timeline--receive",
    }

    lane_index: reactive[int] = reactive(0, init=False)
    bar_index: reactive[int] = reactive(-1, init=False)

    class Selected(Message):
        """The selected request changed (req_id None: nothing selected)."""

        def __init__(self, req_id: int | None) -> None:
            self.req_id = req_id
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stats: RunStats | None = None
        self._lanes: list[int] = []
        self._bars: dict[int, list[Bar]] = {}
        self._span = 0.0

    def show(self, stats: RunStats | None) -> None:
        self.stats = stats
        self.lane_index, self.bar_index = 0, -1
        self.update_view()

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: the run show() gave it, read again."""
        self.update_view(now_ns)

    def update_view(self, now_ns: int | None = None) -> None:
        """Re-read the stats model (a few times a second at most, and only when shown)."""
        stats = self.stats
        self._lanes = list(stats.threads) if stats else []
        self._bars = {ident: lane(stats, ident, now_ns) for ident in self._lanes} if stats else {}
        self._span = max([b[2] for bars in self._bars.values() for b in bars], default=0.0)
        self.virtual_size = Size(self.size.width, len(self._lanes) + 1)
        self.refresh()

    @property
    def lane_count(self) -> int:
        return len(self._lanes)

    def lane_bars(self, index: int) -> list[Bar]:
        return self._bars.get(self._lanes[index], []) if index < len(self._lanes) else []

    def selected(self) -> int | None:
        bars = self.lane_bars(self.lane_index)
        return bars[self.bar_index][0] if bars and 0 <= self.bar_index < len(bars) else None

    # -- keys ---------------------------------------------------------------------------
    def action_lane(self, step: int) -> None:
        if self._lanes:
            self.lane_index = max(0, min(len(self._lanes) - 1, self.lane_index + step))
            self.bar_index = min(max(self.bar_index, 0), len(self.lane_bars(self.lane_index)) - 1)
            self.scroll_to_region(self._lane_region(), animate=False)
            self._announce()

    def action_bar(self, step: int) -> None:
        bars = self.lane_bars(self.lane_index)
        if bars:
            self.bar_index = max(0, min(len(bars) - 1, self.bar_index + step))
            self._announce()

    def select_thread(self, ident: int) -> None:
        """Select `ident`'s lane (its latest request), as a click on its thread group asks."""
        self.update_view()
        if ident in self._lanes:
            self.lane_index = self._lanes.index(ident)
            self.bar_index = len(self.lane_bars(self.lane_index)) - 1
            self._announce()

    def on_click(self, event: events.Click) -> None:
        """A click on a bar selects that request (on a lane, that lane)."""
        lane = event.y + self.scroll_offset.y - 1
        if not 0 <= lane < len(self._lanes):
            return
        width = max(1, self.scrollable_content_region.width - LABEL)
        scale = max(self._span, 1e-3) / width
        col = event.x - LABEL
        self.lane_index = lane
        hit = [n for n, (first, last, _) in enumerate(columns(self.lane_bars(lane), scale, width))
               if first <= col < last]
        self.bar_index = hit[-1] if hit else min(max(self.bar_index, 0), len(self.lane_bars(lane)) - 1)
        self.focus()
        self._announce()

    def _lane_region(self) -> Region:
        return Region(0, self.lane_index + 1, 1, 1)

    def _announce(self) -> None:
        self.refresh()
        self.post_message(self.Selected(self.selected()))

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        text = self._line(index, max(1, width - LABEL))
        text.truncate(width, overflow="ellipsis", pad=True)
        return Strip(list(text.render(self.app.console)), width).apply_style(self.rich_style)

    def _part(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}", partial=True)

    def _line(self, index: int, width: int) -> Text:
        dim = self._part("dim")
        if not self._lanes:
            return Text("No run yet: the timeline fills as requests finish." if index == 0 else "", dim)
        scale = max(self._span, 1e-3) / width
        if index == 0:
            axis = Text(" " * LABEL, dim)
            for col in range(0, width, 20):
                axis.append(f"|{col * scale:<19.2f}"[: width - col], dim)
            return axis
        lane = index - 1
        if lane >= len(self._lanes):
            return Text("")
        thread = self.stats.threads[self._lanes[lane]] if self.stats else None
        name = safe_text(thread.info.name, LABEL - 1) if thread else "?"
        line = Text(f"{name:<{LABEL}}", self._part("current" if lane == self.lane_index else "label"))
        cells: list[tuple[str, Style]] = [(IDLE, dim)] * width
        if thread is not None and self.stats is not None:  # a lane runs from its first request
            joined = self.stats.relative_s(thread.first_ns)  # to its leaving the pool, if it did
            left = self.stats.relative_s(thread.retired_ns)
            first_col = min(width, int((joined or 0.0) / scale))
            cells[:first_col] = [(" ", dim)] * first_col
            if left is not None:
                last_col = min(width - 1, int(left / scale))
                cells[last_col:] = [(RETIRED, dim)] + [(" ", dim)] * (width - last_col - 1)
        selected = self.selected() if lane == self.lane_index else None
        styles = {name: self._part(name) for name in (*BAR, *PHASE)}
        stats = self.stats
        for n, (first, last, bar) in enumerate(columns(self.lane_bars(lane), scale, width)):
            style = styles.get(bar[3], dim)
            reverse = bar[0] == selected
            char = BAR.get(bar[3], ("?", "?"))[n % 2]  # ok alternates: back-to-back bars stay apart
            phases = stats.record(bar[0]).phases if stats is not None else None
            marks = phase_cells(phases, first, last, scale)
            for col in range(first, last):
                phase = marks.get(col)
                cell = (PHASE[phase], styles[phase]) if phase else (char, style)
                cells[col] = (cell[0], cell[1] + Style(reverse=True)) if reverse else cell
        run_start = 0
        for col in range(1, width + 1):  # one append per run of equal cells, not per cell
            if col == width or cells[col] != cells[run_start]:
                char, style = cells[run_start]
                line.append(char * (col - run_start), style)
                run_start = col
        return line


class TimelinePane(Vertical):
    """The timeline with a line under it that describes the selected request."""

    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")
        yield Static(id="timeline-detail")

    def on_timeline_selected(self, event: Timeline.Selected) -> None:
        detail = self.query_one("#timeline-detail", Static)
        stats = self.query_one(Timeline).stats
        if event.req_id is None or stats is None:
            detail.update("")
            return
        rec = stats.record(event.req_id)
        start, end = stats.relative_s(rec.start_ns), stats.relative_s(rec.end_ns)
        took = f"{rec.elapsed_ns / 1e6:.1f} ms" if rec.elapsed_ns is not None else "in flight"
        status = rec.status if rec.status is not None else "-"
        outcome = rec.outcome.value if rec.outcome else "running"
        kind = f" ({rec.error_kind}: {rec.error})" if rec.error_kind else ""
        thread = rec.thread.name if rec.thread else "-"
        window = f"{start or 0:.3f}-{end:.3f} s" if end is not None else f"from {start or 0:.3f} s"
        spec = stats.target(rec.req_id).spec
        sent = " · ".join([spec.method, *spec.shown_headers()])
        first = safe_text(f"#{rec.req_id} {rec.url}  {sent}")
        second = safe_text(f"{outcome} {status}{kind}  {took}  {rec.nbytes} B  {thread}  {window}")
        detail.update(Text(f"{first}\n{second}\n{describe_phases(rec.phases)}"))
