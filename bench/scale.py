"""A million-request list, cancelled: how fast fetchtui lets go, how fast it exports, how much memory.

`fetchtui run 'URL x1000000' -w 8` against the demo server (its own process), Ctrl-C (SIGINT)
after 4 s (6 s here: parsing a million distinct lines takes ~3 s), as a whole process. Prints, in one run:
- SIGINT to exit without an export (target: 1 s at most);
- the same with --json and with --csv: the export's size and its rate, (size) / (the extra
  time to exit over the run without an export) (target: 100 MB/s at least);
- peak RSS of each run (target: 160 MB at most);
- the same list of distinct URLs (`/ok/N?q=N`, one a line, read with -f), cancelled the same
  way: its peak RSS (target: under 200 MB) beside the repeated one's.

- with --to-end: the repeated list run to its end, against nginx at curl-multi -w 64 (the
  fastest configuration, so a million requests end in a minute or two): its peak RSS.

    python bench/scale.py [--requests 1000000] [--after 4] [--only distinct,to-end] [--to-end]
                          [--vs-python OTHER_VENV/bin/python] [--rounds 1]

--vs-python runs every case on another install too (an older commit's worktree and venv),
each round the two in turn, A B then B A, so the machine's load hits both alike. Peak RSS is
the largest of the command's processes (wait4's ru_maxrss: the child, or a descendant it
reaped, whichever peaked higher), not their sum.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _helpers import fetchtui, serving_nginx, start_server  # bench/ is on sys.path when a bench runs


def command(python: str | None) -> list[str]:
    """This install's `fetchtui`, or the one of the venv whose python is given."""
    if python is None:
        return fetchtui()
    installed = Path(python).with_name("fetchtui")
    return [str(installed)] if installed.exists() else [python, "-m", "fetchtui"]


FROM_START = False  # --from-start: `--after` counts from the run's start, not from the launch


def threads(pid: int) -> int:
    """The threads of a process and of every process below it (0 once it has gone)."""
    try:
        count = len(os.listdir(f"/proc/{pid}/task"))
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0
    return count + sum(threads(int(child)) for child in children)


