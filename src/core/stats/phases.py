"""Where the requests' time went (DNS, connect, TLS, wait, receive) and how connections were used."""

from __future__ import annotations

from collections.abc import Sequence

from fetchtui.core.events import NONE_FIELD, PHASE_NAMES, PhaseFields
from fetchtui.core.stats.samples import Samples
from fetchtui.core.summary import Connections, Latency


class PhaseStats:
    """Each phase's samples, and connections opened against reused."""

    def __init__(self) -> None:
        self.samples = {name: Samples() for name in PHASE_NAMES}
        self.opened = 0
        self.reused = 0
        self._setup_ns = 0  # DNS + connect + TLS of the requests that opened a connection

    def add(self, phases: PhaseFields) -> None:
        """One request's phases, as Phases' fields."""
        samples = self.samples
        dns, connect, tls, wait, receive, _, reused = phases
        if dns is not None:
            samples["dns"].add(dns)
        if connect is not None:
            samples["connect"].add(connect)
        if tls is not None:
            samples["tls"].add(tls)
        if wait is not None:
            samples["wait"].add(wait)
        if receive is not None:
            samples["receive"].add(receive)
        if reused is True:
            self.reused += 1
        elif reused is False:
            self.opened += 1
            self._setup_ns += (dns or 0) + (connect or 0) + (tls or 0)

    def add_rows(self, columns: Sequence[Sequence[int]], reused: Sequence[int]) -> None:
        """Rows' phases: a column a phase in PHASE_NAMES' order (NONE_FIELD: the row has no
        such phase, or no phases), and `reused` a row's 1, 0 or -1 (not known)."""
        for name, column in zip(PHASE_NAMES, columns, strict=True):
            if min(column) != NONE_FIELD:  # every row had it: the usual wait and receive
                self.samples[name].add_all(column)
            elif max(column) != NONE_FIELD:
                self.samples[name].add_all(value for value in column if value != NONE_FIELD)
        self.reused += reused.count(1)
        opened = reused.count(0)
        if opened:
            self.opened += opened
            dns, connect, tls = columns[0], columns[1], columns[2]
            none = NONE_FIELD
            self._setup_ns += sum((d if d != none else 0) + (c if c != none else 0) + (t if t != none else 0)
                                  for d, c, t, r in zip(dns, connect, tls, reused, strict=True) if r == 0)

    def connections(self) -> Connections:
        return Connections(self.opened, self.reused)

    def setup_ms(self) -> float | None:
        """Mean DNS + connect + TLS of the requests that opened a connection (ms): what each
        request that reused one did not wait for."""
        return self._setup_ns / self.opened / 1e6 if self.opened else None

    def latency_ms(self, final: bool) -> dict[str, Latency]:
        """p50/p90/p99/max of each phase, over the requests that had it (ms)."""
        return {name: samples.latency(final) for name, samples in self.samples.items()}
