"""Each worker (a thread, or an asyncio task) and each process: what it ran and what it runs now."""

from __future__ import annotations

import itertools
from array import array
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from fetchtui.core.events import ThreadInfo

RECENT = 5
#: Rows a worker from which a batch's ends are folded a worker's at once (a group costs
#: ~1.5 µs of its own, a row one at a time ~0.3 µs)
GROUPED = 6


def ms_per_request(cpu_ns: int, requests: int) -> float:
    """Mean CPU time per request in milliseconds (0 before any ran)."""
    return cpu_ns / requests / 1e6 if requests else 0.0


@dataclass(slots=True)
class WorkerStats:
    """One worker: what it has done and what it is doing now."""

    info: ThreadInfo
    requests: int = 0
    busy_ns: int = 0
    cpu_ns: int = 0
    current: int | None = None
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=RECENT))
    # every request it ran, in finish order: an array (a list of a million ids was a third
    # of each full collection's time, and 36 bytes a request)
    done: array[int] = field(default_factory=lambda: array("q"))
    first_ns: int | None = None  # its lane starts: its first request's start
    retired_ns: int | None = None  # it left a shrinking pool (None: it is in the pool)


@dataclass(frozen=True, slots=True)
class ProcessFigures:
    """One process's workers: how many, what they ran, their wall time in requests and CPU."""

    pid: int
    workers: int = 0
    requests: int = 0
    busy_ns: int = 0
    cpu_ns: int = 0

    @property
    def cpu_ms_per_request(self) -> float:
        return ms_per_request(self.cpu_ns, self.requests)


