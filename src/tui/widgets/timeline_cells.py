"""A timeline lane's cells: where each request's bar lands with its phases, the states under it,
and a row of cells joined into text (no widget: the Timeline draws what these give)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from rich.style import Style
from rich.text import Text

from fetchtui.core.runs.events import Phases
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.lanes import NONE
from fetchtui.tui.widgets.outcomes import BAR, PHASE
from fetchtui.tui.widgets.state_look import BY_NUMBER, UNSAMPLED

Bar = tuple[int, float, float, str]  # req_id, start_s, end_s, outcome
Cell = tuple[str, Style]
#: a part's style by its name (the Timeline's component classes)
Parts = Callable[[str], Style]


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


def bar_cells(cells: list[Cell], bars: list[Bar], scale: float, part: Parts, selected: int | None,
              phases_of: Callable[[int], Phases | None]) -> None:
    """Draw each request's bar over `cells`: its outcome's glyph, its phases' at its ends, the
    `selected` one reversed."""
    dim = part("dim")
    styles = {name: part(name) for name in (*BAR, *PHASE)}
    for n, (first, last, bar) in enumerate(columns(bars, scale, len(cells))):
        style = styles.get(bar[3], dim)
        reverse = bar[0] == selected
        char = BAR.get(bar[3], ("?", "?"))[n % 2]  # ok alternates: back-to-back bars stay apart
        marks = phase_cells(phases_of(bar[0]), first, last, scale)
        for col in range(first, last):
            phase = marks.get(col)
            cell = (PHASE[phase], styles[phase]) if phase else (char, style)
            cells[col] = (cell[0], cell[1] + Style(reverse=True)) if reverse else cell


def state_cells(states: Sequence[int], part: Parts) -> list[Cell]:
    """A states row: each column's state (lanes.column_states) as its glyph in its colour."""
    styles = [part(f"state-{name}") for name in STATES]
    blank = (UNSAMPLED, part("dim"))
    return [blank if state == NONE else (BY_NUMBER[state], styles[state]) for state in states]


def joined(line: Text, cells: Sequence[Cell]) -> Text:
    """`cells` appended to `line`, one append per run of equal cells, not per cell."""
    start = 0
    for col in range(1, len(cells) + 1):
        if col == len(cells) or cells[col] != cells[start]:
            char, style = cells[start]
            line.append(char * (col - start), style)
            start = col
    return line
