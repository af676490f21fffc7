"""A selection list whose tick is a glyph, not only a colour."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton

TICKED, UNTICKED = "✓", " "


class TickList(SelectionList[str]):
    """Textual's SelectionList draws the same X in every box and tells a ticked one by colour
    alone: grey 250 against 232 under NO_COLOR, nothing at all on a washed-out projector.
    Here a ticked box holds ✓ and an unticked one nothing."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 4 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip  # not a row with a box (past the last option)
        option = self.get_option_at_index(self.scroll_offset.y + y)
        ticked = option.value in self.selected
        segments[1] = Segment(TICKED if ticked else UNTICKED, segments[1].style)
        return Strip(segments, strip.cell_length)
