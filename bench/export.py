"""What an export costs once a run has ended: the JSON and the CSV of N requests, per request.

    python bench/export.py [--requests 200000]

The run is made up (16 workers, every 97th request a 503, phases and a connection each) and
folded as a live run's rows are. Printed in one run: the JSON export written from the
records' columns (each row's text made by the encoder core/report/codec.py generates from
RequestRow), beside its requests written a record and a dict a request, and the CSV (from
the same columns).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from fetchtui.core.input.targets import parse_targets
from fetchtui.core.report import export
from fetchtui.core.runs.events import (
    Event,
    Outcome,
    Phases,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunStarted,
    ThreadInfo,
)
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats


def folded(n: int) -> RunStats:
    threads = [ThreadInfo(1000 + i, f"fetchtui-worker_{i}", 5000 + i, 1) for i in range(16)]
    events: list[Event] = [RunStarted(n, 16, 0)]
    t = 1
    for i in range(n):
        ok = i % 97 != 0
        events.append(RequestStarted(i, t, threads[i % 16]))
        events.append(RequestFinished(
            i, t + 7 + i % 50, threads[i % 16], Outcome.OK if ok else Outcome.FAILED, 200 if ok else 503, 10,
            None if ok else "http", None if ok else "HTTP 503 Service Unavailable", 100,
            Phases(wait_ns=5 + i % 40, receive_ns=2, conn_id=i % 16, conn_reused=i >= 16), "HTTP/1.1"))
        t += 10
    stats = RunStats(parse_targets(f"http://127.0.0.1:9/x x{n}"))
    packer, unpacker = Packer(), Unpacker()
    for k in range(0, len(events), 2000):
        stats.apply(unpacker.unpack(packer.pack(1, events[k:k + 2000])))
    stats.apply([RunEnded(t + 1, False)])
    stats.summary()  # computed once, as the run's last frame does: not the export's cost
    return stats


def by_record(stats: RunStats, path: Path) -> None:
    """The requests as the JSON export wrote them before: a record, then a dict, then the encoder."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with path.open("w") as handle:
        rows = (encode(export.request_row(stats, stats.view(req_id))) for req_id in range(stats.total))
        export._write_lines(handle, rows, ",\n    ")


def timed(write: object, *args: object) -> float:
    began = time.perf_counter()
    write(*args)  # type: ignore[operator]
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    n = args.requests
    stats = folded(n)
    with tempfile.TemporaryDirectory() as name:
        out = Path(name)
        columns = timed(export.write_json, stats, {}, out / "run.json")
        record = timed(by_record, stats, out / "rows.json")
        csv = timed(export.write_csv, stats, out / "run.csv")
        size = (out / "run.json").stat().st_size
        same = json.loads((out / "run.json").read_text())["requests"] == \
            json.loads("[" + (out / "rows.json").read_text() + "]")
    print(f"export of {n:,} requests (us a request, lower is better)")
    print(f"  JSON, from the columns        {columns / n * 1e6:6.1f}   "
          f"({columns:.2f} s, {size / 1e6:.0f} MB)")
    print(f"  its requests, a record each   {record / n * 1e6:6.1f}   ({record:.2f} s)  same rows: {same}")
    print(f"  columns / records             {columns / record:6.2f}x")
    print(f"  CSV, from the columns         {csv / n * 1e6:6.1f}   ({csv:.2f} s)")


if __name__ == "__main__":
    main()
