"""The installed `fetchtui` command in a real terminal: tmux runs it, capture-pane reads it."""

from __future__ import annotations

import json
import os
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

#: A tmux server of this run's own: on the default one a bench or another suite's session
#: (same server, its own environment and sizes) once broke a setup here.
SOCKET = f"fetchtui-tests-{uuid.uuid4().hex[:8]}"
TMUX = ["tmux", "-L", SOCKET]


@pytest.fixture(scope="module", autouse=True)
def own_tmux_server() -> Iterator[None]:
    yield
    subprocess.run([*TMUX, "kill-server"], check=False, capture_output=True)
    # the server leaves its socket behind when its last session ends
    Path(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", SOCKET).unlink(missing_ok=True)


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, *keys: str) -> None:
        subprocess.run([*TMUX, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        return subprocess.run([*TMUX, "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def fetch_processes(self, module: str = "fetchtui.core.runs.child_main") -> list[int]:
        """Pids of the fetch processes started from this terminal (any depth below its shell)."""
        found, todo = [], [pane_pid(self.name)]
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
    subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "160", "-y", "50",
                    "env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm-256color", "PS1=$ ",
                    "bash", "--norc", "--noprofile"], check=True)
    try:
        yield Terminal(name)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", name], check=False)


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
    from fetchtui.core.demo.server import DemoServer

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
    from fetchtui.core.demo.server import DemoServer

    with DemoServer() as server:
        term.send(f"printf '{server.url}/delay/20 x24\\n' | {fetchtui_command()} -f - -w 3; "
                  "echo EXITED-$?", "Enter")
        term.wait_for(lambda s: "24 requests" in s)  # the list arrived through the pipe
        term.send("C-s")  # and the keys come from the terminal
        term.wait_for(lambda s: "finished" in s and "done 24/24" in s)
        term.send("C-q")
        screen = term.wait_for(lambda s: "EXITED-0" in s, limit=10)
    # the screen is restored, and the run's summary is left in the terminal
    assert "the monitor's last run" in screen and "24  (ok 24, failed 0, cancelled 0)" in screen
    assert len(set(re.findall(r"fetchtui-worker_\d+", screen))) == 3


def test_ctrl_c_cancels_a_hanging_run_and_quitting_prints_what_it_did(term: Terminal) -> None:
    from fetchtui.core.demo.server import DemoServer

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
    from fetchtui.core.demo.server import DemoServer

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/delay/0 x3' --start --no-summary; echo EXITED-$?",
                  "Enter")
        term.wait_for(lambda s: "done 3/3" in s)
        term.send("C-q")
        screen = term.wait_for(lambda s: "EXITED-0" in s, limit=10)
    assert "last run" not in screen


def test_processes_model_shows_two_pids_and_quits_leaving_no_process(term: Terminal) -> None:
    from fetchtui.core.demo.server import DemoServer

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/hang x40' --model processes -P 2 -w 2 "
                  "--timeout 60 --start; echo EXITED-$?", "Enter")
        screen = term.wait_for(lambda s: "in flight 4" in s)
        shown = {int(pid) for pid in re.findall(r"pid (\d+)", screen)}
        workers = term.fetch_processes("fetchtui.core.runs.processes")
        assert len(shown) == 2 and shown == set(workers), screen
        term.send("C-q")
        term.wait_for(lambda s: "EXITED-0" in s, limit=10)
        # they are the fetch process's children: its end closes their pipe, and they leave
        assert not still_running(workers)


def running(pid: int | str) -> bool:
    """The process is alive: it exists and is no zombie. When the last session goes, the tmux
    server may exit first, and an orphan's exit is then left unreaped by a container's init."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def still_running(pids: list[int], within: float = 10.0) -> list[int]:
    """Those of `pids` still running once they have had `within` seconds to leave."""
    give_up = time.monotonic() + within
    while any(running(pid) for pid in pids) and time.monotonic() < give_up:
        time.sleep(0.05)  # one step of the bounded wait
    return [pid for pid in pids if running(pid)]


def history_rows(path: Path) -> list[dict[str, object]]:
    import json
    import sqlite3

    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return [json.loads(s) for (s,) in db.execute("SELECT summary FROM runs ORDER BY id")]


def app_pid(term: Terminal) -> int:
    """The fetchtui process itself: the shell's child that is not the fetch process."""
    (pid,) = subprocess.run(["pgrep", "-P", pane_pid(term.name)], capture_output=True,
                            text=True).stdout.split()
    return int(pid)


