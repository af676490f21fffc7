"""A file in the user's directory named like a module never runs in place of it in a child
fetchtui starts (the fetch process, worker processes, the thread sampler, the demo server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.lessons.demo_process import DemoProcess
from fetchtui.core.runs.child import FetchProcess
from fetchtui.core.stats import RunStats
from fetchtui.core.threadstates.procfs import unavailable

from ..waiting import fold_until

# modules every child imports after its sys.path is set (none is loaded at start-up)
SHADOWED = ("queue", "selectors", "socket", "json", "threading", "struct", "http")
SHADOW = "open(__file__ + '.ran', 'w').close()\nraise ImportError('a shadowing file ran')\n"
FETCHTUI = Path(sys.executable).parent / "fetchtui"  # the installed command: it runs no `-m`


@pytest.fixture
def shadowed_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The working directory, holding a file for each name in SHADOWED."""
    for name in SHADOWED:
        (tmp_path / f"{name}.py").write_text(SHADOW)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert sorted(p.name for p in tmp_path.glob("*.ran")) == []


def test_the_fetch_process_ignores_modules_in_the_working_directory(shadowed_cwd: Path, base: str) -> None:
    process = FetchProcess()
    try:
        targets = parse_targets(f"{base}/delay/0 x20")
        source = process.open(targets, RunConfig(4, "requests", FetchLimits()))
        stats = RunStats(targets)
        source.start()
        fold_until(source, stats, lambda: stats.ended, "the run in the fetch process to end")
        assert (stats.ok, stats.failed, stats.cancelled) == (20, 0, 0)
    finally:
        process.close()


@pytest.mark.skipif(not FETCHTUI.exists(), reason="the fetchtui command is not installed beside this Python")
def test_worker_processes_and_the_thread_sampler_ignore_modules_in_the_working_directory(
        shadowed_cwd: Path, base: str) -> None:
    done = subprocess.run([str(FETCHTUI), "run", f"{base}/delay/100 x40", "--model", "processes", "-w", "2",
                           "--json", "-", "--no-history"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert summary["ok"] == 40
    if unavailable(os.getpid()) is None:  # on Linux the sampler ran, from this directory too
        assert summary["thread_states_why"] is None, summary["thread_states_why"]


def test_the_demo_server_process_ignores_modules_in_the_working_directory(shadowed_cwd: Path) -> None:
    demo = DemoProcess()
    try:
        assert demo.url.startswith("http://127.0.0.1:")
    finally:
        demo.stop()
