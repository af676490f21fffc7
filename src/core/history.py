"""Every run of a session, with its speedup against the 1-worker run of the same list."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from fetchtui.core.summary import RunSummary
from fetchtui.core.targets import Target


def list_key(targets: Sequence[Target]) -> str:
    """Identifies a list by its URLs in order, so runs of the same list can be compared."""
    digest = hashlib.sha1(usedforsecurity=False)
    for target in targets:
        digest.update(target.url.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One finished run: its settings and its summary (the JSON export's summary object)."""

    number: int
    workers: int
    backend: str
    list_key: str
    summary: RunSummary

    @property
    def elapsed_s(self) -> float:
        return self.summary.elapsed_s

    @property
    def complete(self) -> bool:
        return self.summary.complete


class History:
    """The runs since the app (or the sweep) started, oldest first."""

    def __init__(self) -> None:
        self.runs: list[RunRecord] = []

    def add(self, workers: int, backend: str, key: str, summary: RunSummary) -> RunRecord:
        record = RunRecord(len(self.runs) + 1, workers, backend, key, summary)
        self.runs.append(record)
        return record

    def baseline(self, record: RunRecord) -> RunRecord | None:
        """The latest complete 1-worker run of the same list and backend, if any."""
        for other in reversed(self.runs):
            if (other.list_key == record.list_key and other.workers == 1 and other.complete
                    and other.backend == record.backend):
                return other
        return None

    def speedup(self, record: RunRecord) -> float | None:
        """1-worker elapsed / this run's elapsed: the seed's sequential-vs-pool comparison."""
        base = self.baseline(record)
        if base is None or not record.complete or record.elapsed_s <= 0:
            return None
        return base.elapsed_s / record.elapsed_s
