"""Each worker (a thread, or an asyncio task) and each process: what it ran and what it runs now."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fetchtui.core.runs.events import ThreadInfo

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from fetchtui.core.stats.columns import Columns

RECENT = 5


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
    done: array[int] = field(default_factory=lambda: array("q"))  # every request it ran, in finish order
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
    """The run's workers, numbered in order of appearance: the table's groups, the timeline's lanes.

    A start is counted as it is folded (a worker's current request, a new lane); the ends are
    counted into each worker when the workers are read, from the order the ends came in
    (the columns keep it): a frame reads them once, however many batches it folded.
    """

    def __init__(self) -> None:
        self._workers: dict[int, WorkerStats] = {}
        self._steady: set[int] = set()  # workers seen and not retired: a start changes only their current
        self._numbers: dict[tuple[int, int, int | None], int] = {}  # ThreadInfo.worker -> number
        # a stream's thread table -> its entries' numbers (the table only grows)
        self._tables: dict[int, tuple[Sequence[ThreadInfo], list[int]]] = {}
        self.columns: Columns | None = None  # the run's, once made
        self._counted = 0  # the ends (in the order they came) counted into the workers so far
        self.changes = 0  # counts workers joining and leaving: a view regroups when it moves

    @property
    def by_number(self) -> dict[int, WorkerStats]:
        """Every worker by number, with every end folded so far counted."""
        if self.columns is not None and self._counted < self.columns.ends:
            self._count_ends(self.columns)
        return self._workers

    def number(self, info: ThreadInfo) -> int:
        """The number of the worker `info` names."""
        key = self._numbers.get(info.worker)
        if key is None:
            key = self._numbers[info.worker] = len(self._numbers)
        return key

    def numbers(self, table: Sequence[ThreadInfo], used: list[int]) -> list[int]:
        """The numbers of the entries `used` of a stream's thread table (-1 for the others):
        kept, as the table only grows."""
        known = self._tables.get(id(table))
        if known is None or known[0] is not table:
            known = self._tables[id(table)] = (table, [])
        mine = known[1]
        mine.extend([-1] * (len(table) - len(mine)))
        for index in used:
            if mine[index] < 0:
                mine[index] = self.number(table[index])
        return mine

    def numbered(self, table: Sequence[ThreadInfo]) -> list[int] | None:
        """A stream's table's numbers, if every entry has one already (else None)."""
        known = self._tables.get(id(table))
        if known is None or known[0] is not table or len(known[1]) < len(table) or -1 in known[1]:
            return None
        return known[1]

    def began(self, infos: Sequence[ThreadInfo], index: NDArray[np.int64], numbers: NDArray[np.int64],
              req_ids: NDArray[np.int64], t_ns: NDArray[np.int64]) -> None:
        """Requests began (row k on worker numbers[k], infos[index[k]]): a worker's current
        request is its last one to begin; a new worker's lane starts at its first."""
        import numpy as np

        last = np.full(int(numbers.max()) + 1, -1)
        np.maximum.at(last, numbers, np.arange(len(numbers)))
        mine = np.flatnonzero(last >= 0).tolist()
        if not self._steady.issuperset(mine):
            self._joined(infos, index, numbers, t_ns)
        workers = self._workers
        for number, req_id in zip(mine, req_ids[last[mine]].tolist(), strict=True):
            workers[number].current = req_id

    def _joined(self, infos: Sequence[ThreadInfo], index: NDArray[np.int64], numbers: NDArray[np.int64],
                t_ns: NDArray[np.int64]) -> None:
        """Workers new to the run, or back in a regrown pool, in the order each first began."""
        import numpy as np

        firsts = np.flatnonzero(np.concatenate(([True], numbers[1:] != numbers[:-1]))).tolist()
        for row in firsts:
            number = int(numbers[row])
            if number in self._steady:
                continue
            worker = self._workers.get(number)
            if worker is None:
                self._workers[number] = WorkerStats(infos[int(index[row])], first_ns=int(t_ns[row]))
            else:  # a regrown pool runs a retired thread again
                worker.retired_ns = None
            self._steady.add(number)
            self.changes += 1

    def _count_ends(self, columns: Columns) -> None:
        """The ends not counted yet, into their workers (those that started: a request cut
        before it began is no worker's), in the order they came within each worker."""
        import numpy as np

        from fetchtui.core.stats.batch import NONE

        new = columns.order[self._counted:]
        self._counted = columns.ends
        numbers, starts = columns.worker[new], columns.start[new]
        counted = (numbers >= 0) & (starts != NONE)
        numbers, new, starts = numbers[counted], new[counted], starts[counted]
        if not len(new):
            return
        order = np.argsort(numbers, kind="stable")
        grouped = numbers[order]
        heads = [0, *(np.flatnonzero(grouped[1:] != grouped[:-1]) + 1).tolist()]
        ids = new[order]
        busy = np.add.reduceat(columns.end[ids] - starts[order], heads).tolist()
        cpu = np.add.reduceat(columns.cpu[ids], heads).tolist()
        heads.append(len(ids))
        for k, number in enumerate(grouped[heads[:-1]].tolist()):
            mine = ids[heads[k]:heads[k + 1]]
            worker = self._workers[number]
            worker.requests += len(mine)
            worker.busy_ns += busy[k]
            worker.cpu_ns += cpu[k]
            if worker.current is not None and columns.outcome[worker.current] != -1:
                worker.current = None
            worker.recent.extend(mine[-RECENT:].tolist())
            worker.done.frombytes(mine.astype("<i8").tobytes())

    def retired(self, info: ThreadInfo, t_ns: int) -> None:
        worker = self._workers.get(self.number(info))
        if worker is not None and worker.retired_ns is None:
            worker.retired_ns = t_ns
            self._steady.discard(self.number(info))
            self.changes += 1

    def in_pool(self) -> list[int]:
        """The numbers of the workers in the pool now (retired ones left it)."""
        return [n for n, worker in self._workers.items() if worker.retired_ns is None]

    @property
    def active(self) -> int:
        """Workers in the pool now: seen, and not retired."""
        return sum(1 for worker in self._workers.values() if worker.retired_ns is None)

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
        workers = self.by_number.values()
        busy = sum(w.busy_ns for w in workers)
        return sum(w.cpu_ns for w in workers) / busy if busy else 0.0

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
