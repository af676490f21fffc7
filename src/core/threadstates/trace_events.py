"""The run as a Trace Event Format document (ui.perfetto.dev, chrome://tracing): a track per
thread with a slice per request, and beside it a track of the thread's sampled states."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fetchtui.core.threadstates.fold import shown_state, ticks
from fetchtui.core.threadstates.kinds import MEANING, STATES
from fetchtui.core.threadstates.requests import RequestSlice, spans_of
from fetchtui.core.threadstates.timeline import Timeline

#: A thread's states are drawn on a track of their own (slices on one track must nest, and a
#: tick crosses requests): its tid is the thread's with this bit set, sorted right after it.
STATES_TRACK = 1 << 30
#: Chrome's reserved colour names, for chrome://tracing (Perfetto picks its own)
_COLOURS = {"cpu": "thread_state_running", "runnable": "thread_state_runnable", "gil": "terrible",
            "lock": "bad", "net": "thread_state_iowait", "idle": "thread_state_sleeping", "other": "grey"}


def trace_document(requests: Sequence[RequestSlice], timelines: Sequence[Timeline],
                   names: Mapping[tuple[int, int], str]) -> dict[str, Any]:
    """The document: `traceEvents` (ts and dur in µs from the run's first request; pid and tid
    the real ones) and `displayTimeUnit`. `timelines`: each sampled process's; `names` are the
    threads' names by (pid, native id)."""
    sampled = {timeline.pid for timeline in timelines}
    origin_ns = min((r.start_ns for r in requests), default=0)
    events: list[dict[str, Any]] = []
    threads = sorted({(r.pid, r.tid) for r in requests})
    for pid in sorted({pid for pid, _ in threads}):
        events.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "fetchtui"}})
    for order, (pid, tid) in enumerate(threads):
        name = names.get((pid, tid), f"thread {tid}")
        events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": {"name": name}})
        events.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                       "args": {"sort_index": 2 * order}})
        if pid in sampled:
            events.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid | STATES_TRACK,
                           "args": {"name": f"{name} states"}})
            events.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid | STATES_TRACK,
                           "args": {"sort_index": 2 * order + 1}})
    for r in requests:
        events.append({"ph": "X", "cat": "request", "name": r.url, "pid": r.pid, "tid": r.tid,
                       "ts": (r.start_ns - origin_ns) / 1000, "dur": max(0, r.end_ns - r.start_ns) / 1000,
                       "args": {"status": r.status, "bytes": r.nbytes, "outcome": r.outcome}})
    for timeline in timelines:
        events.extend(_state_slices(timeline, requests, set(threads), origin_ns // 1000))
    return {"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"fetchtui": "thread states: " + "; ".join(f"{k}: {v}" for k, v in MEANING.items())}}


def _state_slices(timeline: Timeline, requests: Sequence[RequestSlice], fetching: set[tuple[int, int]],
                  origin_us: int) -> list[dict[str, Any]]:
    """Each run of ticks in one state on a thread as one slice."""
    out: list[dict[str, Any]] = []
    pid = timeline.pid
    open_: dict[int, list[int]] = {}  # thread number -> [start µs, end µs, state]

    def close(thread: int) -> None:
        start, end, state = open_.pop(thread)
        tid = timeline.threads[thread]
        name = STATES[state]
        out.append({"ph": "X", "cat": "state", "name": name, "cname": _COLOURS[name], "pid": pid,
                    "tid": tid | STATES_TRACK, "ts": start - origin_us, "dur": max(0, end - start)})

    for thread, start, end, state, outside in ticks(timeline, spans_of(requests)):
        if (pid, timeline.threads[thread]) not in fetching:
            continue
        state = shown_state(state, outside)
        run = open_.get(thread)
        if run is not None and run[2] == state and run[1] >= start - 1:
            run[1] = end
            continue
        if run is not None:
            close(thread)
        open_[thread] = [start, end, state]
    for thread in list(open_):
        close(thread)
    return out


def numbered(path: str, n: int) -> str:
    """Run `n`'s file of a front end's `--trace-events path`: `t.json` -> `t-3.json`."""
    target = Path(path)
    return str(target.with_name(f"{target.stem}-{n}{target.suffix}"))


def write_document(path: str | Path, document: dict[str, Any]) -> Path:
    """Write the document as JSON; OSError if it cannot be."""
    target = Path(path).expanduser()
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"))
        handle.write("\n")
    return target