@pytest.mark.parametrize(("model", "signame", "code"), [("--model threads", "SIGTERM", 143),
                                                       ("-P 1", "SIGTERM", 143),
                                                       ("--model threads", "SIGHUP", 129)])
def test_a_stop_signal_records_the_run_restores_the_terminal_and_leaves_no_process(
        term: Terminal, tmp_path: Path, model: str, signame: str, code: int) -> None:
    import os
    import signal

    from fetchtui.core.demo.server import DemoServer

    hist = tmp_path / "h.sqlite3"
    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/hang?test=sigterm x12' -w 4 --timeout 60 "
                  f"{model} --history {hist} --start; echo EXITED-$?", "Enter")
        term.wait_for(lambda s: "in flight 4" in s)
        kids = term.fetch_processes() + term.fetch_processes("fetchtui.core.runs.processes")
        os.kill(app_pid(term), getattr(signal, signame))
        screen = term.wait_for(lambda s: f"EXITED-{code}" in s, limit=10)
    assert "12  (ok 0, failed 0, cancelled 12)" in screen  # the summary, as after ctrl+q
    assert "\x1b[?1049h" not in screen and "live: requests" not in screen  # the screen is back
    assert [r["cancelled"] for r in history_rows(hist)] == [12]
    # -P 1: the worker process is the fetch process's child, and leaves when its pipe closes
    assert kids and not still_running(kids)


def pane_pid(name: str) -> str:
    """The pid of what runs in tmux session `name`'s pane."""
    return subprocess.run([*TMUX, "display-message", "-p", "-t", name, "#{pane_pid}"],
                          capture_output=True, text=True, check=True).stdout.strip()


def wait_closed_out(pane: str, hist: Path, within: float = 10.0) -> None:
    """Wait, bounded, for what ran in a closed terminal to end and record its run in `hist`."""
    give_up = time.monotonic() + within
    while (running(pane) or not history_rows(hist)) and time.monotonic() < give_up:
        time.sleep(0.1)  # one step of the bounded wait


def test_a_killed_pane_records_the_run_and_leaves_no_process(tmp_path: Path) -> None:
    from fetchtui.core.demo.server import DemoServer

    hist = tmp_path / "h.sqlite3"
    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    with DemoServer() as server:
        subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                        *fetchtui_command().split(), f"{server.url}/hang?test=pane x10", "-w", "2",
                        "--timeout", "60", "--history", str(hist), "--start"], check=True)
        term = Terminal(name)
        try:
            term.wait_for(lambda s: s.count(" worker_") >= 2)  # a group's line at 80 columns
            pane = pane_pid(name)
            kids = term.fetch_processes()
            assert kids
        finally:
            subprocess.run([*TMUX, "kill-session", "-t", name], check=False)  # the terminal goes
        wait_closed_out(pane, hist)
    assert not running(pane), "fetchtui outlived its terminal"
    assert not [pid for pid in kids if running(pid)], "an orphaned fetch process"
    assert [r["cancelled"] for r in history_rows(hist)] == [10]


def test_ctrl_q_mid_run_records_the_run(term: Terminal, tmp_path: Path) -> None:
    from fetchtui.core.demo.server import DemoServer

    hist = tmp_path / "h.sqlite3"
    with DemoServer() as server:
        term.send(f"{fetchtui_command()} '{server.url}/hang?test=ctrl-q x6' -w 3 --timeout 60 "
                  f"--history {hist} --start; echo EXITED-$?", "Enter")
        term.wait_for(lambda s: "in flight 3" in s)
        term.send("C-q")
        term.wait_for(lambda s: "EXITED-0" in s, limit=10)
    assert [r["cancelled"] for r in history_rows(hist)] == [6]


