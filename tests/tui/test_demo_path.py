"""What a class reads on the way through the lesson says what is true of the model that runs."""

from __future__ import annotations

import pytest

from fetchtui.core.config import RunConfig
from fetchtui.tui.app import FetchApp
from fetchtui.tui.stats_panel import StatsPanel

from .test_app import wait_for


@pytest.mark.parametrize(("model", "client", "noun"), [("threads", "requests", "threads"),
                                                       ("asyncio", "aiohttp", "tasks"),
                                                       ("curl-multi", "pycurl", "transfers")])
async def test_the_stats_line_and_the_title_name_the_workers_as_the_model_runs_them(
        base: str, model: str, client: str, noun: str) -> None:
    app = FetchApp(f"{base}/delay/200 x6", RunConfig(workers=3, backend=client, model=model))  # type: ignore[arg-type]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+s")
        panel = app.query_one(StatsPanel)
        await wait_for(pilot, lambda: f"{noun} 3/3" in panel.figures, f"'{noun} 3/3' on the stats line")
        assert str(app.query_one("#live").border_title) == f"live: requests in flight, by {noun[:-1]}"
        app.action_cancel()
