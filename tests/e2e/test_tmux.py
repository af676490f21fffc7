"""The installed `fetchtui` command in a real terminal: tmux runs it, capture-pane reads it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def fetch_processes(self, module: str = "fetchtui.core.runs.child_main") -> list[int]:
        """Pids of the fetch processes started from this terminal (any depth below its shell)."""
        pane = subprocess.run(["tmux", "display-message", "-p", "-t", self.name, "#{pane_pid}"],
                              capture_output=True, text=True, check=True).stdout.strip()
        found, todo = [], [pane]
        while todo:
            children = subprocess.run(["pgrep", "-P", todo.pop()], capture_output=True, text=True).stdout
            for pid in children.split():
                todo.append(pid)
                if module in Path(f"/proc/{pid}/cmdline").read_bytes().decode(
                        errors="replace").replace("\0", " "):
                    found.append(int(pid))
        return found

    def wait_for(self, check: Callable[[str], bool], limit: float = 30.0) -> str:
        give_up = time.monotonic() + limit
        while time.monotonic() < give_up:
            text = self.screen()
            if check(text):
                return text
            time.sleep(0.2)  # one step of the bounded poll above
        raise AssertionError(f"screen never showed what was expected:\n{self.screen()}")


@pytest.fixture
def term() -> Iterator[Terminal]:
    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "50",
                    "env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm-256color", "PS1=$ ",
                    "bash", "--norc", "--noprofile"], check=True)
    try:
        yield Terminal(name)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False)


def fetchtui_command() -> str:
    installed = Path(sys.executable).with_name("fetchtui")
    return str(installed) if installed.exists() else f"{sys.executable} -m fetchtui"


def test_demo_run_shows_thread_groups_and_totals_and_quit_returns_the_shell(term: Terminal) -> None:
    term.send(f"{fetchtui_command()} --demo --start -w 4; echo EXITED-$?", "Enter")
    screen = term.wait_for(lambda s: "finished" in s and "done 200/200" in s, limit=60)
    assert "ok 192" in screen and "failed 8" in screen
    workers = set(re.findall(r"fetchtui-worker_\d+", screen))
    assert len(workers) == 4, screen
    assert "404:4" in screen and "503:4" in screen
    term.send("C-q")
    screen = term.wait_for(lambda s: "EXITED-0" in s, limit=10)


def test_quit_mid_run_with_hanging_requests_returns_the_shell_promptly(term: Terminal) -> None:
    from fetchtui.core.demo_server import DemoServer

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/hang x40' -w 8 --timeout 60 --start; "
                  "echo EXITED-$?", "Enter")
        term.wait_for(lambda s: "in flight 8" in s)
        children = term.fetch_processes()
        assert len(children) == 1  # the pool runs in the app's one fetch process
        term.send("C-q")
        # the server holds /hang for two minutes: a quit that waited on it would not be back
        term.wait_for(lambda s: "EXITED-0" in s, limit=10)
        assert not Path(f"/proc/{children[0]}").exists()  # and the fetch process went with it


def test_a_piped_list_runs_with_the_keyboard_and_leaves_its_summary(term: Terminal) -> None:
    from fetchtui.core.demo_server import DemoServer

    with DemoServer() as server:
        term.send(f"printf '{server.url}/delay/20 x24\\n' | {fetchtui_command()} -f - -w 3; "
                  "echo EXITED-$?", "Enter")
        term.wait_for(lambda s: "24 requests" in s)  # the list arrived through the pipe
        term.send("C-s")  # and the keys come from the terminal
        term.wait_for(lambda s: "finished" in s and "done 24/24" in s)
        term.send("C-q")
        screen = term.wait_for(lambda s: "EXITED-0" in s, limit=10)
    # the screen is restored, and the run's summary is left in the terminal
    assert "fetchtui run" in screen and "24  (ok 24, failed 0, cancelled 0)" in screen
    assert len(set(re.findall(r"fetchtui-worker_\d+", screen))) == 3


def test_ctrl_c_cancels_a_hanging_run_and_quitting_prints_what_it_did(term: Terminal) -> None:
    from fetchtui.core.demo_server import DemoServer

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/hang?test=e2e x30' -w 5 --timeout 60 --start; "
                  "echo EXITED-$?", "Enter")
        term.wait_for(lambda s: "in flight 5" in s)
        term.send("C-c")
        term.wait_for(lambda s: "cancelled 30" in s and "in flight 0" in s, limit=10)
        term.send("C-q")
        screen = term.wait_for(lambda s: "EXITED-0" in s, limit=10)
    assert "30  (ok 0, failed 0, cancelled 30)" in screen


def test_no_summary_leaves_nothing_behind(term: Terminal) -> None:
    from fetchtui.core.demo_server import DemoServer

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/delay/0 x3' --start --no-summary; echo EXITED-$?",
                  "Enter")
        term.wait_for(lambda s: "done 3/3" in s)
        term.send("C-q")
        screen = term.wait_for(lambda s: "EXITED-0" in s, limit=10)
    assert "fetchtui run" not in screen


def test_processes_model_shows_two_pids_and_quits_leaving_no_process(term: Terminal) -> None:
    from fetchtui.core.demo_server import DemoServer

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/hang x40' --model processes -P 2 -w 2 "
                  "--timeout 60 --start; echo EXITED-$?", "Enter")
        screen = term.wait_for(lambda s: "in flight 4" in s)
        shown = {int(pid) for pid in re.findall(r"pid (\d+)", screen)}
        workers = term.fetch_processes("fetchtui.core.runs.processes")
        assert len(shown) == 2 and shown == set(workers), screen
        term.send("C-q")
        term.wait_for(lambda s: "EXITED-0" in s, limit=10)
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
