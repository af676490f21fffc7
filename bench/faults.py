"""Every server fault through every client: the outcome, error kind and time to outcome.

    python bench/faults.py [--timeout 1.0]

The demo server runs in its own process; connection refused uses a port nobody listens on.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.sweep import run_once

FAULTS = [
    ("connection refused", "refused"),
    ("reset before any response", "/reset"),
    ("reset mid-body", "/reset-body"),
    ("accepts, never answers", "/hang"),
    ("headers, then stalls", "/stall"),
    ("drips a byte every 500 ms", "/drip?bytes=100&interval_ms=500"),
    ("endless chunked body", "/chunked-forever"),
    ("redirect loop", "/redirect-loop"),
    ("404", "/status/404"),
    ("503", "/status/503"),
    ("truncated body", "/truncated"),
    ("invalid HTTP", "/garbage"),
    ("body over --max-bytes", "/bytes/10000000"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()
    proc = subprocess.Popen([sys.executable, "-m", "fetchtui", "demo-server", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    base = proc.stdout.readline().split(" on ", 1)[1].split()[0]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    limits = FetchLimits(timeout=args.timeout, max_bytes=1_000_000, max_redirects=10)
    print(f"--timeout {args.timeout:g} s, --max-bytes {limits.max_bytes}, server {base}")
    print(f"{'fault':28} " + " ".join(f"{b:>30}" for b in THREAD_CLIENTS))
    try:
        for label, path in FAULTS:
            cells = []
            for client in THREAD_CLIENTS:
                url = refused if path == "refused" else base + path
                began = time.perf_counter()
                stats = run_once(parse_targets(url), RunConfig(1, client, limits))
                took = time.perf_counter() - began
                rec = stats.records[0]
                assert rec is not None and rec.outcome is not None
                kind = f"{rec.outcome.value}/{rec.error_kind}" if rec.error_kind else rec.outcome.value
                cells.append(f"{kind} in {took * 1000:.0f} ms")
            print(f"{label:28} " + " ".join(f"{c:>30}" for c in cells), flush=True)
    finally:
        proc.terminate()
        proc.wait(5)


if __name__ == "__main__":
    main()
