"""What the benchmarks share: the demo server in a process of its own, and the installed command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_server() -> tuple[subprocess.Popen[str], str]:
    """`fetchtui demo-server` on a free port, in its own process: (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "fetchtui", "demo-server", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().split(" on ", 1)[1].split()[0]


def fetchtui() -> list[str]:
    """The installed `fetchtui` command (its console script), else `python -m fetchtui`."""
    installed = Path(sys.executable).with_name("fetchtui")
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "fetchtui"]