def cancelled_run(url: str, count: int, after: float, extra: list[str],
                  listing: Path | None = None, python: str | None = None) -> tuple[float, float, int]:
    """(seconds from SIGINT to exit, peak RSS in MB, exit code)."""
    given = ["-f", str(listing)] if listing is not None else [f"{url} x{count}"]
    proc = subprocess.Popen([*command(python), "run", *given, "-w", "8", "--no-history", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if FROM_START:
        # the clock starts when the run does (its 8 workers' threads are up, in its process
        # or a child's), not at launch: on a loaded machine parsing a million distinct lines
        # outlasted a fixed 6 s, and the Ctrl-C then measured the parser (bounded: 5 min)
        launched, give_up = time.perf_counter(), time.monotonic() + 300
        while threads(proc.pid) < 9 and time.monotonic() < give_up:
            time.sleep(0.05)
        print(f"      (its run started {time.perf_counter() - launched:.1f} s after launch)", flush=True)
    time.sleep(after)  # a benchmark's fixed run length, not a test's synchronisation
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - sent
    proc.returncode = os.waitstatus_to_exitcode(status)
    return took, usage.ru_maxrss / 1024, proc.returncode


def run_to_end(url: str, count: int, python: str | None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of `run 'URL xN'` at curl-multi -w 64, to its end."""
    began = time.perf_counter()
    proc = subprocess.Popen([*command(python), "run", f"{url} x{count}", "--model", "curl-multi",
                             "-w", "64", "--no-history"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    give_up = time.monotonic() + 900
    while time.monotonic() < give_up:  # bounded: 15 min at most (not proc.poll: it reaps, losing the usage)
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return time.perf_counter() - began, usage.ru_maxrss / 1024, proc.returncode
        time.sleep(0.2)
    proc.kill()
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - began, usage.ru_maxrss / 1024, -9


Runs = dict[str, list[tuple[float, float, int]]]  # each side's (seconds, peak RSS MB, exit code)


def paired(names: dict[str, str | None], rounds: int, case: str,
           run: Callable[[str | None], tuple[float, float, int]]) -> Runs:
    """Each side's runs of a case, A B then B A, a line each with the load."""
    seen: Runs = {name: [] for name in names}
    for round_ in range(rounds):
        for name in (list(names) if round_ % 2 == 0 else list(reversed(names))):
            seen[name].append(run(names[name]))
            took, rss, code = seen[name][-1]
            print(f"    {case:9} {name:6} {took:7.2f} s   peak RSS {rss:6.1f} MB   exit {code}   "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    return seen


def summary(case: str, seen: Runs, note: str) -> None:
    rss = {name: statistics.median(r for _, r, _ in runs) for name, runs in seen.items()}
    took = {name: statistics.median(t for t, _, _ in runs) for name, runs in seen.items()}
    line = "   ".join(f"{name}: {took[name]:6.2f} s, peak RSS {rss[name]:6.1f} MB" for name in seen)
    if "before" in rss:
        line += f"   after/before RSS {rss['after'] / rss['before']:.2f}x"
    print(f"  {case:9} {line}   {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--after", type=float, default=4.0, help="seconds before the Ctrl-C")
    parser.add_argument("--to-end", action="store_true", help="also run the repeated list to its end (nginx)")
    parser.add_argument("--only", default="", help="cases to run, of: repeated,json,csv,distinct,to-end")
    parser.add_argument("--vs-python", help="another install's python: every case on it too, in turn")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--from-start", action="store_true",
                        help="count --after from the run's start (its first thread), not the launch")
    args = parser.parse_args()
    global FROM_START
    FROM_START = args.from_start
    cases = set(args.only.split(",")) if args.only else {"repeated", "json", "csv", "distinct"}
    if args.to_end:
        cases.add("to-end")
    names: dict[str, str | None] = {"this": None}
    if args.vs_python:
        names = {"after": None, "before": args.vs_python}
    server, base = start_server()
    url = f"{base}/delay/0"
    since = "the run's start" if args.from_start else "launch"
    print(f"{args.requests:,} x {url}, 8 workers, SIGINT {args.after:g} s after {since}, "
          f"{args.rounds} round(s), "
          f"load {os.getloadavg()[0]:.1f} (resource limit {resource.getrlimit(resource.RLIMIT_AS)[0]}); "
          f"after = {sys.executable}, before = {args.vs_python}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if "repeated" in cases:
                seen = paired(names, args.rounds, "repeated",
                              lambda py: cancelled_run(url, args.requests, args.after, [], python=py))
                summary("no export", seen, "(targets: SIGINT to exit <= 1 s, <= 160 MB)")
            for kind in ("json", "csv"):
                if kind not in cases:
                    continue
                path = Path(tmp) / f"run.{kind}"
                seen = paired(names, args.rounds, kind, lambda py, path=path, kind=kind: cancelled_run(
                    url, args.requests, args.after, [f"--{kind}", str(path)], python=py))
                size = path.stat().st_size / 1e6 if path.exists() else 0.0
                summary(f"--{kind}", seen, f"(the last export {size:.1f} MB)")
            if "distinct" in cases:
                listing = Path(tmp) / "distinct.txt"
                with listing.open("w") as out:
                    out.writelines(f"{base}/delay/0?q={n}\n" for n in range(args.requests))
                seen = paired(names, args.rounds, "distinct", lambda py: cancelled_run(
                    url, args.requests, args.after, [], listing, python=py))
                summary("distinct", seen, "(target: < 200 MB)")
            if "to-end" in cases:
                with serving_nginx("bench/scale.py --to-end") as (_, nginx_url, _):
                    seen = paired(names, args.rounds, "to-end",
                                  lambda py: run_to_end(nginx_url, args.requests, py))
                summary("to-end", seen, "(repeats on nginx, curl-multi -w 64, to the end)")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
