"""Lines drawn from (text, part) pieces, over a widget's own style: the thread table's and the
stats panel's way of drawing a line (rich's Text layout cost ~0.1 ms a line)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

#: A line as (text, part) pieces; a part names a style, "" the widget's own.
Pieces = Sequence[tuple[str, str]]


class PieceStyles:
    """A widget's own style and each part's on top of it, each resolved once until forgotten."""

    def __init__(self, widget: Widget, part_style: Callable[[str], Style]) -> None:
        self._widget = widget
        self._part_style = part_style  # a part's name -> its style
        self._base: Style | None = None  # rich_style walks the DOM: once, not per line
        self._styles: dict[str, Style] = {}  # part -> base + its style

    def forget(self) -> None:
        """The widget's styles changed, or may have: resolve them again on the next line."""
        self._base = None

    @property
    def base(self) -> Style:
        if self._base is None:
            self._base = self._widget.rich_style
            self._styles.clear()
        return self._base

    def strip(self, pieces: Pieces, width: int) -> Strip:
        """`pieces` as a line `width` cells wide; one too long is cut, and ends in "…"."""
        base, styles = self.base, self._styles
        segments = []
        for text, part in pieces:
            style = styles.get(part)
            if style is None:
                style = styles[part] = base + self._part_style(part) if part else base
            segments.append(Segment(text, style))
        strip = Strip(segments)
        if strip.cell_length > width:
            strip = Strip.join([strip.crop(0, max(0, width - 1)), Strip([Segment("…", base)])])
        return strip.extend_cell_length(width, base)
