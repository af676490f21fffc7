"""A batch of request rows as numpy columns: the one form the fold takes requests in.

Rows (RequestRows) are read in place with np.frombuffer, their texts from their side table:
every source hands its requests as rows, so this is the one way in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from fetchtui.core.runs.events import (
    ERROR_KINDS,
    FINISHED_ROW,
    NONE_FIELD,
    STARTED_ROW,
    VERSIONS,
    RequestRows,
    ThreadInfo,
)

Ints = NDArray[np.int64]
NONE = NONE_FIELD
NO_PHASES = -2  # a `reused` cell of an end that recorded no phases at all
_I8 = np.dtype("<i8")


class Codes:
    """Texts a row holds as a number: HTTP versions and error kinds (the rows' own first,
    then any other a batch's side table brought, numbered as they come)."""

    def __init__(self) -> None:
        self.versions: list[str | None] = list(VERSIONS)
        self.kinds: list[str] = list(ERROR_KINDS)
        self._version_code = {version: code for code, version in enumerate(self.versions)}
        self._kind_code = {kind: code for code, kind in enumerate(self.kinds)}

    def version(self, text: str | None) -> int:
        code = self._version_code.get(text)
        if code is None:
            code = self._version_code[text] = len(self.versions)
            self.versions.append(text)
        return code

    def kind(self, text: str | None) -> int:
        if text is None:
            return -1
        code = self._kind_code.get(text)
        if code is None:
            code = self._kind_code[text] = len(self.kinds)
            self.kinds.append(text)
        return code


@dataclass(slots=True)
class Starts:
    """Requests that began: `thread` indexes `infos`; `due` NONE where none was scheduled."""

    req_id: Ints
    t_ns: Ints
    thread: Ints
    due: Ints
    infos: Sequence[ThreadInfo]  # the stream's table: kept across batches, it only grows


@dataclass(slots=True)
class Ends:
    """Requests that ended: codes as Codes and OUTCOMES number them (-1: none), `phases` a
    column each of dns, connect, tls, wait, receive and conn_id (NONE where it had none),
    `reused` 1, 0, -1 (not known) or NO_PHASES; `errors` the text of the rows that have one."""

    req_id: Ints
    t_ns: Ints
    outcome: Ints
    status: Ints
    nbytes: Ints
    cpu: Ints
    version: Ints
    phases: Ints  # shape (6, n)
    reused: Ints
    kind: Ints
    errors: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.req_id)


def from_rows(rows: RequestRows, codes: Codes) -> tuple[Starts | None, Ends | None]:
    """A RequestRows' starts and ends, read in place (the rows are little-endian int64s); a
    text in its side table numbered as `codes` numbers it."""
    starts = ends = None
    if rows.started:
        s = np.frombuffer(rows.started, _I8).reshape(-1, STARTED_ROW.size // 8).T
        starts = Starts(s[0], s[1], s[2], s[3], rows.threads)
    if rows.finished:
        f = np.frombuffer(rows.finished, _I8).reshape(-1, FINISHED_ROW.size // 8).T
        reused = f[15] if f[8].all() else np.where(f[8] != 0, f[15], NO_PHASES)
        version, kind, errors = f[7], f[16], {}
        if rows.texts:
            texts = rows.texts
            version, kind = version.copy(), kind.copy()
            for at in np.flatnonzero(version <= -2).tolist():
                version[at] = codes.version(texts[-2 - int(version[at])])
            for at in np.flatnonzero(kind <= -2).tolist():
                kind[at] = codes.kind(texts[-2 - int(kind[at])])
            errors = {at: texts[-2 - int(f[17][at])] for at in np.flatnonzero(f[17] != -1).tolist()}
        ends = Ends(f[0], f[1], f[3], f[4], f[5], f[6], version, f[9:15], reused, kind, errors)
    return starts, ends
