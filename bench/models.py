"""Past the GIL: req/s and CPU per request of each concurrency model and client, in one run.

    python bench/models.py [--requests 6000] [--rounds 3]

The server is nginx from the distribution's packages (installed with apt-get when missing and
we are root; otherwise the bench says so and stops), on a free loopback port with a config
written to a temp dir, answering `200 ok` with keep-alive: a server that is not the
bottleneck (the demo server is Python). For each configuration it runs the list of
--requests instant requests --rounds times and keeps the best round:

- the seed's script at 16 workers (ThreadPoolExecutor sharing a requests.Session, printing
  each fetch's pid and thread ident, as the lesson does);
- fetchtui run: threads 16 with requests, threads 16 with pycurl, processes 2x8 with
  requests and with pycurl, asyncio 64 tasks with aiohttp and with httpx;
- wrk as the machine's limit, when it is installed.

req/s is the run's own (requests / elapsed, start-up excluded, as fetchtui's summary says);
CPU ms/req is the workers' CPU per request (fetchtui's summary; for the seed, the process's
CPU over the pool section). The ratios the issue asks for are printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from _helpers import SEED, ensure, fetchtui, serving_nginx  # bench/ is on sys.path when a bench runs

CONFIGS = [
    ("threads 16, requests", ["-w", "16", "-b", "requests"]),
    ("threads 16, pycurl", ["-w", "16", "-b", "pycurl"]),
    ("processes 2x8, requests", ["-P", "2", "-w", "8", "-b", "requests"]),
    ("processes 2x8, pycurl", ["-P", "2", "-w", "8", "-b", "pycurl"]),
    ("asyncio 64, aiohttp", ["--model", "asyncio", "-w", "64", "-b", "aiohttp"]),
    ("asyncio 64, httpx", ["--model", "asyncio", "-w", "64", "-b", "httpx"]),
]


def run_seed(url: str, n: int) -> tuple[float, float]:
    result = subprocess.run([sys.executable, "-c", SEED, url, str(n)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, check=True)
    elapsed, cpu = (float(x) for x in result.stderr.split("RESULT", 1)[1].split())
    return n / elapsed, cpu * 1000 / n


def run_fetchtui(url: str, n: int, args: list[str], workdir: str) -> tuple[float, float]:
    out = Path(workdir) / "run.json"
    result = subprocess.run([*fetchtui(), "run", f"{url} x{n}", *args, "--no-history",
                             "--json", str(out)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"fetchtui run {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    summary = json.loads(out.read_text())["summary"]
    assert summary["ok"] == n, summary
    return float(summary["rps"]), float(summary["cpu_ms_per_request"])


def run_wrk(wrk: str, url: str) -> float:
    result = subprocess.run([wrk, "-t2", "-c16", "-d3s", url], capture_output=True, text=True, check=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    return float(found.group(1)) if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    wrk = ensure("wrk", "wrk")
    n = args.requests
    with serving_nginx("bench/models.py") as (_, url, workdir):
        rows: dict[str, tuple[float, float]] = {}
        best = max((run_seed(url, n) for _ in range(args.rounds)), key=lambda r: r[0])
        rows["seed script, 16 workers"] = best
        for name, flags in CONFIGS:
            rows[name] = max((run_fetchtui(url, n, flags, workdir) for _ in range(args.rounds)),
                             key=lambda r: r[0])
        limit = run_wrk(wrk, url) if wrk else None
    cores = os.cpu_count() or 1
    print(f"{n:,} instant requests to nginx on loopback, best of {args.rounds}; {cores} cores\n")
    print(f"{'configuration':<26} {'req/s':>9} {'cpu ms/req':>11}")
    print(f"{'-' * 26} {'-' * 9} {'-' * 11}")
    for name, (rps, cpu) in rows.items():
        print(f"{name:<26} {rps:>9,.0f} {cpu:>11.3f}")
    print(f"{'wrk -t2 -c16 (the limit)':<26} {limit:>9,.0f} {'-':>11}" if limit else
          "wrk: not installed, no limit measured")
    fastest = max(rows.items(), key=lambda kv: kv[1][0])
    base = rows["threads 16, requests"][0]
    print(f"\nfastest: {fastest[0]} at {fastest[1][0]:,.0f} req/s (target >= 10,000)")
    print(f"processes 2x8 / threads 16, requests: {rows['processes 2x8, requests'][0] / base:.2f}x "
          "(target >= 1.6x)")
    print(f"threads 16 pycurl / threads 16 requests: {rows['threads 16, pycurl'][0] / base:.2f}x "
          "(target >= 4x)")
    print(f"asyncio aiohttp / asyncio httpx: "
          f"{rows['asyncio 64, aiohttp'][0] / rows['asyncio 64, httpx'][0]:.2f}x")


if __name__ == "__main__":
    main()