def test_escapes_in_the_list_are_shown_as_pictures_and_never_reach_the_terminal(
        term: Terminal, tmp_path: Path) -> None:
    listing = tmp_path / "hostile.txt"
    listing.write_text("http://127.0.0.1:9/a\x1b]0;PWNED-TITLE\x07b\nhttp://127.0.0.1:9/\x1b[2Jc\n")
    term.send(f"{fetchtui_command()} -f {listing}; echo EXITED-$?", "Enter")
    screen = term.wait_for(lambda s: "␛]0;PWNED-TITLE" in s and "␛[2Jc" in s)
    title = subprocess.run([*TMUX, "display-message", "-p", "-t", term.name, "#{pane_title}"],
                           capture_output=True, text=True, check=True).stdout
    assert "PWNED" not in title
    assert "line 1" in screen  # the bad lines are still named below the editor
    term.send("C-q")
    term.wait_for(lambda s: "EXITED-0" in s, limit=10)


def test_at_80_by_24_a_whole_ident_what_it_runs_and_its_count_can_be_read(tmp_path: Path) -> None:
    from fetchtui.core.demo.server import DemoServer

    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    with DemoServer() as server:
        subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                        *fetchtui_command().split(), f"{server.url}/delay/400 x40", "-w", "2",
                        "--no-history", "--start"], check=True)
        term = Terminal(name)
        try:
            group = r"\b(\d{12,20}) worker_(\d)\s+▶\s*\d+ ms done ([1-9]\d*)\s+/delay/400\b"
            screen = term.wait_for(lambda s: len(re.findall(group, s)) == 2)  # each has done one
            assert sorted(worker for _, worker, _ in re.findall(group, screen)) == ["0", "1"], screen
            assert "setup" not in screen.splitlines()[0]  # the setup pane gave way
            term.send("C-g")
            term.wait_for(lambda s: "setup" in s.splitlines()[0])  # and comes back on its key
        finally:
            subprocess.run([*TMUX, "kill-session", "-t", name], check=False)


def test_at_80_by_24_the_headless_summary_keeps_its_figures_on_screen_wrapped_at_words() -> None:
    from fetchtui.core.demo.server import DemoServer

    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    with DemoServer() as server:
        subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                        "env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm-256color", "PS1=$ ",
                        "bash", "--norc", "--noprofile"], check=True)
        term = Terminal(name)
        try:
            term.send(f"{fetchtui_command()} run '{server.url}/delay/30 x60' -w 10 --no-history; "
                      "echo EXITED-$?", "Enter")
            screen = term.wait_for(lambda s: "EXITED-0" in s, limit=60)
        finally:
            subprocess.run([*TMUX, "kill-session", "-t", name], check=False)
    lines = screen.splitlines()
    # the whole summary is on the screen, from its title to the shell's next prompt
    assert any(line.startswith("fetchtui run") for line in lines), screen
    for label in ("requests", "elapsed", "throughput", "latency", "limited by", "threads"):
        assert any(line.startswith(f"  {label} ") for line in lines), (label, screen)
    assert re.search(r"^  threads\s+10: \d+(-\d+)? requests, busy \d+(-\d+)?% each$", screen, re.M), screen
    # a value too long for 80 columns goes on under itself, broken between words: joined
    # again with spaces, the python line reads whole
    figures: dict[str, str] = {}
    label = ""
    for line in lines:
        if line.startswith("  ") and line[2] != " ":
            label, figures[line[2:13].strip()] = line[2:13].strip(), line[14:]
        elif label and line.startswith(" " * 14) and line.strip():
            figures[label] += " " + line.strip()
        else:
            label = ""
    assert re.search(r"ceiling \d+ cores? / [\d.]+ ms CPU = [\d,]+ req/s$", figures["python"]), figures
    assert all(len(line) <= 80 for line in lines)


