"""How long fetchtui takes to start, as whole processes, next to the seed's script doing the same.

Prints, in one run, the median of paired runs (alternating, so drift hits both alike):
- `fetchtui run URL` for one request against the seed's script fetching the same URL once
  (python + requests + one GET through a Session, printing the pid and thread ident);
- the same with --no-history (recording the run in SQLite is part of a run);
- `fetchtui --version` and `fetchtui --help`;
- which of requests / httpx / rich / textual each command imports;
- `run URL` against the seed as a difference and as a ratio, each the median over the pairs;
- where fetchtui's part goes, in one process: its own imports (and of them, making its
  dataclasses) and the run, beside importing requests.

    python bench/startup.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from _helpers import fetchtui, start_server  # bench/ is on sys.path when a bench runs

SEED = """
import os, threading, requests
url = {url!r}
print(f"{{os.getpid()}} process | {{threading.get_ident()}} url : {{url}}")
with requests.Session() as session:
    with session.get(url) as response:
        response.text
"""


# As on a user's machine, where pip compiled the package's bytecode when it installed it: a
# PYTHONDONTWRITEBYTECODE left in the environment (this machine sets it) would make every run
# compile fetchtui's modules (an editable install's) afresh, and time the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV)
    return time.perf_counter() - began


def imports(args: list[str]) -> list[str]:
    """Which heavy libraries a command imports."""
    code = ("import sys; from fetchtui.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            "print('imports:', *(m for m in ('requests', 'httpx', 'rich', 'textual') if m in sys.modules),"
            " file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    found = [ln for ln in result.stderr.splitlines() if ln.startswith("imports:")]
    return found[-1].split()[1:] if found else ["(failed)"]


# Where fetchtui's part of `run URL` goes, in one process: requests imported first (the seed
# pays that too), then fetchtui's own modules, the time the dataclasses module spends making
# their classes (it compiles each generated method with exec), and the run itself; the
# collector held from the first import to the run's start, as the command holds it.
SPLIT = """
from fetchtui import collector
collector.hold()
import dataclasses, sys, time
made = [0.0]
process_class = dataclasses._process_class
def timed(*args, **kwargs):
    began = time.perf_counter()
    try:
        return process_class(*args, **kwargs)
    finally:
        made[0] += time.perf_counter() - began
dataclasses._process_class = timed
began = time.perf_counter()
import requests
imported = time.perf_counter()
import fetchtui.cli, fetchtui.headless.runner, fetchtui.core.runs.pool, fetchtui.core.history.records
import fetchtui.core.fetching.requests_client
own = time.perf_counter()
try:
    fetchtui.cli.main(["run", {url!r}, "--no-history"])
except SystemExit:
    pass
ran = time.perf_counter()
print("SPLIT", imported - began, own - imported, made[0], ran - own, file=sys.stderr)
"""


def split(url: str, rounds: int) -> list[float]:
    """Medians (ms) of: requests' import, fetchtui's own imports, their dataclass creation, the run."""
    runs = []
    for _ in range(rounds):
        done = subprocess.run([sys.executable, "-c", SPLIT.format(url=url)], capture_output=True, text=True,
                              check=False, env=ENV)
        line = [ln for ln in done.stderr.splitlines() if ln.startswith("SPLIT")][-1]
        runs.append([float(x) * 1000 for x in line.split()[1:]])
    return [statistics.median(column) for column in zip(*runs, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    server, base = start_server()
    url = f"{base}/delay/0"
    try:
        commands = {
            "seed script, one GET": [sys.executable, "-c", SEED.format(url=url)],
            "fetchtui run URL": [*fetchtui(), "run", url],
            "fetchtui run URL --no-history": [*fetchtui(), "run", url, "--no-history"],
            "fetchtui --version": [*fetchtui(), "--version"],
            "fetchtui --help": [*fetchtui(), "--help"],
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        for command in commands.values():  # warm the page cache
            timed(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                times[name].append(timed(command))
        median = {name: statistics.median(values) * 1000 for name, values in times.items()}
        pairs = list(zip(times["fetchtui run URL"], times["seed script, one GET"], strict=True))
        paired = statistics.median((run - seed) * 1000 for run, seed in pairs)
        ratio = statistics.median(run / seed for run, seed in pairs)
        print(f"startup, median of {args.rounds} alternating rounds (ms), {sys.version.split()[0]}")
        for name, value in median.items():
            print(f"  {name:30} {value:7.1f}")
        print(f"  {'run URL - seed, paired':30} {paired:+7.1f}")
        print(f"  {'run URL / seed, paired':30} {ratio:7.2f}x  (target: 1.6x or less)")
        history = median["fetchtui run URL"] - median["fetchtui run URL --no-history"]
        print(f"  {'(of which the history)':30} {history:+7.1f}")
        requests_ms, own_ms, classes_ms, run_ms = split(url, args.rounds)
        print(f"  in one process: import requests {requests_ms:.1f}, fetchtui's own imports {own_ms:.1f} "
              f"(making its dataclasses {classes_ms:.1f}), the run {run_ms:.1f} ms")
        for name, argv in (("run URL", ["run", url]), ("--version", ["--version"]),
                           ("--help", ["--help"])):
            print(f"  imports of {name:13} {' '.join(imports(argv)) or '(none of them)'}")
    finally:
        server.kill()


if __name__ == "__main__":
    main()
