"""The run's requests as the thread states read them: which threads fetched, and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from fetchtui.core.threadstates.fold import Spans

if TYPE_CHECKING:
    from fetchtui.core.stats import RunStats


class _Thread(Protocol):
    @property
    def pid(self) -> int: ...
    @property
    def native_id(self) -> int: ...


class _Record(Protocol):
    """What a request's record (stats.records' RequestRecord) says that is read here."""

    @property
    def thread(self) -> _Thread | None: ...
    @property
    def start_ns(self) -> int | None: ...
    @property
    def end_ns(self) -> int | None: ...
    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def nbytes(self) -> int: ...
    @property
    def outcome(self) -> object: ...


@dataclass(frozen=True, slots=True)
class RequestSlice:
    """One request on its thread: (pid, native id), start and end (perf_counter ns), its URL
    as shown (credentials masked), status, bytes and outcome."""

    pid: int
    tid: int
    start_ns: int
    end_ns: int
    url: str
    status: int | None
    nbytes: int
    outcome: str


def request_slices(records: Iterable[_Record | None]) -> list[RequestSlice]:
    """Every request that started and ended on a known thread."""
    out = []
    for record in records:
        if record is None or record.thread is None or record.start_ns is None or record.end_ns is None:
            continue
        outcome = getattr(record.outcome, "value", record.outcome)
        out.append(RequestSlice(record.thread.pid, record.thread.native_id, record.start_ns, record.end_ns,
                                record.url, record.status, record.nbytes, str(outcome)))
    return out


def spans_of(slices: Iterable[RequestSlice]) -> Spans:
    """Each thread's requests as (start, end): when it was not idle."""
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for s in slices:
        spans.setdefault((s.pid, s.tid), []).append((s.start_ns, s.end_ns))
    return spans


def worker_spans(stats: RunStats, now_ns: int) -> Spans:
    """Each fetching thread's requests so far, by (pid, native id), one in flight up to
    `now_ns`: a live run's, read from its workers (the tasks of one loop thread are one thread)."""
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for worker in list(stats.threads.values()):
        runs = spans.setdefault((worker.info.pid, worker.info.native_id), [])
        for req_id in worker.done:
            start, end, _ = stats.span(req_id)
            if start is not None and end is not None:
                runs.append((start, end))
        if worker.current is not None:
            start = stats.span(worker.current)[0]
            if start is not None:
                runs.append((start, max(start, now_ns)))
    return spans
