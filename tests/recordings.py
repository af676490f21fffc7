"""Exported runs (JSON version 1) built by hand, for the replay source to play in tests."""

from __future__ import annotations

import itertools
import math
from typing import Any

from fetchtui.core.runs.replay import Recording
from fetchtui.core.threadstates.lanes import StateLanes

LESSON = ("# the seed's lesson\nhttp://127.0.0.1:8765/delay/100 x36\n"
          "http://127.0.0.1:8765/status/404 x4\n")
URLS = ["http://127.0.0.1:8765/delay/100"] * 36 + ["http://127.0.0.1:8765/status/404"] * 4
CPU_S = 0.0009  # per request


def wave_run(workers: int, urls: list[str] = URLS, cpu_s: float = CPU_S) -> dict[str, Any]:
    """`urls` on `workers` threads in waves: in wave w, thread i starts at w*101+i ms and takes
    100+i ms; a /status/404 fails with http. Every request ends; the run ends 12 ms after the
    last wave's start."""
    threads = [{"ident": 140_000_000_000 + i * 8_400_000, "name": f"fetchtui-worker_{i}",
                "native_id": 9000 + i, "pid": 4242, "requests": 0, "busy_s": 0.0, "cpu_s": 0.0}
               for i in range(workers)]
    requests = []
    for req_id, url in enumerate(urls):
        wave, i = divmod(req_id, workers)
        start = (wave * 101 + i % 10) / 1000
        end = start + (100 + i % 10) / 1000
        failed = "/status/404" in url
        thread = threads[i]
        thread["requests"] += 1
        thread["busy_s"] = round(thread["busy_s"] + end - start, 6)
        thread["cpu_s"] = round(thread["cpu_s"] + cpu_s, 6)
        took_ms = round((end - start) * 1000, 3)
        new = wave == 0  # the first wave opens each worker's connection; the rest reuse it
        requests.append({
            "id": req_id, "url": url, "thread_ident": thread["ident"], "thread_name": thread["name"],
            "pid": 4242, "start_s": round(start, 6), "end_s": round(end, 6),
            "elapsed_ms": took_ms, "status": 404 if failed else 200,
            "bytes": 3, "outcome": "failed" if failed else "ok",
            "error_kind": "http" if failed else None, "error": "HTTP 404" if failed else None,
            "dns_ms": None, "connect_ms": 0.4 if new else None, "tls_ms": None,
            "wait_ms": round(took_ms - (0.45 if new else 0.05), 3), "receive_ms": 0.05,
            "conn_id": i + 1, "conn_reused": not new,
        })
    waves = math.ceil(len(urls) / workers)
    failed = sum(1 for r in requests if r["outcome"] == "failed")
    summary = {"submitted": len(urls), "ok": len(urls) - failed, "failed": failed, "cancelled": 0,
               "elapsed_s": round(((waves - 1) * 101 + 112) / 1000, 6)}
    return {"version": 1, "config": {"workers": workers, "client": "requests", "timeout": 10},
            "summary": summary, "threads": threads, "requests": requests}


def lesson(workers: int = 10) -> Recording:
    return Recording(wave_run(workers))


def wave_states(workers: int = 10) -> StateLanes:
    """Thread states for wave_run(workers)'s threads, built by hand as the recording is: in each
    request thread i first waits for the GIL behind the i threads that started before it (0.8 ms
    each), runs 0.9 ms of Python, waits on the network, and parses the answer for 0.5 ms; between
    its requests it is idle. On the replay's clock (replay.T0_NS), by (pid, native id)."""
    from fetchtui.core.runs.replay import T0_NS
    from fetchtui.core.threadstates.kinds import CPU, GIL, IDLE, NET

    run = wave_run(workers)
    spans: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    mine: dict[int, list[dict[str, Any]]] = {}
    for request in run["requests"]:
        mine.setdefault(request["thread_ident"], []).append(request)
    for thread in run["threads"]:
        runs = spans.setdefault((thread["pid"], thread["native_id"]), [])
        i = int(thread["name"].rsplit("_", 1)[1])
        requests = mine.get(thread["ident"], [])
        for n, request in enumerate(requests):
            start, end = T0_NS + round(request["start_s"] * 1e9), T0_NS + round(request["end_s"] * 1e9)
            following = requests[n + 1]["start_s"] if n + 1 < len(requests) else None
            end = min(end, T0_NS + round(following * 1e9)) if following is not None else end
            cuts = [start, start + 800_000 * i, start + 800_000 * i + 900_000, end - 500_000, end]
            for (a, b), state in zip(itertools.pairwise(cuts), (GIL, CPU, NET, CPU), strict=True):
                if b > a:
                    runs.append((a, b, state))
            if following is not None and T0_NS + round(following * 1e9) > end:
                runs.append((end, T0_NS + round(following * 1e9), IDLE))
    return StateLanes(spans, gil=True)
