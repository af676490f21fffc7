"""The thread timeline: one lane per worker thread, a bar per request, idle gaps as gaps, and
under each thread's lane, where its sampled states are known, a row of them over time."""

from __future__ import annotations

from collections import Counter

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.stats import RunStats
from fetchtui.core.stats.series import lane
from fetchtui.core.threadstates.lanes import StateLanes, column_states
from fetchtui.tui.widgets.outcomes import IDLE, RETIRED
from fetchtui.tui.widgets.state_look import NARROW, legend_text
from fetchtui.tui.widgets.timeline_cells import Bar, Cell, bar_cells, columns, joined, state_cells

__all__ = ["LABEL", "Timeline", "columns"]

LABEL = 20  # columns for the thread's name
#: A drawn row: (lane, whether it is the lane's states row)
Row = tuple[int, bool]


class Timeline(ScrollView, can_focus=True):
    """Gantt view of the run: time runs left to right and fits the run so far. A thread's
    states row sits under its lane's requests (once a thread: a loop's tasks share one), so
    each request lines up with what its thread was doing then."""

    BINDINGS = [
        Binding("up", "lane(-1)", "Lane up", show=False),
        Binding("down", "lane(1)", "Lane down", show=False),
        Binding("left", "bar(-1)", "Earlier", show=False),
        Binding("right", "bar(1)", "Later", show=False),
        Binding("home", "bar(-1000000)", "First", show=False),
        Binding("end", "bar(1000000)", "Last", show=False),
    ]

    # Colours come from the theme (app.tcss); each outcome and state has its own glyph too.
    COMPONENT_CLASSES = {
        "timeline--ok", "timeline--failed", "timeline--cancelled", "timeline--running",
        "timeline--label", "timeline--current", "timeline--dim",
        "timeline--dns", "timeline--connect", "timeline--tls", "timeline--receive",
        "timeline--state-cpu", "timeline--state-runnable", "timeline--state-gil", "timeline--state-lock",
        "timeline--state-net", "timeline--state-idle", "timeline--state-other",
    }

    lane_index: reactive[int] = reactive(0, init=False)
    bar_index: reactive[int] = reactive(-1, init=False)

    class Selected(Message):
        """The selected request changed (req_id None: nothing selected)."""

        def __init__(self, req_id: int | None) -> None:
            self.req_id = req_id
            super().__init__()

    class Legend(Message):
        """What the legend line under the timeline says changed."""

        def __init__(self, text: Text) -> None:
            self.text = text
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stats: RunStats | None = None
        #: the run's thread states over time (the run view hands a snapshot), or why none
        self.states: StateLanes = StateLanes.unknown("no run yet")
        self._lanes: list[int] = []
        self._rows: list[Row] = []
        self._loops: set[tuple[int, int]] = set()  # threads whose lanes are a loop's tasks
        self._bars: dict[int, list[Bar]] = {}
        self._span = 0.0
        self._legend: tuple[str, int] | None = None

    def show(self, stats: RunStats | None) -> None:
        self.stats = stats
        self.states = StateLanes.unknown("sampling…")  # until the run view hands this run's
        self.lane_index, self.bar_index = 0, -1
        self.update_view()

    def show_states(self, states: StateLanes) -> None:
        """The run's states so far (drawn at the next update_view)."""
        self.states = states

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: the run show() gave it, read again."""
        self.update_view(now_ns)

    def update_view(self, now_ns: int | None = None) -> None:
        """Re-read the stats model (a few times a second at most, and only when shown)."""
        stats = self.stats
        self._lanes = list(stats.threads) if stats else []
        self._bars = {ident: lane(stats, ident, now_ns) for ident in self._lanes} if stats else {}
        self._span = max([b[2] for bars in self._bars.values() for b in bars], default=0.0)
        self._rows = self._layout()
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)
        self._say_legend()
        self.refresh()

    def _layout(self) -> list[Row]:
        rows: list[Row] = []
        seen: set[tuple[int, int]] = set()
        sampled = self.states.spans if self.states.why is None else {}
        keys = [self._key(ident) for ident in self._lanes]
        lanes_of = Counter(keys)
        self._loops = {key for key, n in lanes_of.items() if key is not None and n > 1} if sampled else set()
        for index, key in enumerate(keys):
            rows.append((index, False))
            if key is not None and key in sampled and key not in seen:
                seen.add(key)
                rows.append((index, True))
        return rows

    def _key(self, ident: int) -> tuple[int, int] | None:
        thread = self.stats.threads.get(ident) if self.stats else None
        return None if thread is None else (thread.info.pid, thread.info.native_id)

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
        """A click on a bar selects that request (on a lane or its states, that lane)."""
        row = event.y + self.scroll_offset.y - 1
        if not 0 <= row < len(self._rows):
            return
        lane_ = self._rows[row][0]
        width = max(1, self.scrollable_content_region.width - LABEL)
        scale = max(self._span, 1e-3) / width
        col = event.x - LABEL
        self.lane_index = lane_
        hit = [n for n, (first, last, _) in enumerate(columns(self.lane_bars(lane_), scale, width))
               if first <= col < last]
        self.bar_index = hit[-1] if hit else min(max(self.bar_index, 0), len(self.lane_bars(lane_)) - 1)
        self.focus()
        self._announce()

    def _lane_region(self) -> Region:
        rows = [n for n, (index, _) in enumerate(self._rows) if index == self.lane_index]
        return Region(0, (rows[0] if rows else self.lane_index) + 1, 1, max(1, len(rows)))

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
        if index - 1 >= len(self._rows):
            return Text("")
        lane_, states_row = self._rows[index - 1]
        if states_row:
            return self._states_line(lane_, width, scale)
        return self._requests_line(lane_, width, scale)

    def _requests_line(self, lane_: int, width: int, scale: float) -> Text:
        dim, stats = self._part("dim"), self.stats
        thread = stats.threads[self._lanes[lane_]] if stats else None
        name = safe_text(thread.info.name, LABEL - 1) if thread else "?"
        line = Text(f"{name:<{LABEL}}", self._part("current" if lane_ == self.lane_index else "label"))
        cells: list[Cell] = [(IDLE, dim)] * width
        if thread is not None and stats is not None:  # a lane runs from its first request
            joined_s = stats.relative_s(thread.first_ns)  # to its leaving the pool, if it did
            left = stats.relative_s(thread.retired_ns)
            first_col = min(width, int((joined_s or 0.0) / scale))
            cells[:first_col] = [(" ", dim)] * first_col
            if left is not None:
                last_col = min(width - 1, int(left / scale))
                cells[last_col:] = [(RETIRED, dim)] + [(" ", dim)] * (width - last_col - 1)
        selected = self.selected() if lane_ == self.lane_index else None
        bar_cells(cells, self.lane_bars(lane_), scale, self._part, selected,
                  lambda req_id: stats.record(req_id).phases if stats is not None else None)
        return joined(line, cells)

    def _states_line(self, lane_: int, width: int, scale: float) -> Text:
        """The thread's states, labelled with the one it spent most of its time in."""
        key = self._key(self._lanes[lane_])
        top = self.states.top(key) if key is not None else None
        loop = "loop " if key in self._loops else ""  # the one thread a loop's tasks share
        label = f" └ {loop}{top[1]:.0%} {NARROW.get(top[0], top[0])}" if top else " └"
        line = Text(f"{label:<{LABEL}}", self._part("dim"))
        spans = self.states.spans.get(key, ()) if key is not None else ()
        origin = self.stats.t0_ns if self.stats is not None and self.stats.t0_ns is not None else 0
        return joined(line, state_cells(column_states(spans, origin, scale, width), self._part))

    # -- the legend ---------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._say_legend()  # a tab shown after its run is laid out after the run view's redraw

    def _say_legend(self) -> None:
        """Tell the pane what the legend line says, when that changed."""
        width = self.size.width
        why = self.states.why
        if self._legend == (why or "", width):
            return
        self._legend = (why or "", width)
        self.post_message(self.Legend(self.legend(width - 2)))  # the line has a cell of padding each side

    def legend(self, width: int) -> Text:
        """One line: each state's glyph and name, or why the lanes show no states."""
        return legend_text(self.states.why, width, self._part)
