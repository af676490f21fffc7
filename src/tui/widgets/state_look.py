"""How a thread state looks on the timeline: its glyph, so colour is never the only difference,
and the legend that names each."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text

from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.threadstates.kinds import STATES

#: One glyph a state, each its own shape so NO_COLOR and a washed-out projector lose nothing:
#: ink follows use of the core (█ on it, ░ ready for one), the two lock waits are letters that
#: name them (G the GIL, the lesson's bottleneck; L any other lock), ~ the wire, · idle as the
#: request lane's idle dots, ? a wait not known.
GLYPH = {"cpu": "█", "runnable": "░", "gil": "G", "lock": "L", "net": "~", "idle": "·", "other": "?"}
#: Each state's glyph by its number (kinds.STATES' order)
BY_NUMBER = tuple(GLYPH[name] for name in STATES)
UNSAMPLED = " "  # a column no sample covers
#: The legend's order: the lesson's states first
ORDER = ("cpu", "gil", "lock", "net", "runnable", "idle", "other")
#: The legend's names: the narrow one's, and the wide one's where it says more
NARROW = {"runnable": "core"}
WIDE = {"runnable": "waiting for a core"}
#: From this width the legend names each state in full
WIDE_FROM = 100
_REQUESTS_ONLY = " · the lanes show requests only"


def legend_items(width: int) -> list[tuple[str, str, str]]:
    """(state, glyph, name) for the legend line, as wide as `width` allows."""
    names = WIDE if width >= WIDE_FROM else NARROW
    return [(state, GLYPH[state], names.get(state, state)) for state in ORDER]


def legend_text(why: str | None, width: int, part: Callable[[str], Style]) -> Text:
    """The legend line: each state's glyph (in its colour) and name, or why the lanes show
    no states. `part` is a part's style by name (the Timeline's component classes)."""
    if why is not None:  # said whole where it fits, else cut at the edge (never wrapped over a line)
        said = f"states: none ({safe_text(why)})"
        if len(said) + len(_REQUESTS_ONLY) <= width:
            said += _REQUESTS_ONLY
        return Text(said, part("dim"), no_wrap=True, overflow="ellipsis")
    line = Text("states ", part("dim"), no_wrap=True, overflow="ellipsis")
    for state, glyph, name in legend_items(width):
        line.append(" " + glyph, part(f"state-{state}"))
        line.append(f" {name}", part("label"))
    return line
