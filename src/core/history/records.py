"""The runs a front end knows of, with each one's speedup against the 1-worker run of the same list."""

from __future__ import annotations

import hashlib
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fetchtui.core.input.target_list import TargetList
from fetchtui.core.input.targets import Target
from fetchtui.core.report.summary import RunSummary

if TYPE_CHECKING:
    from fetchtui.core.history.store import HistoryStore
    from fetchtui.core.input.config import RunConfig


def list_key(targets: Sequence[Target]) -> str:
    """Identifies a list by its URLs in order, so runs of the same list can be compared.

    Hashed as runs of one URL (`url<TAB>count`): `URL x1000000` is one line to hash, not a
    million, which a cancelled run would otherwise wait on as it exits.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    runs: Iterable[tuple[str, int]]
    if isinstance(targets, TargetList):  # its runs as parsed: no pass over a million requests
        runs = _merged(targets.url_runs())
    else:
        runs = ((url, len(list(run))) for url, run in
                itertools.groupby(map(operator.attrgetter("url"), targets)))
    for url, count in runs:
        digest.update(f"{url}\t{count}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:12]


def _merged(runs: Iterable[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """Consecutive runs of one URL (two list lines of it) as one, as groupby counts them."""
    last, total = None, 0
    for url, count in runs:
        if url == last:
            total += count
            continue
        if last is not None:
            yield last, total
        last, total = url, count
    if last is not None:
        yield last, total


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One finished run: its settings and its summary (the JSON export's summary object)."""

    number: int
    workers: int
    client: str
    list_key: str
    summary: RunSummary
    recorded: bool = True  # False: a history file was wanted and could not take this run

    @property
    def elapsed_s(self) -> float:
        return self.summary.elapsed_s

    @property
    def complete(self) -> bool:
        return self.summary.complete


