"""The same list with the GIL and without it: what threads buy on a free-threaded Python, in one run.

    python bench/nogil.py [--requests 3000] [--python PATH]

For each client and model, `fetchtui sweep -w 1,2,4,16` on --requests instant nginx requests
(nginx from the distribution's packages, keep-alive, `200 ok`: not the bottleneck), once on
this Python and once on a free-threaded one (--python, else $FETCHTUI_FREE_THREADED_PYTHON,
else the one `ci/free-threaded-python` builds and caches). Each cell is the speedup over the
same interpreter's 1-worker run (req/s over req/s; processes: 1 thread in each); `cpu ms`
is the client's CPU per request at 16 workers, and `ceiling` the run's own (the cores its
GILs and threads let it use / CPU per request). Processes run -P 2.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _helpers import fetchtui, serving_nginx  # bench/ is on sys.path when a bench runs

SERIES = (1, 2, 4, 16)
ROWS = (("threads", "requests"), ("threads", "requests-per-thread"), ("threads", "pycurl"),
        ("processes", "requests"), ("processes", "pycurl"), ("asyncio", "aiohttp"),
        ("curl-multi", "pycurl"))
ROOT = Path(__file__).resolve().parent.parent


def free_threaded(given: str | None) -> str:
    path = given or os.environ.get("FETCHTUI_FREE_THREADED_PYTHON")
    if path:
        return path
    built = subprocess.run([str(ROOT / "ci" / "free-threaded-python")], capture_output=True, text=True)
    if built.returncode != 0:
        raise SystemExit(f"no free-threaded Python: {built.stderr.strip()}")
    python = built.stdout.strip()
    venv = Path(tempfile.gettempdir()) / "fetchtui-bench-nogil-venv"  # fetchtui into a venv of it, once
    if not (venv / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
        subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                        "install", "-q", "pip"], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--prefer-binary", "-e", str(ROOT)],
                   check=True)
    return str(venv / "bin" / "python")


def sweep(url: str, requests: int, model: str, client: str, python: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep.json"
        cmd = [*fetchtui(), "sweep", f"{url} x{requests}", "-w", ",".join(map(str, SERIES)),
               "--model", model, "-b", client, "--python", python, "--json", str(out), "--no-history"]
        if model == "processes":
            cmd += ["-P", "2"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)}: {done.stderr.strip()}")
        runs: list[dict[str, Any]] = json.loads(out.read_text())["runs"]
        return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--python", help="a free-threaded Python with this fetchtui installed")
    args = parser.parse_args()
    pythons = [sys.executable, free_threaded(args.python)]
    with serving_nginx("bench/nogil.py") as (_, url, _):
        series = ",".join(map(str, SERIES))
        print(f"{args.requests:,} instant nginx requests, `fetchtui sweep -w {series}`, "
              f"{os.cpu_count()} cores; speedup over the same Python's 1 worker\n")
        print("| model, client | python | 1 worker req/s | 2 | 4 | 16 | cpu ms/req (16) | ceiling (16) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for model, client in ROWS:
            for python in pythons:
                runs = sweep(url, args.requests, model, client, python)
                first, last = runs[0]["summary"], runs[-1]["summary"]
                label = first["python"]["version"] + ("t" if first["python"]["free_threaded"] else "")
                gil = "GIL on" if first["python"]["gil"] else "GIL off"
                cells = [f"{r['summary']['rps'] / first['rps']:.2f}x" for r in runs[1:]]
                print(f"| {model}, {client} | {label} {gil} | {first['rps']:,.0f} | "
                      f"{' | '.join(cells)} | {last['cpu_ms_per_request']:.3f} | "
                      f"{last['gil_ceiling_rps'] or 0:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
