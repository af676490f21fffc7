"""Each URL's own figures: a row per distinct URL of the list, in list order.

A `URL x100` line is one URL; the same URL on two lines is one row too. The rows' figures are
made when asked (a summary at the end, a view a few times a second), from the request
columns (stats/figures.py), so the fold pays nothing for them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from fetchtui.core.input.target_list import TargetList
from fetchtui.core.input.targets import Target

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


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

    def rows_of(self, size: int) -> NDArray[np.int64]:
        """The row of each id below `size` (a duration repeats the list)."""
        import numpy as np

        row_of_run = np.frombuffer(self._build(), np.int64)
        ends = np.frombuffer(self.runs.run_ends(), np.int64)
        return row_of_run[np.searchsorted(ends, np.arange(size) % self.listed, side="right")]

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
