"""The parsed list, kept compact: runs of one line (`URL xN`), their URLs packed in chunks.

A million distinct URLs as a million Target objects took 413 MB at peak; here each line is
a few array slots and its characters, and the Target a worker needs is built as it reaches
it. A line repeated a million times is one run.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from fetchtui.core.input.targets import RequestSpec, Target

CHUNK_RUNS = 4096  # URLs joined into one string: a few hundred KB each


class TargetList(Sequence["Target"]):
    """Every request of a list, by index, as runs of (target, count)."""

    def __init__(self) -> None:
        self._ends = array("q")  # cumulative request count at the end of each run (bisect)
        self._lines = array("l")  # each run's line number in the list
        self._spec_ids = array("l")
        self._specs: list[RequestSpec] = []
        self._spec_index: dict[RequestSpec, int] = {}
        self._starts = array("l")  # each run's URL: start offset within its chunk
        self._chunks: list[str] = []
        self._pending: list[str] = []  # URLs of the chunk being filled
        self._pending_len = 0
        self._last: tuple[int, Target] | None = None  # the run a worker read last

    @classmethod
    def of(cls, targets: Iterable[Target]) -> TargetList:
        """A list of the given targets in order, consecutive equal ones as one run."""
        out = cls()
        previous, count = None, 0
        for target in targets:
            if target == previous:
                count += 1
                continue
            if previous is not None:
                out.add(previous.url, previous.line, previous.spec, count)
            previous, count = target, 1
        if previous is not None:
            out.add(previous.url, previous.line, previous.spec, count)
        return out

    # -- building ----------------------------------------------------------------------
    def add(self, url: str, line: int, spec: RequestSpec, count: int) -> None:
        """Append `count` requests of `url` (from list line `line`)."""
        if self._ends and self._same_as_last(url, line, spec):
            self._ends[-1] += count
            return
        if len(self._pending) == CHUNK_RUNS:
            self._seal()
        self._starts.append(self._pending_len)
        self._pending.append(url)
        self._pending_len += len(url)
        self._ends.append((self._ends[-1] if self._ends else 0) + count)
        self._lines.append(line)
        spec_id = self._spec_index.get(spec)
        if spec_id is None:
            spec_id = self._spec_index[spec] = len(self._specs)
            self._specs.append(spec)
        self._spec_ids.append(spec_id)

    def _same_as_last(self, url: str, line: int, spec: RequestSpec) -> bool:
        run = len(self._ends) - 1
        return (self._lines[run] == line and self._specs[self._spec_ids[run]] == spec
                and self._url(run) == url)

    def _seal(self) -> None:
        self._chunks.append("".join(self._pending))
        self._pending.clear()
        self._pending_len = 0

    def _url(self, run: int) -> str:
        chunk, slot = divmod(run, CHUNK_RUNS)
        start = self._starts[run]
        if chunk == len(self._chunks):  # the chunk being filled
            return self._pending[slot]
        text = self._chunks[chunk]
        stop = self._starts[run + 1] if slot + 1 < CHUNK_RUNS and run + 1 < len(self._starts) else len(text)
        return text[start:stop]

    # -- reading -----------------------------------------------------------------------
    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> Target: ...

    @overload
    def __getitem__(self, index: slice) -> list[Target]: ...

    def __getitem__(self, index: int | slice) -> Target | list[Target]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("target index out of range")
        run = bisect.bisect_right(self._ends, index)
        last = self._last
        if last is not None and last[0] == run:
            return last[1]
        target = self.run_target(run)
        self._last = (run, target)
        return target

    @property
    def run_count(self) -> int:
        """How many runs (a line and its `xN` repeats are one)."""
        return len(self._ends)

    def run_ends(self) -> array[int]:
        """Each run's end in the list: the count of requests up to and with it (run_of bisects them)."""
        return self._ends

    def run_of(self, index: int) -> int:
        """The run request `index` (of the list's length) belongs to."""
        return bisect.bisect_right(self._ends, index)

    def run_target(self, run: int) -> Target:
        from fetchtui.core.input.targets import Target, mask_url

        url = self._url(run)
        return Target(url, mask_url(url) if "@" in url else url, self._lines[run],
                      self._specs[self._spec_ids[run]])

    def runs(self) -> Iterator[tuple[Target, int]]:
        """(target, how many times in a row), in list order."""
        begin = 0
        for run, end in enumerate(self._ends):
            yield self.run_target(run), end - begin
            begin = end

    def url_runs(self) -> Iterator[tuple[str, int]]:
        """(URL, how many times in a row), without building a Target for each."""
        begin = 0
        for run, end in enumerate(self._ends):
            yield self._url(run), end - begin
            begin = end

    def __iter__(self) -> Iterator[Target]:
        for target, count in self.runs():
            for _ in range(count):
                yield target

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, ...]:
        # the chunk being filled travels sealed: what arrives is read, never added to
        chunks = self._chunks + (["".join(self._pending)] if self._pending else [])
        return (_rebuild, (self._ends, self._lines, self._spec_ids, self._specs, self._starts, chunks))

    def __repr__(self) -> str:
        return f"TargetList({len(self)} requests in {len(self._ends)} runs)"


def _rebuild(ends: array[int], lines: array[int], spec_ids: array[int], specs: list[RequestSpec],
             starts: array[int], chunks: list[str]) -> TargetList:
    out = TargetList()
    out._ends, out._lines, out._spec_ids, out._specs = ends, lines, spec_ids, specs
    out._spec_index = {spec: i for i, spec in enumerate(specs)}
    out._starts, out._chunks = starts, chunks
    return out
