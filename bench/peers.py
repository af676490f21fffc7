"""fetchtui beside the tools people pick instead, on one nginx, in one run: wrk, hey, locust, the seed.

    python bench/peers.py [--requests 30000] [--rounds 2]

nginx (the distribution's, keep-alive, `200 ok`) on a free loopback port. Each row is its
best of --rounds:

- wrk -t2 -c16 -d3s: C, the machine's limit (Debian's package);
- hey -n N -c 16 and -c 64: Go (Debian's package), the peer to beat;
- locust, one process, 16 users for 5 s, FastHttpUser and HttpUser (bench/requirements.txt,
  installed into a venv of its own under the temp dir on first use);
- the seed's script, 16 threads sharing a requests.Session, printing pid and ident per fetch;
- `fetchtui run URL xN` under each model: threads, processes, asyncio, curl-multi, with every
  request `ok` and accounted (checked) and its phases recorded (checked).

req/s is each tool's own figure; fetchtui's is its summary's (start-up excluded, as hey's).
Every tool runs once a round, in turn, so a drift of the machine's speed hits them alike.
The ratios at the end are to hey's best and to wrk.

    python bench/peers.py --vs-python OTHER_VENV/bin/python [--only curl-multi] [--no-locust]

--vs-python runs each fetchtui row on another install too (an older commit's worktree and
venv), in the same rounds, beside hey: a before and an after against the same peer in one
run. --only keeps the fetchtui rows whose name holds one of its comma-separated words.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _helpers import (  # bench/ is on sys.path when a bench runs
    SEED,
    ensure,
    fetchtui,
    serving_nginx,
)

HERE = Path(__file__).resolve().parent
LOCUSTFILE = """
from locust import FastHttpUser, HttpUser, constant, task

