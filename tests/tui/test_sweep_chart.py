"""The sweep chart: drawn again at any size, and after any redraw, without a crash."""

from __future__ import annotations

from textual.widgets import Input

from fetchtui.core.input.config import RunConfig
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.sweep_chart import SweepChart

from .test_app import wait_for


async def test_the_sweep_chart_survives_a_resize_and_a_redraw_after_a_sweep(base: str) -> None:
    app = FetchApp(f"{base}/delay/0 x20\n", RunConfig(workers=1))
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one("#series", Input).value = "1,2,4"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.history.runs) == 3 and not app.running, "the sweep", limit=60)
        await pilot.press("f4")
        chart = app.query_one(SweepChart)
        for size in ((80, 24), (200, 50), (120, 40)):  # each size draws every plot again
            await pilot.resize_terminal(*size)
            await pilot.press("ctrl+g")  # the setup pane gives the chart another width
            await pilot.pause()
        await pilot.resize_terminal(200, 50)  # wide: the live view is shown beside the setup pane
        await pilot.pause()
        await pilot.press("f4")  # the sweep chart's tab, shown again
        await pilot.pause()
        assert app.is_running and chart.region.width > 0  # a crash in a redraw ends the app
