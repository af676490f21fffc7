"""The run's figures above the thread table: progress, rate, percentiles, status and errors."""

from __future__ import annotations

import time
from itertools import zip_longest
from typing import Literal

from rich.progress_bar import ProgressBar
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.stats import RunStats
from fetchtui.core.threadstates.figures import ThreadStates
from fetchtui.tui.widgets.pieces import PieceStyles


def _counts(counts: dict[str, int]) -> str:
    return "  ".join(f"{k}:{v}" for k, v in counts.items()) or "-"


#: a phase's name where the panel is narrow
SHORT_PHASE = {"connect": "conn", "receive": "recv"}


def _ms(value: float) -> str:
    """A duration in ms in few characters: 0.1, 2.5, 102."""
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


#: One line as shown: its (text, part) pieces; a part is a rich style string, "" the panel's own.
Line = tuple[tuple[str, str], ...]


class _Lines:
    """The text under the bar, written as rich's Text.append is, kept as lines of parts."""

    def __init__(self) -> None:
        self.lines: list[list[tuple[str, str]]] = [[]]

    def append(self, text: str, style: str = "") -> None:
        first, *rest = text.split("\n")
        if first:
            self.lines[-1].append((first, style))
        for part in rest:
            self._end_line()
            self.lines.append([(part, style)] if part else [])

    def _end_line(self) -> None:
        """A line ends at its last figure: the spaces before the next one go (they cost a cut)."""
        line = self.lines[-1]
        while line and not line[-1][0].rstrip():
            line.pop()
        if line:
            text, style = line[-1]
            line[-1] = (text.rstrip(), style)

    @property
    def plain(self) -> str:
        return "\n".join("".join(text for text, _ in line) for line in self.lines)


#: The states in the order the line names them; a narrow panel's short names.
STATE_ORDER = ("cpu", "gil", "lock", "net", "idle", "other", "runnable")
SHORT_STATE = {"runnable": "core"}


def states_line(states: ThreadStates | str | None, wide: bool) -> tuple[str, str]:
    """Where the fetching threads' time went so far, and its style: `threads  9% cpu · 58% gil ·
    30% net · 3% waiting for a core`, or `threads  cpu 9% gil 58% net 30% core 3%` where narrow."""
    if isinstance(states, str):  # why none can be sampled (said once, on its own line)
        return safe_text(states), "dim"
    if states is None:
        return "threads  -", "dim"
    if states.why is not None:
        return f"threads  not sampled ({safe_text(states.why)})", "dim"
    shares = states.shares
    shown = [(state, shares[state]) for state in STATE_ORDER if shares.get(state, 0.0) >= 0.005]
    if not shown:
        return "threads  sampling…", "dim"
    if wide:
        named = {"runnable": "waiting for a core"}
        return "threads  " + " · ".join(f"{share:.0%} {named.get(s, s)}" for s, share in shown), ""
    return "threads  " + " ".join(f"{SHORT_STATE.get(s, s)} {share:.0%}" for s, share in shown), ""


#: the panel's width from which each figure is said in full (at 80 columns it is 78)
WIDE = 100

#: What the panel says the run is doing.
RunState = Literal["idle", "running", "paused", "cancelled", "finished"]


def run_state(stats: RunStats | None) -> RunState:
    """The state a run's stats are in."""
    if stats is None:
        return "idle"
    if not stats.ended:
        return "paused" if stats.paused else "running"
    return "cancelled" if stats.interrupted else "finished"