def test_at_80_by_24_a_user_resizes_the_pool_pauses_and_quits(tmp_path: Path) -> None:
    from fetchtui.core.demo.server import DemoServer

    hist = tmp_path / "h.sqlite3"
    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    with DemoServer() as server:
        subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                        *fetchtui_command().split(), f"{server.url}/delay/200 x400", "-w", "2",
                        "--history", str(hist), "--start"], check=True)
        term = Terminal(name)
        try:
            term.wait_for(lambda s: "threads 2/2" in s and "limit   workers" in s)
            term.send("+", "+")
            screen = term.wait_for(lambda s: "threads 4/4" in s)
            assert len(re.findall(r"\b\d{12,20} worker_\d", screen)) >= 3  # new groups
            term.send("p")
            term.wait_for(lambda s: "paused" in s and "in flight 0" in s)
            term.send("p")
            term.wait_for(lambda s: "running" in s and "in flight 4" in s)
            term.send("C-q")
            give_up = time.monotonic() + 10
            while not history_rows(hist) and time.monotonic() < give_up:
                time.sleep(0.1)  # one step of a bounded wait for the app to record the run
        finally:
            subprocess.run([*TMUX, "kill-session", "-t", name], check=False)
    rows = history_rows(hist)
    assert rows, "the run was not recorded"
    resizes = rows[0]["resizes"]
    assert isinstance(resizes, list) and resizes[-1]["workers"] == 4
    assert float(rows[0]["paused_s"]) > 0  # type: ignore[arg-type]


def test_run_in_a_terminal_counts_its_requests_on_a_bar_as_they_end_then_prints_the_summary(
        term: Terminal) -> None:
    from fetchtui.core.demo.server import DemoServer

    def counted(screen: str) -> int | None:
        found = re.search(r"fetching .*? (\d+)/60 (\d+) req/s", screen)
        return int(found.group(1)) if found else None

    with DemoServer() as server:
        term.send(f"{fetchtui_command()} run '{server.url}/delay/100 x60' -w 4 --no-history; "
                  "echo EXITED-$?", "Enter")
        first = counted(term.wait_for(lambda s: (counted(s) or 0) > 0))
        assert first is not None and first < 60  # mid-run, the bar counts what has ended
        term.wait_for(lambda s: (counted(s) or 0) > first or "EXITED-" in s)
        screen = term.wait_for(lambda s: "EXITED-0" in s)
    assert "requests    60  (ok 60, failed 0, cancelled 0)" in screen


def test_a_closed_terminal_ends_a_headless_run_with_its_export_and_history(tmp_path: Path) -> None:
    from fetchtui.core.demo.server import DemoServer

    hist, out = tmp_path / "h.sqlite3", tmp_path / "run.json"
    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    with DemoServer() as server:
        subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "100", "-y", "20",
                        *fetchtui_command().split(), "run", f"{server.url}/delay/100 x400", "-w", "4",
                        "--history", str(hist), "--json", str(out)], check=True)
        term = Terminal(name)
        try:
            term.wait_for(lambda s: re.search(r"fetching .*? [1-9]\d*/400", s) is not None)  # under way
            pane = pane_pid(name)
        finally:
            subprocess.run([*TMUX, "kill-session", "-t", name], check=False)  # the terminal goes
        wait_closed_out(pane, hist)
    assert not running(pane), "fetchtui run outlived its terminal"
    summary = json.loads(out.read_text())["summary"]
    assert summary["ok"] > 0 and summary["ok"] + summary["cancelled"] == 400
    assert [r["cancelled"] for r in history_rows(hist)] == [summary["cancelled"]]


