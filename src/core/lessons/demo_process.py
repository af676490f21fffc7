"""The demo server in a process of its own, for a lesson: the runs' clients then have their
process's GIL to themselves, as they do in the live monitor's fetch process.

In the fetching process, the server's handler threads took the GIL from the workers: an
instant request's client could then never spend the share of a core a client_cpu verdict
reads (requests, 10 threads: 38-58% of the GIL with the server in, 51-70% beside it, under
load). The child ends when its parent does: it waits on its stdin, which closes then.
"""

from __future__ import annotations

import subprocess
import sys
from types import TracebackType

from fetchtui.core.runs.child_env import child_env

_CHILD = """\
import signal, sys
from fetchtui.core.demo.server import DEMO_PORT, DemoServer
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the lesson's to handle: it stops us
try:
    server = DemoServer(DEMO_PORT)
except OSError:  # another demo holds it: any free port
    server = DemoServer()
server.start()
print(server.url, flush=True)
sys.stdin.read()  # until the parent closes it, or ends
server.stop()
"""
START_TIMEOUT_S = 30.0


class DemoProcessError(RuntimeError):
    """The demo server's process did not start: the message says why."""


class DemoProcess:
    """The built-in demo server, run by this Python in a child process; `url` is its base."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env=child_env())
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()  # the child prints it once it listens
        if not line.startswith("http://"):
            self.stop()
            raise DemoProcessError(f"the demo server did not start ({line or 'no answer'})")
        self.url = line

    def stop(self) -> None:
        """Close its stdin (it stops), and end it if it has not within a second."""
        proc = self._proc
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()
        try:
            proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> DemoProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