class Fast(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")

class Plain(HttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
"""
FETCHTUI = [
    ("fetchtui threads 16, pycurl", ["-w", "16", "-b", "pycurl"]),
    ("fetchtui processes 2x8, pycurl", ["-P", "2", "-w", "8", "-b", "pycurl"]),
    ("fetchtui asyncio 64, aiohttp", ["--model", "asyncio", "-w", "64"]),
    ("fetchtui curl-multi 16", ["--model", "curl-multi", "-w", "16"]),
    ("fetchtui curl-multi 64", ["--model", "curl-multi", "-w", "64"]),
    ("fetchtui curl-multi 2x16", ["--model", "curl-multi", "-P", "2", "-w", "16"]),
    ("fetchtui curl-multi 2x64", ["--model", "curl-multi", "-P", "2", "-w", "64"]),  # hey's -c 64
]


def locust_bin() -> str | None:
    venv = Path(tempfile.gettempdir()) / "fetchtui-bench-locust"
    binary = venv / "bin" / "locust"
    if not binary.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
        requirements = str(HERE / "requirements.txt")
        pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", requirements],
                             capture_output=True, text=True) if made.returncode == 0 else made
        if pip.returncode != 0:
            print(f"locust: cannot be installed ({pip.stderr.strip()[-200:]}); its rows are left out")
            return None
    return str(binary)


def run_locust(locust: str, url: str, user: str, workdir: str) -> float:
    locustfile = Path(workdir) / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    prefix = Path(workdir) / f"locust-{user}"
    subprocess.run([locust, "-f", str(locustfile), "--headless", "-u", "16", "-r", "16", "-t", "5s",
                    "--host", url.rstrip("/"), "--only-summary", "--csv", str(prefix), user],
                   capture_output=True, text=True, timeout=120, check=False)
    with open(f"{prefix}_stats.csv") as stats:
        rows = [row for row in csv.DictReader(stats) if row["Name"] == "Aggregated"]
    return float(rows[0]["Requests/s"]) if rows else 0.0


def run_hey(hey: str, url: str, n: int, concurrency: int) -> float:
    done = subprocess.run([hey, "-n", str(n), "-c", str(concurrency), url], capture_output=True, text=True,
                          timeout=300, check=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return float(found.group(1)) if found else 0.0


def hey_rows(url: str, n: int, rounds: int) -> dict[str, float]:
    """hey's best of `rounds` at -c 16 and at -c 64 (nothing if hey cannot be installed)."""
    hey = ensure("hey", "hey")
    if hey is None:
        return {}
    return {f"hey -c {c} (Go)": max(run_hey(hey, url, n, c) for _ in range(rounds)) for c in (16, 64)}


def print_beside_hey(rows: dict[str, float], n: int, rounds: int) -> float | None:
    """The rows as a table with each one's ratio to hey's best; returns that best."""
    hey_best = max((v for k, v in rows.items() if k.startswith("hey")), default=None)
    print(f"{n:,} instant requests to nginx on loopback, best of {rounds}\n")
    print("| what | req/s | / hey's best |")
    print("|---|---:|---:|")
    for name, rps in rows.items():
        print(f"| {name} | {rps:,.0f} | {f'{rps / hey_best:.2f}' if hey_best else '-'} |")
    return hey_best


def run_wrk(wrk: str, url: str) -> float:
    done = subprocess.run([wrk, "-t2", "-c16", "-d3s", url], capture_output=True, text=True, check=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return float(found.group(1)) if found else 0.0


def run_seed(url: str, n: int) -> float:
    done = subprocess.run([sys.executable, "-c", SEED, url, str(n)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True, timeout=600)
    return n / float(done.stderr.split("RESULT", 1)[1].split()[0])


def command(python: str | None) -> list[str]:
    """This install's `fetchtui`, or the one of the venv whose python is given."""
    if python is None:
        return fetchtui()
    installed = Path(python).with_name("fetchtui")
    return [str(installed)] if installed.exists() else [python, "-m", "fetchtui"]


def run_fetchtui(url: str, n: int, flags: list[str], workdir: str, python: str | None = None) -> float:
    out = Path(workdir) / "run.json"
    done = subprocess.run([*command(python), "run", f"{url} x{n}", *flags, "--no-history",
                           "--json", str(out)], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"fetchtui run {' '.join(flags)} failed:\n{done.stdout}{done.stderr}")
    summary = json.loads(out.read_text())["summary"]
    if summary["ok"] != n or summary["submitted"] != n:
        raise SystemExit(f"fetchtui run {' '.join(flags)}: {summary['ok']} of {n} ok")
    if not summary["phases_ms"].get("wait", {}).get("max"):
        raise SystemExit(f"fetchtui run {' '.join(flags)}: no phases recorded")
    return float(summary["rps"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--vs-python", help="another install's python: its fetchtui rows too, in turn")
    parser.add_argument("--only", default="", help="fetchtui rows whose name holds one of these words")
    parser.add_argument("--no-locust", action="store_true", help="leave locust's rows out")
    args = parser.parse_args()
    n, rounds = args.requests, args.rounds
    wrk, hey = ensure("wrk", "wrk"), ensure("hey", "hey")
    locust = None if args.no_locust else locust_bin()
    words = [w for w in args.only.split(",") if w]
    configs = [(name, flags) for name, flags in FETCHTUI if not words or any(w in name for w in words)]
    rows: dict[str, float] = {}
    with serving_nginx("bench/peers.py") as (_, url, workdir):
        tools: dict[str, Callable[[], float]] = {}
        if wrk:
            tools["wrk -t2 -c16 (C, the limit)"] = lambda: run_wrk(wrk, url)
        if hey:
            for c in (16, 64):
                tools[f"hey -c {c} (Go)"] = lambda c=c: run_hey(hey, url, n, c)
        if locust:
            tools["locust FastHttpUser, 16 users"] = lambda: run_locust(locust, url, "Fast", workdir)
            tools["locust HttpUser, 16 users"] = lambda: run_locust(locust, url, "Plain", workdir)
        tools["the seed's script, 16 threads"] = lambda: run_seed(url, min(n, 6000))
        for name, flags in configs:
            tools[name] = lambda flags=flags: run_fetchtui(url, n, flags, workdir)
            if args.vs_python:
                tools[f"{name} (before: --vs-python)"] = lambda flags=flags: run_fetchtui(
                    url, n, flags, workdir, args.vs_python)
        # round after round of every tool, not one tool's rounds after another's: this machine's
        # speed drifts by tens of percent over minutes, and hey ran minutes before fetchtui did
        for _ in range(rounds):
            for name, run in tools.items():
                rows[name] = max(rows.get(name, 0.0), run())
    hey_best = max((v for k, v in rows.items() if k.startswith("hey")), default=None)
    limit = next((v for k, v in rows.items() if k.startswith("wrk")), None)
    print(f"{n:,} instant requests to nginx on loopback, best of {rounds}, load {os.getloadavg()[0]:.1f}\n")
    print("| tool | req/s | / hey's best | / wrk |")
    print("|---|---:|---:|---:|")
    for name, rps in rows.items():
        to_hey = f"{rps / hey_best:.2f}" if hey_best else "-"
        to_wrk = f"{rps / limit:.2f}" if limit else "-"
        print(f"| {name} | {rps:,.0f} | {to_hey} | {to_wrk} |")
    best = max((k for k in rows if k.startswith("fetchtui") and "(before" not in k), key=lambda k: rows[k])
    if hey_best:
        print(f"\nfetchtui's fastest, {best}: {rows[best] / hey_best:.2f}x hey's best (target >= 1.0)")
    before = [k for k in rows if "(before" in k]
    if before and hey_best:
        was = max(before, key=lambda k: rows[k])
        print(f"before's fastest, {was}: {rows[was] / hey_best:.2f}x hey's best; "
              f"after / before {rows[best] / rows[was]:.2f}x (target >= 1.0)")


if __name__ == "__main__":
    main()