def test_at_80_by_24_the_teachers_path_through_the_demo_reads_on_every_screen(tmp_path: Path) -> None:
    """The lesson at a projector: the demo run steered, a sweep, its chart, the setup pane, a
    comparison of clients, help, the timeline and the charts; then quit, cleanly."""
    from fetchtui.core import registry

    hist = tmp_path / "h.sqlite3"
    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    subprocess.run([*TMUX, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                    "env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm-256color", "PS1=$ ",
                    "bash", "--norc", "--noprofile"], check=True)
    term = Terminal(name)
    seen: list[str] = []

    def shows(check: Callable[[str], bool], limit: float = 30.0) -> str:
        screen = term.wait_for(check, limit)
        seen.append(screen)
        return screen

    def ident_lines(screen: str) -> list[str]:
        return re.findall(r"^│? *\d{12,20} +(?:fetchtui-)?worker_\d+ .*done \d+", screen, re.M)

    try:
        # a sweep of two short runs: the demo's list at 10 and 20 workers (--series)
        term.send(f"{fetchtui_command()} --demo -w 2 --series 10,20 --history {hist}; echo EXITED-$?",
                  "Enter")
        shows(lambda s: "fetchtui demo: 200 requests" in s and "sweep (ctrl+r)" in s)
        term.send("C-s")
        shows(lambda s: "running" in s and "threads 2/2" in s)
        term.send("+", "+")
        shows(lambda s: "threads 4/4" in s and len(ident_lines(s)) == 4)
        term.send("p")
        shows(lambda s: "paused" in s)
        term.send("p")
        shows(lambda s: "running" in s or "finished" in s)
        shows(lambda s: "finished" in s and "done 200/200" in s and len(history_rows(hist)) == 1)
        term.send("C-r")
        shows(lambda s: len(history_rows(hist)) == 3 and "finished" in s, limit=60)
        term.send("F4")  # the sweep's chart: its axis says what it counts, its points their figures
        screen = shows(lambda s: "workers" in s and "req/s" in s)
        assert re.search(r"\b\d+(\.\d+)? ?req/s|req/s.*\b\d{2,}", screen), screen
        term.send("C-g")  # the setup pane takes the screen, its label whole
        screen = shows(lambda s: "workers (+/-)" in s and "sweep (ctrl+r)" in s)
        assert "URLs (one per line" in screen and "10,20" in screen, screen
        clients = len(registry.client_names("threads"))
        term.send("C-b")
        shows(lambda s: len(history_rows(hist)) == 3 + clients and "finished" in s, limit=90)
        term.send("F1")
        shows(lambda s: "What you are watching. A thread pool of N worker threads" in s)
        term.send("Escape")
        shows(lambda s: "What you are watching" not in s)  # F9 on the heels of escape reads as alt+F9
        term.send("F9")  # the timeline shows the last run, not "No run yet"
        screen = shows(lambda s: "|0.00" in s and "worker_" in s)
        assert "No run yet" not in screen
        term.send("F8")
        screen = shows(lambda s: "req/s" in s and "ms" in s)
        term.send("C-q")
        shows(lambda s: "EXITED-0" in s, limit=15)
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", name], check=False)
    assert not any("Traceback" in screen for screen in seen), next(s for s in seen if "Traceback" in s)


def test_at_80_by_24_the_lesson_in_korean_shows_its_first_steps_title_whole() -> None:
    from fetchtui.core.lessons.builtin import builtin

    lesson = builtin("threads", "ko")
    first, second = lesson.steps[0].title, lesson.steps[1].title
    name = f"fetchtui-e2e-{uuid.uuid4().hex[:8]}"
    # -u: tmux keeps the pane's Hangul as it is (two columns each), whatever its own locale
    subprocess.run([*TMUX, "-u", "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                    "env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm-256color", "LANG=ko_KR.UTF-8",
                    *fetchtui_command().split(), "lesson"], check=True)
    term = Terminal(name)
    try:
        screen = term.wait_for(lambda s: first in s)
        line = next(row for row in screen.splitlines() if first in row)
        assert re.search(r"9단계 중 1단계 · " + re.escape(first) + r"\s*│", line), line  # whole, not cut
        term.send("M-Right")  # alt+→, as a terminal sends it
        term.wait_for(lambda s: "9단계 중 2단계" in s and second[:10] in s)
        term.send("C-q")  # the app, and the demo server it started, end: so does the session
        give_up = time.monotonic() + 15
        while subprocess.run([*TMUX, "has-session", "-t", name], capture_output=True).returncode == 0:
            assert time.monotonic() < give_up, "ctrl+q did not end the lesson"
            time.sleep(0.1)  # one step of a bounded wait for the session to end
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", name], check=False)
