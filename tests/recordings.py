"""Exported runs (JSON version 1) built by hand, for the replay source to play in tests."""

from __future__ import annotations

import math
from typing import Any

from fetchtui.core.runs.replay import Recording

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