class StatsPanel(Widget):
    """Reads the stats model once per frame; computes nothing of its own.

    Drawn a line at a time, from (text, part) pieces: only a line whose pieces changed is
    drawn again, where a Static laid out and drew all seven through rich every frame (1.5 ms
    of a 7.8-ms paint at 200x50). The progress bar is rich's renderable, drawn into line 0:
    Textual's ProgressBar (three widgets bound by reactives) cost 3-4 ms a frame.
    """

    figures = ""  # the text under the bar, as shown (tests read it)
    workers_are = "threads"  # what the run's workers are (registry.ModelSpec.workers_are)
    #: the run's thread states so far (LiveStates.now), why there are none, or None: not sampled
    thread_states: ThreadStates | str | None = None
    states_shown = False  # the run's states line is shown: it is sampled (the run view says as it starts)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._bar_of: tuple[int, int] = (1, 0)  # (total, done) the bar shows
        self._lines: list[Line] = []  # under the bar
        self._strips: dict[int, tuple[object, int, Strip]] = {}  # y -> (what it shows, width, strip)
        self._pieces = PieceStyles(self, Style.parse)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._pieces.forget()
        self._strips.clear()

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: the panel as the run stands, its state read from the stats."""
        self.show(stats, run_state(stats), now_ns)

    def show(self, stats: RunStats | None, state: RunState, now_ns: int | None = None) -> None:
        if stats is None:
            self.figures = "idle: no run yet"
            self._set((1, 0), [((self.figures, "dim"),)])
            return
        now_ns = now_ns if now_ns is not None else time.perf_counter_ns()
        summary = stats.summary() if stats.ended else None  # an ended run's figures, as exported
        lat = summary.latency_ms if summary is not None else stats.latency_ms()
        eta = stats.eta_s(now_ns)
        lines = _Lines()  # a line too long ends in "…": a wrapped one would push the last out
        theme = self.app.current_theme  # the theme's colours: a theme switch restyles them
        lines.append(f"{state:<10}", f"bold {theme.warning}" if state == "paused" else "bold")
        # done: the requests that ran (ok or failed); a cancelled one did not, so a cancelled
        # run's bar is not full (it read done 400/400, 100%)
        ran = stats.ok + stats.failed
        if stats.open:  # a duration's run: its count grows with it, its share is of the time
            lines.append(f"done {ran} ({stats.done_share:.0%} of the time)  ")
        else:  # the share, where the line has room for it (the bar above shows it too)
            counts = (f"ok {stats.ok}  failed {stats.failed}  cancelled {stats.cancelled}  "
                      f"in flight {stats.in_flight}")
            share = f" ({ran / max(stats.total, 1):.0%})"
            fits = 10 + len(f"done {ran}/{stats.total}{share}  {counts}") <= self.size.width
            lines.append(f"done {ran}/{stats.total}{share if fits else ''}  ")
        lines.append(f"ok {stats.ok}  ", theme.success or "")
        lines.append(f"failed {stats.failed}  ", (theme.error or "") if stats.failed else "")
        lines.append(f"cancelled {stats.cancelled}  ", (theme.warning or "") if stats.cancelled else "")
        lines.append(f"in flight {stats.in_flight}\n")
        wide = self.size.width >= WIDE  # a narrow panel says each figure in fewer words
        paused = stats.paused_s(now_ns)
        # the clock runs on through a pause while req/s leaves it out: say how much of it was
        lines.append(f"elapsed {stats.elapsed_s(now_ns):.{2 if wide else 1}f} s" +
                     (f" (paused {paused:.1f} s)  " if paused >= 0.05 else "  "))
        lines.append(f"{stats.rps(now_ns):.1f} req/s  ")
        left = stats.time_left_s(now_ns)
        if left is not None:
            lines.append(f"{left:.{1 if wide else 0}f} s left  ")
        else:
            lines.append(f"ETA {eta:.{1 if wide else 0}f} s  " if eta is not None else "ETA -  ")
        rate = stats.rate
        if rate is not None:
            behind = stats.behind(now_ns)
            lines.append(f"rate {rate:g}/s" + (f" behind by {behind}  " if behind else "  "),
                         (theme.warning or "") if behind else "")
        lines.append(f"{self.workers_are} {stats.active_workers}/{stats.size}  ")
        if stats.python is not None:  # the fetch process's interpreter, as it said
            lines.append(f"{stats.python.label}  ", "" if stats.python.gil else (theme.accent or ""))
        ceiling = stats.gil_ceiling_rps()
        if wide:
            lines.append(f"cpu {stats.cpu_share():.0%} of request time, ceiling "
                         f"{f'{ceiling:.0f} req/s' if ceiling else '-'}\n")
        else:  # the CPU share is in the limit line's evidence; the ceiling, when it is the bound
            lines.append("\n")
        lines.append(f"latency p50 {lat.p50:.1f}  p90 {lat.p90:.1f}  p99 {lat.p99:.1f}  "
                     f"max {lat.max:.1f} ms")
        scheduled = stats.from_schedule_ms()
        if scheduled is not None:  # what a queue behind busy workers adds (coordinated omission)
            lines.append(f"   from schedule p50 {scheduled.p50:.1f}  p99 {scheduled.p99:.1f} ms")
        lines.append("\n")
        conns = stats.connections()
        phases = stats.phase_latency_ms()
        if wide:
            lines.append(f"connections opened {conns.opened}, reused {conns.reused_share:.0%}   ")
            lines.append("  ".join(f"{name} {lat.p50:.1f}/{lat.p99:.1f}" if lat.max else f"{name} -"
                                   for name, lat in phases.items()) + " ms (p50/p99)\n")
        else:  # only the phases the requests had (no "dns -  tls -" on a loopback run)
            lines.append(f"conns {conns.opened}, {conns.reused_share:.0%} reused  ")
            lines.append("  ".join(f"{SHORT_PHASE.get(name, name)} {_ms(lat.p50)}/{_ms(lat.p99)}"
                                   for name, lat in phases.items() if lat.max) + " ms p50/p99\n")
        lines.append(f"status  {_counts({str(k): v for k, v in sorted(stats.status_counts.items())})}   ")
        lines.append(f"errors  {_counts(dict(sorted(stats.error_counts.items())))}\n")
        if self.states_shown:  # above the limit: that line, the last, may be cut
            lines.append(*states_line(self.thread_states, wide))
            lines.append("\n")
        limit = summary.limit if summary is not None else stats.limit(now_ns)
        lines.append("limit   ")
        if limit is None:
            lines.append("- (judged once 10 requests have run)", "dim")
        else:
            lines.append(limit.by, "bold")
            evidence, _, conclusion = limit.why.rpartition(": ")
            if wide or not evidence:
                lines.append(f": {limit.why}")
            else:  # the conclusion first, where a cut line still shows it
                lines.append(f": {conclusion} · {evidence}")
        states = stats.check_states(now_ns)
        if states:
            marks = {"pass": ("✓", theme.success or ""), "fail": ("✗", theme.error or ""),
                     "open": ("·", "")}
            lines.append("\nchecks  ")
            for expr, verdict, shown in states:
                glyph, style = marks[verdict]
                lines.append(f"{glyph} ", style)
                lines.append(f"{safe_text(expr)} {shown}   ")
        self.figures = lines.plain
        self._set((max(stats.total, 1), ran), [tuple(line) for line in lines.lines])

    def _set(self, bar: tuple[int, int], lines: list[Line]) -> None:
        """Show `bar` and `lines`; only the lines that changed are marked for drawing."""
        width = self.size.width
        changed = [0] if bar != self._bar_of else []
        changed += [y + 1 for y, (new, old) in enumerate(zip_longest(lines, self._lines)) if new != old]
        self._bar_of, self._lines = bar, lines
        if changed:  # fixed height: a line's region, no relayout
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        line: Line = self._lines[y - 1] if 0 < y <= len(self._lines) else ()
        shows: object = self._bar_of if y == 0 else line
        cached = self._strips.get(y)
        if cached is not None and cached[0] == shows and cached[1] == width:
            return cached[2]
        strip = self._bar_strip(width) if y == 0 else self._pieces.strip(line, width)
        self._strips[y] = (shows, width, strip)
        return strip

    def _bar_strip(self, width: int) -> Strip:
        theme = self.app.current_theme
        total, done = self._bar_of
        bar = ProgressBar(total=total, completed=done, style="grey23", complete_style=theme.primary,
                          finished_style=theme.success or theme.primary)
        console = self.app.console
        segments = [s for s in console.render(bar, console.options.update_width(width)) if s.text != "\n"]
        base = self._pieces.base
        return Strip(Segment.apply_style(segments, base)).extend_cell_length(width, base)