class History:
    """The runs a front end knows of, oldest first: its own, and with a store, earlier ones.

    With a store every run added is also recorded on disk, as `front_end`; a store that
    fails leaves the run in memory and says why in `problem`, once.
    """

    def __init__(self, store: HistoryStore | None = None, front_end: str = "tui") -> None:
        self.runs: list[RunRecord] = []
        self.store = store
        self.front_end = front_end
        self.problem: str | None = None
        self.earlier = 0  # how many of `runs` came from earlier launches
        #: how long a run's record waits for a busy file: a screen must not freeze on it
        self.patience = 0.25 if front_end == "tui" else 5.0

    def load(self, limit: int = 1000) -> None:
        """Read the newest `limit` recorded runs, before any of this launch's."""
        if self.store is None:
            return
        from fetchtui.core.history.store import HistoryError

        try:
            stored = [run.record for run in self.store.runs(limit)]
        except HistoryError as exc:
            self.problem = str(exc)
            return
        self.runs[:0] = stored
        self.earlier += len(stored)
        if self.store.skipped:
            self.problem = f"{self.store.skipped} unreadable row(s) of {self.store.path} skipped"

    def refresh(self) -> bool:
        """Read the runs other processes recorded since this one last looked (a `fetchtui run`
        in another terminal while the monitor is open); whether any came."""
        if self.store is None:
            return False
        from fetchtui.core.history.store import HistoryError

        known = {r.number for r in self.runs if r.recorded}
        try:
            stored = self.store.runs(after=max(known, default=0))
        except HistoryError:
            return False  # a busy or vanished file: the next look tries again
        new = [run.record for run in stored if run.record.number not in known]
        self.runs.extend(new)
        return bool(new)

    def close(self) -> None:
        """Close the file, its last writes checkpointed: the command does, before it ends."""
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, config: RunConfig, key: str, summary: RunSummary, *, on_disk: bool = True,
            on_busy: Callable[[], None] | None = None) -> RunRecord:
        """Add a run of `config` (and record it, unless `on_disk` is false: a replay is no new
        run): its concurrency and its model-and-client label name it."""
        workers, client = config.concurrency, config.label
        number = (self.runs[-1].number if self.runs else 0) + 1
        # "-" in a history table: a run a wanted history file could not take (none asked: numbered)
        recorded = (self.store is None and self.problem is None) or not on_disk
        if self.store is not None and on_disk:
            from fetchtui.core.history.store import HistoryError

            try:
                number = self.store.add(self.front_end, workers, client, key, summary,
                                        patience=self.patience, on_busy=on_busy)
                recorded = True
            except HistoryError as exc:
                self.problem = str(exc)
        record = RunRecord(number, workers, client, key, summary, recorded)
        self.runs.append(record)
        return record

    def baseline(self, record: RunRecord) -> RunRecord | None:
        """The latest complete 1-worker run of the same list and client, if any: under any
        model, the seed's sequential run is the one to beat (a client `requests, 2
        processes` is measured against `requests` at 1 worker)."""
        python = _python(record)
        for client in dict.fromkeys((record.client, record.client.split(",")[0])):
            for other in reversed(self.runs):  # asyncio at 1 task first, else the client's
                if (other.list_key == record.list_key and other.workers == 1 and other.complete
                        and other.client == client and _python(other) in (python, None)):
                    return other
        return None

    def speedup(self, record: RunRecord) -> float | None:
        """1-worker elapsed / this run's elapsed: the seed's sequential-vs-pool comparison."""
        base = self.baseline(record)
        if base is None or not record.complete or record.elapsed_s <= 0:
            return None
        return base.elapsed_s / record.elapsed_s

    def speedup_of(self, record: RunRecord) -> Speedup | None:
        """The speedup against the same list's 1-worker run; failing one, per request against a
        1-worker run of the same URLs in other numbers (the seed's 10 requests, then 200)."""
        whole = self.speedup(record)
        if whole is not None:
            return Speedup(whole, per_request=False)
        if not record.complete or record.elapsed_s <= 0 or record.summary.submitted <= 0:
            return None
        python, mix = _python(record), url_mix(record.summary)
        if mix is None:
            return None
        for client in dict.fromkeys((record.client, record.client.split(",")[0])):
            for other in reversed(self.runs):
                if (other.workers == 1 and other.complete and other.client == client
                        and other.summary.submitted > 0 and other.elapsed_s > 0
                        and _python(other) in (python, None) and url_mix(other.summary) == mix):
                    per_base = other.elapsed_s / other.summary.submitted
                    return Speedup(per_base / (record.elapsed_s / record.summary.submitted),
                                   per_request=True)
        return None


@dataclass(frozen=True, slots=True)
class Speedup:
    """A run's speedup against a 1-worker run: of the same list, or `per_request` of the same
    URLs in the same proportions but other numbers."""

    value: float
    per_request: bool

    def __str__(self) -> str:
        return f"{self.value:.2f}x{'/req' if self.per_request else ''}"


def url_mix(summary: RunSummary) -> tuple[tuple[str, float], ...] | None:
    """A list's URLs in order, each with its share of the requests: two lists with the same
    mix differ only in how many times they run it. None when the summary lacks some URLs."""
    rows = summary.by_url
    total = sum(r.requests for r in rows)
    if not rows or total <= 0 or summary.url_count > len(rows):
        return None
    return tuple((r.url, round(r.requests / total, 9)) for r in rows)


def list_label(summary: RunSummary, width: int = 40) -> str:
    """The list a run fetched, in a few words: `127.0.0.1:8765/delay/100 x200 +5 URLs`."""
    rows = summary.by_url
    if not rows:
        return "-"
    first = rows[0].url.split("://", 1)[-1]
    more = max(summary.url_count, len(rows)) - 1
    tail = f" x{rows[0].requests}" + (f" +{more} URL{'s' if more != 1 else ''}" if more else "")
    room = max(8, width - len(tail))
    if len(first) > room:  # shortened from the left: a path's end tells two URLs apart
        first = "…" + first[len(first) - room + 1:]
    return first + tail


def _python(record: RunRecord) -> str | None:
    """The interpreter a run names (`3.13t`): a speedup compares runs on the same one (a run
    recorded before runs named theirs matches any)."""
    python = record.summary.python
    return python.short if python is not None else None
