"""The live table: one group per worker thread, what it runs now, and its last requests."""

from __future__ import annotations

import time
from collections.abc import Hashable

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from fetchtui.core.stats import RunStats
from fetchtui.tui.widgets.pieces import PieceStyles
from fetchtui.tui.widgets.thread_lines import Spans, finished, head, narrow_head

SHOWN = 2  # finished requests shown under each thread
LINES_PER_THREAD = 1 + SHOWN
#: Narrower than this, a thread's line leads with what the lesson reads (ident, what it runs
#: now and for how long, its count) and ends with the URL's path, cut from the left.
NARROW = 90
# A finished request's line is redrawn at most 5 times a second. At thousands of requests a
# second it changed every frame, a blur no one reads, and its redraw was most of a frame's
# paint; a thread's own line (its count, what it runs now) keeps every frame.
DETAIL_PERIOD_NS = 200_000_000


#: what the table says before any run
IDLE_LINES = (("No run yet: type URLs in the setup pane (ctrl+g), then ctrl+s starts.", "dim"),
              ("New here? `fetchtui lesson` walks through the lesson, step by step.", "dim"))


class ThreadTable(ScrollView, can_focus=True):
    """Renders its own lines (Line API) and redraws only the lines whose content changed.

    Each visible line has a key: the values it shows. A frame compares keys and refreshes
    the lines that differ, so its cost follows what changed on screen, not the event rate
    or the worker count; a finished request's line waits until DETAIL_PERIOD_NS has passed
    since its last redraw (an ended run's last frame redraws them all).
    """

    BINDINGS = [  # the arrows every list takes: the footer's room is for the run's keys
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
    ]

    # Colours come from the theme (app.tcss), so a theme switch restyles the table.
    COMPONENT_CLASSES = {
        "thread-table--ident", "thread-table--name", "thread-table--dim", "thread-table--running",
        "thread-table--ok", "thread-table--failed", "thread-table--cancelled", "thread-table--selected",
    }

    class Selected(Message):
        """A thread group was clicked: `ident` is its thread."""

        def __init__(self, ident: int) -> None:
            self.ident = ident
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: int | None = None  # the thread whose group was clicked
        #: what it says before any run (a lesson says its own)
        self.idle_lines: tuple[tuple[str, str], ...] = IDLE_LINES
        self.stats: RunStats | None = None
        self._order: list[int] = []
        self._changes = -1  # the workers' change count the order was made at
        self._pids = 0  # processes seen: with more than one, each group says its pid
        self._strips: dict[int, tuple[Hashable, int, Strip]] = {}  # line -> key, width, strip
        self._room = 0  # lines kept for a starting pool whose workers have not all come yet
        self._per = LINES_PER_THREAD  # lines a group has: 1 at 80 columns (_lines_per)
        self._asked: dict[int, int] = {}  # line -> now_ns of the frame that last asked it redrawn
        self.now_ns = 0
        self._pieces = PieceStyles(  # a part is a component class: thread-table--{part}
            self, lambda part: self.get_component_rich_style(f"thread-table--{part}", partial=True))

    def notify_style_update(self) -> None:
        self._pieces.forget()
        self._strips.clear()
        super().notify_style_update()

    def show(self, stats: RunStats | None, groups: int = 0) -> None:
        """Display this run (None: the idle hint), room made for the `groups` its pool will
        have: the scrollbar comes now, not in the frames where the run's first requests are."""
        self._per = self._lines_per()
        self._room = groups * self._per  # kept until the pool's workers have come
        self._set_lines(max(1, self._room))
        self.stats = stats
        self.selected = None
        self._order = []
        self._changes = -1
        self._pids = 0
        self._strips.clear()
        self._asked.clear()
        self.scroll_to(0, 0, animate=False)
        self.update_frame()
        self.refresh()

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: the frame's redraw of the run show() gave it."""
        self.update_frame(now_ns)

    def update_frame(self, now_ns: int | None = None) -> None:
        """Called once per frame by the app after the stats model folded a batch."""
        self.now_ns = now_ns or time.perf_counter_ns()
        self._pieces.forget()  # its styles are read again once a frame, not once a line
        if self.stats is not None and self.stats.worker_changes != self._changes:
            self._changes = self.stats.worker_changes
            threads = self.stats.threads  # grouped by process, then in order of appearance
            # a worker that left a shrinking pool leaves the table (the timeline keeps its lane)
            self._order = sorted(self.stats.in_pool(),
                                 key=lambda key: (threads[key].info.pid, key))
            self._strips.clear()
            self._pids = max(len({t.info.pid for t in threads.values()}), self.stats.processes)
        per = self._lines_per()
        if per != self._per:
            self._room = self._room // self._per * per
            self._per = per
            self._strips.clear()
        lines = len(self._order) * self._per
        if lines >= self._room:
            self._room = 0
        lines = max(1, lines, self._room)
        if self.virtual_size.height != lines:
            self._set_lines(lines)
        top = self.scroll_offset.y
        live = self.stats is not None and not self.stats.ended  # the last frame shows all
        for index in range(top, min(top + self.size.height, lines)):
            cached = self._strips.get(index)
            if cached is None or cached[0] != self._key(index):  # width changes repaint all
                if (live and index % self._per
                        and self.now_ns - self._asked.get(index, 0) < DETAIL_PERIOD_NS):
                    continue  # a finished request's line, redrawn less than 0.2 s ago
                self._asked[index] = self.now_ns
                self.refresh_line(index)

    def _lines_per(self) -> int:
        """Lines a thread's group has: its last requests under it, but one line at 80
        columns, where they were cut anyway (10 workers at 80x24 fit, not 4)."""
        width = self.size.width
        return self._per if not width else 1 if width < NARROW else LINES_PER_THREAD

    def on_resize(self, event: events.Resize) -> None:
        if self._lines_per() != self._per:  # the width crossed NARROW: the groups change shape
            self._strips.clear()
            self.update_frame(self.now_ns or None)

    def _set_lines(self, lines: int) -> None:
        """The table's height in lines. Setting virtual_size lays the whole screen out again
        (13-45 ms at 200x50: once a frame while a pool's workers appear, once a + key), so it
        is set so only when the scrollbar must come; else the scrollbar is told, the lines
        redrawn. A bar no longer needed stays until the next layout (a resize) takes it."""
        size = Size(self.size.width, lines)
        if lines > self.scrollable_content_region.height and not self.show_vertical_scrollbar:
            self.virtual_size = size
            return
        self.set_reactive(ThreadTable.virtual_size, size)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.window_virtual_size = lines
            self.vertical_scrollbar.refresh()
        if self.scroll_y > self.max_scroll_y:  # fewer lines: the view ends at the last one
            self.scroll_to(y=self.max_scroll_y, animate=False)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        where = self._locate(event.y + self.scroll_offset.y)
        if where is None:
            return
        self.selected = where[0]
        self.refresh()
        self.post_message(self.Selected(where[0]))

    @property
    def group_count(self) -> int:
        return len(self._order)

    def group_text(self, index: int) -> list[str]:
        """The plain text of one thread group, as shown (used by tests and the e2e check)."""
        return ["".join(text for text, _ in self._line(index * self._per + k))
                for k in range(self._per)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        index = y + scroll_y
        key = self._key(index)
        cached = self._strips.get(index)
        if cached is not None and cached[0] == key and cached[1] == width:
            strip = cached[2]
        else:
            strip = self._pieces.strip(self._line(index), width)
            self._strips[index] = (key, width, strip)
        return strip.crop(scroll_x, scroll_x + width) if scroll_x else strip

    # -- what each line shows -------------------------------------------------------------
    def _locate(self, index: int) -> tuple[int, int] | None:
        group, k = divmod(index, self._per)
        if self.stats is None or group >= len(self._order):
            return None
        return self._order[group], k

    def _key(self, index: int) -> Hashable:
        """The values line `index` shows; equal keys draw equal lines."""
        where = self._locate(index)
        if where is None or self.stats is None:
            return ("blank", index, self.stats is None)
        ident, k = where
        thread = self.stats.threads[ident]
        if k == 0:
            took = None
            if thread.current is not None:
                start = self.stats.record(thread.current).start_ns or self.now_ns
                took = (self.now_ns - start) // 1_000_000
            share = round(self.stats.busy_share(ident, self.now_ns) * 100)
            return (ident, thread.requests, share, thread.current, took, ident == self.selected,
                    self._pids, self.size.width < NARROW)
        recent = thread.recent
        position = len(recent) - k
        return (ident, k, recent[position] if position >= 0 else None)

    def _line(self, index: int) -> Spans:
        stats = self.stats
        if stats is None:  # the first screen: what to do, and where the lesson is
            return [self.idle_lines[index]] if index < len(self.idle_lines) else []
        where = self._locate(index)
        if where is None:
            return [("Waiting for the pool's first thread…", "dim")] if index == 0 else []
        ident, k = where
        thread = stats.threads[ident]
        selected = ident == self.selected
        if k == 0 and self.size.width < NARROW:
            return narrow_head(stats, ident, self.now_ns, selected, self._pids, self.size.width)
        if k == 0:
            return head(stats, ident, self.now_ns, selected, self._pids)
        recent = thread.recent
        position = len(recent) - k  # newest first
        if position < 0:
            return []
        return finished(stats, stats.record(recent[position]))
