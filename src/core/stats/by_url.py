"""Each URL's own figures: a row per distinct URL of the list, in list order.

A `URL x100` line is one URL; the same URL on two lines is one row too. The rows are made
when asked (a summary at the end, a view a few times a second), from the request records,
so the fold pays nothing for them.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from fetchtui.core.events import Outcome
from fetchtui.core.stats.records import NONE
from fetchtui.core.stats.samples import percentile
from fetchtui.core.summary import Latency, UrlFigures
from fetchtui.core.target_list import TargetList
from fetchtui.core.targets import Target

if TYPE_CHECKING:
    from fetchtui.core.stats.records import Records


class UrlRows:
    """Which row each line of the list counts in, and each row's URL as shown (masked)."""

    def __init__(self, targets: Sequence[Target]) -> None:
        #: the list as runs (a line and its repeats): a plain list (a replay's) is made one
        self.runs = targets if isinstance(targets, TargetList) else TargetList.of(targets)
        self.listed = max(1, len(targets))
        self._row_of_run: array[int] | None = None
        self._first_run = array("q")  # each row's first run: where its URL is read from
        self._run_sizes = array("q")

    def _build(self) -> array[int]:
        if self._row_of_run is None:
            # runs with the same URL share a row. One sorted copy of the hashes finds the
            # ones seen twice (a million distinct URLs: none, and no dict of them at all)
            hashes, sizes = array("q"), self._run_sizes
            for url, count in self.runs.url_runs():
                hashes.append(hash(url))
                sizes.append(count)
            ordered = sorted(hashes)
            twice = {ordered[i] for i in range(1, len(ordered)) if ordered[i] == ordered[i - 1]}
            del ordered
            row_of_run = array("q", bytes(8 * len(hashes)))
            rows_of: dict[int, int] = {}  # a repeated URL's hash -> its row
            for run, key in enumerate(hashes):
                row = rows_of.get(key) if key in twice else None
                if row is None:
                    row = len(self._first_run)
                    self._first_run.append(run)
                    if key in twice:
                        rows_of[key] = row
                row_of_run[run] = row
            self._row_of_run = row_of_run
        return self._row_of_run

    @property
    def count(self) -> int:
        self._build()
        return len(self._first_run)

    def row(self, req_id: int) -> int:
        return self._build()[self.runs.run_of(req_id % self.listed)]

    def spans(self, size: int) -> Iterator[tuple[int, int, int]]:
        """(row, first id, end id) of each stretch of ids in [0, size) that one run of the
        list holds, in id order (a duration repeats the list)."""
        row_of_run, listed = self._build(), self.listed
        for cycle in range(0, size, listed):
            begin = cycle
            for run, run_size in enumerate(self._run_sizes):
                stop = min(begin + run_size, size)
                if stop > begin:
                    yield row_of_run[run], begin, stop
                begin += run_size
                if begin >= size:
                    return

    def url(self, row: int) -> str:
        self._build()
        return self.runs.run_target(self._first_run[row]).display

    def planned(self, total: int) -> array[int]:
        """How many of the run's `total` requests each row has (a duration repeats the list)."""
        row_of_run = self._build()
        out = array("q", bytes(8 * self.count))
        cycles, rest = divmod(total, self.listed)
        begin = 0
        for run, size in enumerate(self._run_sizes):
            extra = max(0, min(size, rest - begin))
            out[row_of_run[run]] += size * cycles + extra
            begin += size
        return out


def url_figures(rows: UrlRows, records: Records, total: int, final: bool, limit: int | None = None,
                every_latency: Sequence[int] | None = None) -> Iterator[UrlFigures]:
    """The rows, in list order (the first `limit` of them, when given), one at a time.
    `every_latency`, in order: the run's own, which a one-row table's row has (not sorted twice)."""
    count = rows.count if limit is None else min(limit, rows.count)
    every_latency = every_latency if rows.count == 1 else None
    planned = rows.planned(total)
    ok, failed, cancelled, nbytes = (array("q", bytes(8 * count)) for _ in range(4))
    errors: dict[int, Counter[str]] = {}
    latencies: dict[int, list[int]] = {}
    none, ok_, cancelled_, failures = NONE, Outcome.OK, Outcome.CANCELLED, records.errors
    outcome_of, start_of, end_of, size_of = records.outcome, records.start, records.end, records.nbytes
    # a span of ids at a time, its tallies in C: a request at a time took ~1 µs, 25 ms of a
    # 20,000-request run's last frame
    for row, begin, stop in rows.spans(records.size):
        if row >= count:
            continue
        outcomes = outcome_of[begin:stop]
        tally = Counter(outcomes)
        ended_ok, ended_cancelled = tally.pop(ok_, 0), tally.pop(cancelled_, 0)
        unreported = tally.pop(None, 0)
        ok[row] += ended_ok
        cancelled[row] += ended_cancelled
        if tally:  # failures, by their error's kind
            failed[row] += sum(tally.values())
            kinds = errors.setdefault(row, Counter())
            for req_id, outcome in enumerate(outcomes, begin):
                if outcome is not None and outcome is not ok_ and outcome is not cancelled_:
                    kinds[failures.get(req_id, (None, None))[0] or "invalid"] += 1
        starts, ends, sizes = start_of[begin:stop], end_of[begin:stop], size_of[begin:stop]
        if unreported or ended_cancelled:  # only what ended, and was not cancelled, counts on
            ran = [outcome is not None and outcome is not cancelled_ for outcome in outcomes]
            starts, ends, sizes = (array("q", itertools.compress(c, ran)) for c in (starts, ends, sizes))
        nbytes[row] += sum(sizes)
        if every_latency is not None:
            continue
        if starts and min(starts) == none:
            took = [end - start for start, end in zip(starts, ends, strict=True) if start != none]
        else:
            took = list(map(operator.sub, ends, starts))
        if took:
            latencies.setdefault(row, []).extend(took)
    for row in range(count):
        ordered = every_latency if every_latency is not None else sorted(latencies.get(row, ()))
        p50, p90, p99 = (round(percentile(ordered, q) / 1e6, 3) for q in (50, 90, 99))
        lat = Latency(p50, p90, p99, round((ordered[-1] if ordered else 0) / 1e6, 3))
        # a request never started (a cancel, the end of a duration) has no record: it is
        # this row's all the same
        unaccounted = max(0, planned[row] - ok[row] - failed[row] - cancelled[row]) if final else 0
        yield UrlFigures(rows.url(row), planned[row], ok[row], failed[row],
                         cancelled[row] + unaccounted, lat, nbytes[row],
                         dict(sorted(errors.get(row, Counter()).items())))
