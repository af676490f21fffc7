"""Regenerate the screenshots: real runs of the app against the demo server.

    python screenshots/make.py [--only resize|nogil|lesson|states] [--python PATH]
    (PNG needs rsvg-convert: apt-get install librsvg2-bin; `nogil` needs nginx and a free-threaded
    Python with fetchtui: --python, or $FETCHTUI_FREE_THREADED_PYTHON)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import SelectionList

from fetchtui.core.demo.server import DemoServer, demo_list
from fetchtui.core.input.config import RunConfig
from fetchtui.tui.app import FetchApp
from fetchtui.tui.widgets.thread_table import ThreadTable

HERE = Path(__file__).resolve().parent
SIZE = (160, 46)


def busy(app: FetchApp) -> bool:
    """Every worker has a request in flight and has finished one: a run in its stride."""
    stats, config = app.stats, app.config
    return bool(stats and config and stats.in_flight == config.concurrency
                and stats.done >= config.concurrency)


async def wait_s(pilot: object, seconds: float) -> None:
    """Let the run go on for `seconds` (a capture is taken of a run in its stride)."""
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        await pilot.pause(0.1)  # type: ignore[attr-defined]


async def runs_ended(pilot: object, app: FetchApp, count: int) -> None:
    """Let a comparison run until `count` runs are in the history and none runs (2 min at most)."""
    give_up = time.monotonic() + 120
    while (len(app.history.runs) < count or app.running) and time.monotonic() < give_up:
        await pilot.pause(0.2)  # type: ignore[attr-defined]


async def capture_resize(server: DemoServer) -> list[Path]:
    """A live resize on a server that serves 8 requests at a time: 2 workers, + to 8 (req/s
    steps up fourfold), then + to 20 (it stays: the server's ceiling, and latency grows)."""
    shots = []
    app = FetchApp(f"{server.url}/serial/100?slots=8 x5000", RunConfig(workers=2))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.press("f8")
        await wait_s(pilot, 3)
        shots.append(Path(app.save_screenshot("resize-2.svg", str(HERE))))
        await pilot.press(*["plus"] * 6)
        await wait_s(pilot, 3)
        shots.append(Path(app.save_screenshot("resize-8.svg", str(HERE))))
        await pilot.press(*["plus"] * 3)  # 9, 10, then by tens: 20
        await wait_s(pilot, 4)
        shots.append(Path(app.save_screenshot("resize-ceiling.svg", str(HERE))))
        await pilot.press("ctrl+c")
    return shots


#: The thread states' timeline: 8 threads of short requests, mid-run; at a projector's 80x24 too
STATES_SHOTS = (((200, 50), "timeline-states.svg"), ((80, 24), "timeline-states-80x24.svg"))


async def capture_states(server: DemoServer, path: str = "/delay/2") -> list[Path]:
    """F9 on 8 threads of 2 ms requests, 12 s in: under each lane its thread's states (the
    sampler's first moment, its start and finding the GIL, is the blank at each row's start)."""
    shots = []
    for size, name in STATES_SHOTS:
        app = FetchApp(f"{server.url}{path} x100000", RunConfig(workers=8))
        async with app.run_test(size=size) as pilot:
            await pilot.press("ctrl+s", "f9")
            await wait_s(pilot, 12)
            shots.append(Path(app.save_screenshot(name, str(HERE))))
            await pilot.press("ctrl+c")
            await wait_s(pilot, 1)
    return shots


async def capture_nogil(python: str) -> list[Path]:
    """F5 on instant nginx requests: threads/requests and threads/requests-per-thread, each on
    this Python and on a free-threaded one, side by side with each run's own ceiling."""
    sys.path.insert(0, str(HERE.parent / "bench"))
    from _helpers import serving_nginx

    with serving_nginx("the nogil screenshot") as (_, url, _):
        app = FetchApp(f"{url} x3000", RunConfig(workers=4, python=python))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await pilot.pause(0.5)
            pairs = app.screen.query_one("#models-list", SelectionList)
            pairs.deselect_all()
            pairs.select("threads/requests")
            pairs.select("threads/requests-per-thread")
            app.screen.query_one("#models-pythons", SelectionList).select("")
            await pilot.press("enter")
            await runs_ended(pilot, app, 4)
            await pilot.press("f4")
            await pilot.pause(0.5)
            return [Path(app.save_screenshot("nogil.svg", str(HERE)))]


async def capture_lesson(server: DemoServer) -> list[Path]:
    """`fetchtui lesson` at 100x30, in English and in Korean: steps 1 and 2 run, then step 2's
    pane with what it measured beside its text, its speedup against step 1."""
    from fetchtui.cli_lesson import lesson_plan
    from fetchtui.core.history.records import History
    from fetchtui.core.lessons.builtin import builtin

    shots = []
    for lang in ("en", "ko"):
        plan = lesson_plan(builtin("threads", lang), server.url, None)
        first = plan.settings(plan.lesson.steps[0])
        assert not isinstance(first, str), first
        app = FetchApp("", first[1], history=History(front_end="lesson"), lesson=plan)
        async with app.run_test(size=(100, 30)) as pilot:
            for runs, keys in ((1, ("ctrl+s",)), (2, ("alt+right", "ctrl+s"))):
                await pilot.press(*keys)
                await runs_ended(pilot, app, runs)
            await pilot.press("ctrl+g")  # the run's views had the screen: the step's pane back
            await pilot.pause(0.5)
            shots.append(Path(app.save_screenshot(f"lesson-{lang}.svg", str(HERE))))
    return shots


async def capture(only: str | None = None, python: str | None = None) -> list[Path]:
    shots = []
    if only == "nogil" or (only is None and python):
        if not python:
            raise SystemExit("--only nogil needs --python PATH (or $FETCHTUI_FREE_THREADED_PYTHON)")
        shots += await capture_nogil(python)
        if only == "nogil":
            return shots
    with DemoServer() as server:
        if only == "resize":
            return await capture_resize(server)
        if only == "lesson":
            return await capture_lesson(server)
        if only == "states":
            return await capture_states(server)
        shots += await capture_states(server)
        shots += await capture_resize(server)
        shots += await capture_lesson(server)
        app = FetchApp(demo_list(server.url), RunConfig(workers=10))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause(0.3)
            shots.append(Path(app.save_screenshot("idle.svg", str(HERE))))
            await pilot.press("ctrl+s", "ctrl+t")
            await pilot.pause(0.9)
            shots.append(Path(app.save_screenshot("running.svg", str(HERE))))
            give_up = time.monotonic() + 30
            while not (app.stats and app.stats.ended) and time.monotonic() < give_up:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            app.query_one(ThreadTable).focus()
            shots.append(Path(app.save_screenshot("finished.svg", str(HERE))))
            await pilot.press("f9", "down", "right", "right", "right")
            await pilot.pause(0.3)
            shots.append(Path(app.save_screenshot("timeline.svg", str(HERE))))
        sweep = FetchApp(f"{server.url}/delay/100 x40", RunConfig(workers=10))
        async with sweep.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+r")
            give_up = time.monotonic() + 60
            while len(sweep.history.runs) < 6 and time.monotonic() < give_up:
                await pilot.pause(0.2)
            await pilot.pause(0.3)
            await pilot.press("f3")
            shots.append(Path(sweep.save_screenshot("history.svg", str(HERE))))
            await pilot.press("f4")
            await pilot.pause(0.3)
            shots.append(Path(sweep.save_screenshot("sweep.svg", str(HERE))))
        for model, name in (("processes", "processes.svg"), ("asyncio", "asyncio.svg")):
            from fetchtui.core import registry

            live = FetchApp(f"{server.url}/delay/300 x80", RunConfig(
                workers=4, model=model, client=registry.default_client(model), processes=2))
            async with live.run_test(size=SIZE) as pilot:
                await pilot.press("ctrl+s")
                give_up = time.monotonic() + 30
                while not busy(live) and time.monotonic() < give_up:
                    await pilot.pause(0.05)
                live.query_one(ThreadTable).focus()
                await pilot.pause(0.2)
                shots.append(Path(live.save_screenshot(name, str(HERE))))
        models = FetchApp(f"{server.url}/delay/0 x2000", RunConfig(workers=8))
        async with models.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await runs_ended(pilot, models, 5)
            await pilot.press("f4")
            await pilot.pause(0.3)
            shots.append(Path(models.save_screenshot("models.svg", str(HERE))))
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description="regenerate the screenshots")
    parser.add_argument("--only", choices=["resize", "nogil", "lesson", "states"], help="only this set")
    parser.add_argument("--python", default=os.environ.get("FETCHTUI_FREE_THREADED_PYTHON"),
                        help="a free-threaded Python with fetchtui, for the nogil screenshot")
    args = parser.parse_args()
    for svg in asyncio.run(capture(args.only, args.python)):
        print(f"wrote {svg}")
        if shutil.which("rsvg-convert"):
            png = svg.with_suffix(".png")
            subprocess.run(["rsvg-convert", "-w", "1600", str(svg), "-o", str(png)], check=True)
            print(f"wrote {png}")


if __name__ == "__main__":
    main()
