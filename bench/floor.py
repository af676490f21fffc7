"""The floor under curl-multi: a bare pycurl multi loop, no fetchtui at all, beside hey and fetchtui.

    python bench/floor.py [--requests 30000] [--rounds 3]

On one nginx (keep-alive, `200 ok`), in one run, each row its best of --rounds:

- hey -c 16 and -c 64 (Go), the peer of the "faster than hey" issue;
- the bare loop: one Python thread per process drives 16 easy handles through CurlMulti and
  drops each transfer's result: no events, no stats, no pipe. In 1 and in 2 processes, reading
  the status only (the least a Python loop can do); what fetchtui records of a transfer (the
  status, the six timers, the connection); and that with the head and body caps as fetchtui
  holds a transfer to them (libcurl 8.9+: C callbacks, the head judged once read);
- fetchtui curl-multi -P 2 -w 16, every request ok and accounted.

What the bare loop makes is the most any model that drives libcurl from Python can make on
this machine: what fetchtui adds to it (events, the pipe, the ledger, the stats) only costs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from _helpers import serving_nginx  # bench/ is on sys.path when a bench runs
from peers import hey_rows, print_beside_hey, run_fetchtui

FASTEST = ["--model", "curl-multi", "-P", "2", "-w", "16"]

#: What fetchtui's caps need of a transfer, as script text, as pycurl_client does it where
#: libcurl caps heads and bodies itself (8.9+): the head lines gathered by a list's append and
#: judged once read (at most 100 lines of at most 64 KiB), the body counted by libcurl and held
#: to MAXFILESIZE. `capped(c)` sets an easy handle so; `judged(c, head)` judges a transfer.
CAPPED = r"""
def capped(c):
    head = []
    c.setopt(pycurl.HEADERFUNCTION, head.append)
    c.setopt(pycurl.WRITEFUNCTION, len)
    c.setopt(pycurl.MAXFILESIZE_LARGE, 1 << 30)
    return head
def judged(c, head):
    ok = len(head) <= 102 and c.getinfo(pycurl.HEADER_SIZE) <= 65536
    nbytes = c.getinfo(pycurl.SIZE_DOWNLOAD_T)
    head.clear()
    return ok, nbytes
"""

# argv: URL, requests, handles, and what it reads: "status", "records" (what fetchtui records
# of a transfer) or "capped" (that, and fetchtui's callbacks, CAPPED). Prints
# `RESULT requests seconds`.
BARE = """
import sys, time, pycurl
url, n, handles, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
full = what != "status"
multi = pycurl.CurlMulti()
sink = []
""" + CAPPED + """
def easy():
    c = pycurl.Curl()
    c.setopt(pycurl.URL, url)
    c.setopt(pycurl.WRITEFUNCTION, sink.append)
    if what == "capped":
        heads[id(c)] = capped(c)
    return c
heads = {}
free = [easy() for _ in range(handles)]
left, done = n, 0
INFO = (pycurl.NAMELOOKUP_TIME, pycurl.CONNECT_TIME, pycurl.APPCONNECT_TIME,
        pycurl.PRETRANSFER_TIME, pycurl.STARTTRANSFER_TIME, pycurl.TOTAL_TIME)
began = time.perf_counter()
while done < n:
    while free and left:
        multi.add_handle(free.pop())
        left -= 1
    while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
        pass
    queued, ok, failed = multi.info_read()
    for c in ok:
        status = c.getinfo(pycurl.RESPONSE_CODE)
        if full:
            timers = [c.getinfo(i) for i in INFO]
            conn = c.getinfo(pycurl.LOCAL_PORT)
        if what == "capped":
            judged(c, heads[id(c)])
        multi.remove_handle(c)
        free.append(c)
        done += 1
    for c, _, _ in failed:
        raise SystemExit("a transfer failed")
    sink.clear()
    if done < n and not ok:
        multi.select(1.0)
print("RESULT", n, time.perf_counter() - began)
"""


def bare(url: str, n: int, processes: int, handles: int, what: str) -> float:
    """req/s of `processes` bare loops started together, each taking its share of n."""
    share = n // processes
    procs = [subprocess.Popen([sys.executable, "-c", BARE, url, str(share), str(handles), what],
                              stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    began = time.perf_counter()
    outs = [p.communicate(timeout=600)[0] for p in procs]
    wall = time.perf_counter() - began
    if any(p.returncode != 0 for p in procs):
        raise SystemExit("a bare loop failed")
    slowest = max(float(out.split("RESULT", 1)[1].split()[1]) for out in outs)
    return share * processes / min(slowest, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, rounds = args.requests, args.rounds
    with serving_nginx("bench/floor.py") as (_, url, workdir):
        rows = hey_rows(url, n, rounds)
        for processes in (1, 2):
            for what, reads in (("status", "the status only"), ("records", "what fetchtui records"),
                                ("capped", "that, held to fetchtui's head and body caps")):
                rows[f"bare pycurl multi loop {processes}x16, reading {reads}"] = max(
                    bare(url, n, processes, 16, what) for _ in range(rounds))
        rows["fetchtui curl-multi 2x16"] = max(run_fetchtui(url, n, FASTEST, workdir) for _ in range(rounds))
    hey_best = print_beside_hey(rows, n, rounds)
    floor = rows["bare pycurl multi loop 2x16, reading that, held to fetchtui's head and body caps"]
    print(f"\nthe bare loop doing what fetchtui's curl-multi must, 2x16: {floor:,.0f} req/s"
          + (f", {floor / hey_best:.2f}x hey's best" if hey_best else "")
          + f"; fetchtui curl-multi 2x16 makes {rows['fetchtui curl-multi 2x16'] / floor:.2f} of it")

if __name__ == "__main__":
    main()
