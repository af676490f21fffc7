"""`fetchtui open RUN.json`: an exported run, shown as it ended, through the replay source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fetchtui.core.input.config import RunConfig
from fetchtui.core.runs.replay import Recording
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.history_table import HistoryTable
from fetchtui.tui.widgets.stats_panel import StatsPanel
from fetchtui.tui.widgets.thread_table import ThreadTable
from fetchtui.tui.widgets.timeline import Timeline

from ..waiting import pilot_until

OLD_EXPORT = Path(__file__).parent.parent / "data" / "export-0.1.0.json"
SIZE = (160, 48)


async def test_an_export_of_the_previous_version_opens_as_it_ended() -> None:
    app = FetchApp.replaying(Recording.load(OLD_EXPORT), str(OLD_EXPORT))
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: app.stats is not None and app.stats.ended, "the replay to end")
        figures = app.query_one(StatsPanel).figures
        assert "finished" in figures and "done 12/12" in figures and "ok 10" in figures
        assert "failed 2" in figures and "503:2" in figures
        table = app.query_one(ThreadTable)
        assert table.group_count == 4
        assert all("fetchtui-worker_" in table.group_text(i)[0] for i in range(4))
        assert app.query_one("#live").border_title.startswith("replay of ")  # type: ignore[union-attr]
        # the history takes the run once the frame that shows its end is painted
        await pilot_until(pilot, lambda: app.query_one(HistoryTable).row_count == 1, "the history's row")
        assert app.history.runs[0].summary.elapsed_s == 0.314
        await pilot.press("f9")
        await pilot_until(pilot, lambda: app.query_one(Timeline).lane_count == 4, "the timeline lanes")
        doc = json.loads(OLD_EXPORT.read_text())
        drawn = sorted(bar[0] for lane in range(4) for bar in app.query_one(Timeline).lane_bars(lane))
        assert drawn == [r["id"] for r in doc["requests"]]


async def test_a_run_exported_by_the_app_opens_again_with_the_same_summary(
        base: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    first = FetchApp(f"{base}/delay/10 x9\n{base}/status/404", RunConfig(workers=3))
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot_until(pilot, lambda: first.stats is not None and first.stats.ended, "the run")
        await pilot.press("ctrl+o")
        first.screen.query_one("#export-path").value = str(out)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot_until(pilot, out.exists, "the export")
    again = FetchApp.replaying(Recording.load(out), str(out))
    async with again.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: again.stats is not None and again.stats.ended, "the replay")
        assert again.stats is not None
        assert again.stats.summary().to_json() == json.loads(out.read_text())["summary"]


def test_a_file_that_is_not_an_export_gets_a_clear_error(tmp_path: Path) -> None:
    for name, content in [("notes.txt", "hello"), ("list.json", "[1, 2]"),
                          ("other.json", json.dumps({"version": 1, "rows": []}))]:
        path = tmp_path / name
        path.write_text(content)
        result = subprocess.run([sys.executable, "-m", "fetchtui", "open", str(path)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr
        assert "not JSON" in result.stderr or "not a fetchtui run export" in result.stderr, result.stderr
    missing = subprocess.run([sys.executable, "-m", "fetchtui", "open", str(tmp_path / "gone.json")],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


async def test_an_instant_replay_leaves_no_frame_timer_running() -> None:
    app = FetchApp.replaying(Recording.load(OLD_EXPORT), str(OLD_EXPORT))
    async with app.run_test(size=SIZE) as pilot:
        await pilot_until(pilot, lambda: len(app.history.runs) == 1, "the replay to be recorded")
        assert not app.main.run_view.drawing