class Workers:
    """The run's workers, numbered in order of appearance: the table's groups, the timeline's lanes."""

    def __init__(self) -> None:
        self.by_number: dict[int, WorkerStats] = {}
        self._numbers: dict[tuple[int, int, int | None], int] = {}  # ThreadInfo.worker -> number
        # the same, by the ThreadInfo object a source hands every time (held: its id stays its):
        # `worker` is a property making a tuple, asked twice a request
        self._by_object: dict[int, tuple[ThreadInfo, int]] = {}
        self.changes = 0  # counts workers joining and leaving: a view regroups when it moves

    def number(self, info: ThreadInfo) -> int:
        """The number of the worker `info` names."""
        known = self._by_object.get(id(info))
        if known is not None:
            return known[1]
        key = self._numbers.get(info.worker)
        if key is None:
            key = self._numbers[info.worker] = len(self._numbers)
        if len(self._by_object) < 100_000:  # a source making a ThreadInfo a request still folds
            self._by_object[id(info)] = (info, key)
        return key

    def began(self, info: ThreadInfo, req_id: int, t_ns: int) -> int:
        """A request began on `info`'s worker; answers the worker's number."""
        number = self.number(info)
        worker = self.by_number.get(number)
        if worker is None:
            worker = self.by_number[number] = WorkerStats(info, first_ns=t_ns)
            self.changes += 1
        elif worker.retired_ns is not None:  # a regrown pool runs a retired thread again
            worker.retired_ns = None
            self.changes += 1
        worker.current = req_id
        return number

    def began_rows(self, table: Sequence[ThreadInfo], threads: Sequence[int], req_ids: Sequence[int],
                   t_ns: Sequence[int]) -> list[int]:
        """Requests began, as rows (`threads` index `table`): began() for each; answers
        each one's worker number. A worker's current request is its last one to begin."""
        number_of = {index: self.number(table[index]) for index in set(threads)}
        numbers = list(map(number_of.__getitem__, threads))
        for number, req_id in dict(zip(numbers, req_ids, strict=True)).items():
            worker = self.by_number.get(number)
            if worker is None:  # its first row is its first request
                first = numbers.index(number)
                worker = self.by_number[number] = WorkerStats(table[threads[first]], first_ns=t_ns[first])
                self.changes += 1
            elif worker.retired_ns is not None:
                worker.retired_ns = None
                self.changes += 1
            worker.current = req_id
        return numbers

    def retired(self, info: ThreadInfo, t_ns: int) -> None:
        worker = self.by_number.get(self.number(info))
        if worker is not None and worker.retired_ns is None:
            worker.retired_ns = t_ns
            self.changes += 1

    def in_pool(self) -> list[int]:
        """The numbers of the workers in the pool now (retired ones left it)."""
        return [n for n, worker in self.by_number.items() if worker.retired_ns is None]

    @property
    def active(self) -> int:
        """Workers in the pool now: seen, and not retired."""
        return sum(1 for worker in self.by_number.values() if worker.retired_ns is None)

    def finished(self, number: int, req_id: int, busy_ns: int, cpu_ns: int) -> None:
        worker = self.by_number[number]
        worker.requests += 1
        worker.busy_ns += busy_ns
        worker.cpu_ns += cpu_ns
        if worker.current == req_id:
            worker.current = None
        worker.recent.append(req_id)
        worker.done.append(req_id)

    def finished_rows(self, numbers: Sequence[int], req_ids: Sequence[int], busy_ns: Sequence[int],
                      cpu_ns: Sequence[int]) -> None:
        """finished() for each row, in order within each worker."""
        counts = Counter(numbers)
        if len(numbers) < GROUPED * len(counts):  # a few rows a worker: one at a time is cheaper
            by_number = self.by_number
            for number, req_id, busy, cpu in zip(numbers, req_ids, busy_ns, cpu_ns, strict=True):
                worker = by_number[number]
                worker.busy_ns += busy
                worker.cpu_ns += cpu
                worker.recent.append(req_id)
                worker.done.append(req_id)
            ended = set(req_ids)
            for number, count in counts.items():
                worker = by_number[number]
                worker.requests += count
                if worker.current in ended:
                    worker.current = None
            return
        rows = sorted(range(len(numbers)), key=numbers.__getitem__)  # stable: in order within a worker
        for number, group in itertools.groupby(rows, key=numbers.__getitem__):
            mine = list(group)
            ids = list(map(req_ids.__getitem__, mine))
            worker = self.by_number[number]
            worker.requests += len(mine)
            worker.busy_ns += sum(map(busy_ns.__getitem__, mine))
            worker.cpu_ns += sum(map(cpu_ns.__getitem__, mine))
            if worker.current is not None and worker.current in ids:
                worker.current = None
            worker.recent.extend(ids[-RECENT:])
            worker.done.extend(ids)

    def per_process(self) -> list[ProcessFigures]:
        """Each worker process's share of the run (one, unless the model is processes)."""
        out: dict[int, ProcessFigures] = {}
        for worker in self.by_number.values():
            pid = worker.info.pid
            fig = out.get(pid) or ProcessFigures(pid)
            out[pid] = ProcessFigures(pid, fig.workers + 1, fig.requests + worker.requests,
                                      fig.busy_ns + worker.busy_ns, fig.cpu_ns + worker.cpu_ns)
        return sorted(out.values(), key=lambda fig: fig.pid)

    def cpu_share(self) -> float:
        """CPU time the workers spent per wall-clock second of requests (GIL pressure)."""
        busy = sum(w.busy_ns for w in self.by_number.values())
        return sum(w.cpu_ns for w in self.by_number.values()) / busy if busy else 0.0

    def cpu_ms_per_request(self) -> float:
        """Mean worker CPU time per request that ran, in milliseconds."""
        workers = self.by_number.values()
        return ms_per_request(sum(w.cpu_ns for w in workers), sum(w.requests for w in workers))

    def ceiling_rps(self, parallel: float) -> float | None:
        """The most req/s any worker count could reach: one request per mean CPU time per
        request on each of `parallel` cores (one per process's GIL, or the cores without it)."""
        cpu_ms = self.cpu_ms_per_request()
        if cpu_ms <= 0:
            return None
        return parallel * 1000 / cpu_ms
