"""A replayed export shows the thread states its run recorded: its summary's and each thread's,
or why there were none; a replay samples nothing of its own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fetchtui.core.runs.replay import Recording, ReplaySource
from fetchtui.core.runs.session import RunSession

from .test_cli_run import CMD
from .test_session import frames_until

LINUX = Path("/proc/self/task").is_dir()


def replayed(path: Path) -> dict[str, object]:
    session = RunSession(ReplaySource(Recording.load(path)))
    session.start()
    frames_until(session, lambda f: f.ended, "the replay's end")
    return session.stats.summary().to_json()


@pytest.mark.skipif(not LINUX, reason="thread states are read from Linux's /proc")
def test_a_sampled_runs_export_replays_with_its_thread_states(base: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    subprocess.run([*CMD, "run", f"{base}/delay/100 x24", "-w", "4", "--no-history", "--json", str(out)],
                   check=True, capture_output=True, timeout=120)
    doc = json.loads(out.read_text())
    assert doc["summary"]["thread_states"] is not None, doc["summary"]["thread_states_why"]
    summary = replayed(out)
    assert summary["thread_states"] == doc["summary"]["thread_states"]
    assert summary["thread_states_why"] is None
    assert summary["limit"] == doc["summary"]["limit"]  # the verdict reads the same shares


def test_an_export_without_states_replays_saying_why(base: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    subprocess.run([*CMD, "run", f"{base}/get x2", "--no-history", "--json", str(out)],
                   check=True, capture_output=True, timeout=120)
    doc = json.loads(out.read_text())
    assert doc["summary"]["thread_states"] is None and doc["summary"]["thread_states_why"]
    summary = replayed(out)
    assert (summary["thread_states"], summary["thread_states_why"]) == (
        None, doc["summary"]["thread_states_why"])
