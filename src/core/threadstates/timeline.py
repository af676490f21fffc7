"""What a sampler saw: a row a thread a tick (how long the tick was, the thread's time on a core
and runnable in it, the state it was in at the tick's end), in arrays; carried across a pipe as bytes."""

from __future__ import annotations

from array import array

from fetchtui.core.threadstates.kinds import STATES

HZ = 120.0  # samples a second (100 kept on a loaded machine); each ~14 µs of CPU a thread
MAX_TICKS = 4_000_000  # ~92 MB: 16 threads at 100 Hz for 40 minutes; past it ticks are summed, not kept


class Timeline:
    """Each tick of each thread: when it ended (µs, the perf_counter clock), how long it lasted,
    the µs of it on a core and runnable (schedstat's), and the state its sample saw (RUNNING,
    or the state it slept in). Past MAX_TICKS each thread's further ticks are summed into its
    `overflow`: [span, run, wait, then the span of its samples in each state] (no idle told apart)."""

    COLUMNS = ("thread", "end_us", "span_us", "run_us", "wait_us", "state")
    TYPES = ("i", "q", "i", "i", "i", "b")

    def __init__(self, pid: int, gil: bool, hz: float = 0.0) -> None:
        self.pid, self.gil, self.hz = pid, gil, hz
        self.threads: list[int] = []  # native ids, by the number a row names
        self.columns = [array(kind) for kind in self.TYPES]
        self.overflow: dict[int, list[int]] = {}  # thread number -> [run, wait, sleep by state...]

    def __len__(self) -> int:
        return len(self.columns[0])

    def number(self, tid: int) -> int:
        self.threads.append(tid)
        return len(self.threads) - 1

    def add(self, thread: int, end_us: int, span_us: int, run_us: int, wait_us: int, state: int) -> None:
        columns = self.columns
        if len(columns[0]) < MAX_TICKS:  # each column by hand: a tick of 20 threads is 20 rows
            columns[0].append(thread)
            columns[1].append(end_us)
            columns[2].append(span_us)
            columns[3].append(run_us)
            columns[4].append(wait_us)
            columns[5].append(state)
            return
        summed = self.overflow.setdefault(thread, [0] * (3 + len(STATES)))
        summed[0] += span_us
        summed[1] += run_us
        summed[2] += wait_us
        if state >= 0:
            summed[3 + state] += span_us

    def add_rows(self, end_us: int, threads: list[int], spans: list[int], runs: list[int], waits: list[int],
                 states: list[int]) -> None:
        """One tick's rows, every thread's at once (a sampler's tick)."""
        columns = self.columns
        if len(columns[0]) + len(threads) > MAX_TICKS:
            for row in zip(threads, spans, runs, waits, states, strict=True):
                self.add(row[0], end_us, *row[1:])
            return
        columns[0].extend(threads)
        columns[1].extend([end_us] * len(threads))
        columns[2].extend(spans)
        columns[3].extend(runs)
        columns[4].extend(waits)
        columns[5].extend(states)

    def to_bytes(self, first: int = 0) -> bytes:
        """The timeline as bytes; from row `first` on (a live view's latest rows), if given."""
        import json  # only the sampler child writes one, and the run reads it once

        overflow = self.overflow if first == 0 else {}
        head = json.dumps({"pid": self.pid, "gil": self.gil, "hz": self.hz, "threads": self.threads,
                           "rows": len(self) - first, "overflow": overflow}).encode()
        return b"".join([len(head).to_bytes(4, "little"), head, *(c[first:].tobytes() for c in self.columns)])

    def extend(self, later: Timeline) -> None:
        """Append `later`'s rows (the same sampler's, sent since): its threads list is the longer."""
        self.threads = list(later.threads)
        for mine, theirs in zip(self.columns, later.columns, strict=True):
            mine.extend(theirs)

    def copy(self) -> Timeline:
        copied = Timeline(self.pid, self.gil, self.hz)
        copied.threads = list(self.threads)
        copied.columns = [array(c.typecode, c) for c in self.columns]
        copied.overflow = {k: list(v) for k, v in self.overflow.items()}
        return copied

    @classmethod
    def from_bytes(cls, data: bytes) -> Timeline:
        """A timeline written by to_bytes (by this process's own sampler child); ValueError if cut."""
        import json

        size = int.from_bytes(data[:4], "little")
        head = json.loads(data[4:4 + size])
        timeline = cls(int(head["pid"]), bool(head["gil"]), float(head["hz"]))
        timeline.threads = [int(t) for t in head["threads"]]
        timeline.overflow = {int(k): [int(x) for x in v] for k, v in head["overflow"].items()}
        rows, offset = int(head["rows"]), 4 + size
        for column in timeline.columns:
            end = offset + rows * column.itemsize
            if end > len(data):
                raise ValueError("a cut timeline")
            column.frombytes(data[offset:end])
            offset = end
        return timeline
