"""A live monitor that crashes: the process exits non-zero, the run it crashed in recorded."""

from __future__ import annotations

import fcntl
import json
import os
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

#: The real command, with one fault put in: the stats panel raises on the frame that shows the
#: run's end, before the app has recorded it (Textual catches it, prints it and exits).
CRASHING = textwrap.dedent("""
    import sys
    from fetchtui.tui.widgets.stats_panel import StatsPanel

    shown = StatsPanel.show

    def show(self, stats, *args, **kwargs):
        if stats is not None and stats.ended:
            raise RuntimeError("a fault put in by the test")
        return shown(self, stats, *args, **kwargs)

    StatsPanel.show = show
    from fetchtui.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def in_a_terminal(args: list[str], limit: float = 60.0) -> tuple[int, str]:
    """Run `args` on a pseudo-terminal of 100x30; its exit status and all it wrote."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                            env={**os.environ, "TERM": "xterm-256color"})
    os.close(slave)
    out = bytearray()
    give_up = time.monotonic() + limit
    try:
        while time.monotonic() < give_up:
            ready, _, _ = select.select([master], [], [], max(0.0, give_up - time.monotonic()))
            if not ready:  # the deadline: no read may outlast it
                break
            try:
                chunk = os.read(master, 65536)  # the child's writes must not block on a full pty
            except OSError:  # EIO: every writer has closed its end
                break
            if not chunk:
                break
            out += chunk
        return proc.wait(timeout=max(1.0, give_up - time.monotonic())), out.decode(errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


def test_a_crash_in_the_live_monitor_exits_1_and_records_the_run(base: str, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    code, shown = in_a_terminal([sys.executable, "-c", CRASHING, "--start", f"{base}/delay/0 x3",
                                 "--history", str(db)])
    assert code == 1, shown[-2000:]
    assert "a fault put in by the test" in shown
    listed = subprocess.run([sys.executable, "-m", "fetchtui", "history", "--json", "--history", str(db)],
                            capture_output=True, text=True, timeout=30)
    assert [run["summary"]["ok"] for run in json.loads(listed.stdout)] == [3]


def test_a_crash_in_a_replay_of_an_export_exits_1(base: str, tmp_path: Path) -> None:
    export = tmp_path / "run.json"
    made = subprocess.run([sys.executable, "-m", "fetchtui", "run", f"{base}/delay/0 x3", "--no-history",
                           "--json", str(export)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    code, shown = in_a_terminal([sys.executable, "-c", CRASHING, "open", str(export), "--no-history"])
    assert code == 1, shown[-2000:]
    assert "a fault put in by the test" in shown
