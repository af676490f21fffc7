"""A million-request list, cancelled: how fast fetchtui lets go, how fast it exports, how much memory.

`fetchtui run 'URL x1000000' -w 8` against the demo server (its own process), Ctrl-C (SIGINT)
after 4 s (6 s here: parsing a million distinct lines takes ~3 s), as a whole process. Prints, in one run:
- SIGINT to exit without an export (target: 1 s at most);
- the same with --json and with --csv: the export's size and its rate, (size) / (the extra
  time to exit over the run without an export) (target: 100 MB/s at least);
- peak RSS of each run (target: 160 MB at most);
- the same list of distinct URLs (`/ok/N?q=N`, one a line, read with -f), cancelled the same
  way: its peak RSS (target: under 200 MB) beside the repeated one's.

    python bench/scale.py [--requests 1000000] [--after 4]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from _helpers import fetchtui, start_server  # bench/ is on sys.path when a bench runs


def cancelled_run(url: str, count: int, after: float, extra: list[str],
                  listing: Path | None = None) -> tuple[float, float, int]:
    """(seconds from SIGINT to exit, peak RSS in MB, exit code)."""
    given = ["-f", str(listing)] if listing is not None else [f"{url} x{count}"]
    proc = subprocess.Popen([*fetchtui(), "run", *given, "-w", "8", "--no-history", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)  # a benchmark's fixed run length, not a test's synchronisation
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - sent
    proc.returncode = os.waitstatus_to_exitcode(status)
    return took, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--after", type=float, default=4.0, help="seconds before the Ctrl-C")
    args = parser.parse_args()
    server, base = start_server()
    url = f"{base}/delay/0"
    print(f"{args.requests:,} x {url}, 8 workers, SIGINT after {args.after:g} s "
          f"(resource limit {resource.getrlimit(resource.RLIMIT_AS)[0]})")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            plain, rss_plain, code = cancelled_run(url, args.requests, args.after, [])
            print(f"  no export:  SIGINT to exit {plain:6.2f} s   peak RSS {rss_plain:6.1f} MB   exit {code}"
                  "   (targets: <= 1 s, <= 160 MB)")
            for kind in ("json", "csv"):
                path = Path(tmp) / f"run.{kind}"
                took, rss, code = cancelled_run(url, args.requests, args.after, [f"--{kind}", str(path)])
                size = path.stat().st_size / 1e6 if path.exists() else 0.0
                extra = max(took - plain, 1e-3)
                print(f"  --{kind:4}      SIGINT to exit {took:6.2f} s   peak RSS {rss:6.1f} MB   exit {code}"
                      f"   {size:6.1f} MB in ~{extra:.2f} s = {size / extra:6.0f} MB/s   (target: >= 100)")
            listing = Path(tmp) / "distinct.txt"
            with listing.open("w") as out:
                out.writelines(f"{base}/delay/0?q={n}\n" for n in range(args.requests))
            took, distinct_rss, code = cancelled_run(url, args.requests, args.after, [], listing)
            print(f"  distinct:   SIGINT to exit {took:6.2f} s   peak RSS {distinct_rss:6.1f} MB   "
                  f"exit {code}   (target: < 200 MB; {distinct_rss / rss_plain:.2f}x the repeated list)")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
