"""At 80x24, a projector's terminal, every screen fits: nothing runs off its right edge."""

from __future__ import annotations

from textual.widgets import Markdown

from fetchtui.tui.app import FetchApp
from fetchtui.tui.help_screen import HelpScreen

from .test_app import wait_for


async def test_the_help_fits_an_80_column_screen_and_wraps_its_text() -> None:
    app = FetchApp("http://127.0.0.1:1/ x2\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()  # Textual's wait for the screen's first layout
        dialog = app.screen.query_one("#help-dialog")
        text = app.screen.query_one(Markdown)
        assert dialog.region.right <= 80 and text.region.right <= 80, (dialog.region, text.region)
