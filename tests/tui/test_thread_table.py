"""The thread table redraws what changed: a thread's own line every frame, a finished
request's line at most five times a second, and every line on a run's last frame."""

from __future__ import annotations

import time
from collections import Counter

from textual.app import App, ComposeResult

from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import (
    Outcome,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.stats import RunStats
from fetchtui.tui.widgets.thread_table import LINES_PER_THREAD, ThreadTable
from tests.rows import as_rows

FRAME_NS = 40_000_000  # the app's 25 Hz
THREAD = ThreadInfo(ident=7, name="worker-0", native_id=70, pid=1)


class CountingTable(ThreadTable):
    """A thread table that counts the redraws each line was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: Counter[int] = Counter()

    def refresh_line(self, y: int) -> None:  # type: ignore[override]
        self.asked[y] += 1
        super().refresh_line(y)


class TableApp(App[None]):
    """A counting table showing a one-worker run of `requests` that started at `t0`."""

    def __init__(self, requests: int) -> None:
        super().__init__()
        self.t0 = time.perf_counter_ns()  # the clock the table's own frames read (the source's)
        self.stats = RunStats(parse_targets(f"http://127.0.0.1:9/ x{requests}"))
        self.stats.apply([RunStarted(total=requests, workers=1, t_ns=self.t0)])

    def compose(self) -> ComposeResult:
        yield CountingTable()

    def on_mount(self) -> None:
        self.query_one(CountingTable).show(self.stats, 1)

    def request(self, req: int, started: int, finished: int) -> None:
        self.stats.apply(as_rows([RequestStarted(req, started, THREAD),
                                  RequestFinished(req, finished, THREAD, Outcome.OK, status=200)]))


async def test_a_finished_requests_line_is_redrawn_at_most_five_times_a_second() -> None:
    frames = 25  # one second of frames, a request finishing in each
    app = TableApp(30)
    t0 = app.t0
    async with app.run_test(size=(120, 20)):
        table = app.query_one(CountingTable)
        table.asked.clear()
        for frame in range(1, frames + 1):
            t = t0 + frame * FRAME_NS
            app.request(frame, t - FRAME_NS // 2, t - FRAME_NS // 4)
            table.update_frame(t)
        thread_line, newest = table.asked[0], table.asked[1]
        assert thread_line == frames  # its count changed every frame, and showed every frame
        assert 4 <= newest <= 6, newest  # its line changed every frame too: ~5 redraws a second
        shown = table.group_text(0)
        assert "done     25" in shown[0]

        table.asked.clear()
        app.stats.apply([RunEnded(t_ns=t0 + (frames + 1) * FRAME_NS, cancelled=False)])
        table.update_frame(t0 + (frames + 1) * FRAME_NS + 1)  # the very next frame: the run's last
        assert all(table.asked[k] >= 1 for k in range(1, LINES_PER_THREAD)), table.asked


async def test_a_slow_runs_finished_request_shows_in_the_next_frame() -> None:
    app = TableApp(3)
    async with app.run_test(size=(120, 20)):
        table = app.query_one(CountingTable)
        for req in range(2):  # a request a second: each line is older than 0.2 s when it changes
            t = app.t0 + (req + 1) * 1_000_000_000
            app.request(req, t - 500_000_000, t - 1)
            table.asked.clear()
            table.update_frame(t)
            assert table.asked[1] == 1, f"request {req}'s line was not redrawn in its frame"
