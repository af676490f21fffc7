"""What a comparison of runs says in words: its title, its point, and its table of figures."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from fetchtui.core.history.records import RunRecord
from fetchtui.core.report.summary import StateSeconds
from fetchtui.core.runs.sweep import SweepPoint


def short_python(record: RunRecord) -> str:
    """`3.13t`: a bar's label has no room for more (the `t` says free-threaded)."""
    python = record.summary.python
    return python.short if python is not None else "?"


def python_label(record: RunRecord) -> str:
    """The interpreter a run names (`3.13t GIL off`), or "" for a run recorded before runs named it."""
    python = record.summary.python
    return python.label if python is not None else ""


def labels(swept: Sequence[SweepPoint]) -> list[str]:
    """A run's name in the comparison: its client (and model), its Python if they differ, its workers."""
    several = len({short_python(p.record) for p in swept}) > 1
    return [f"{p.record.client}{f' {short_python(p.record)}' if several else ''} ({p.record.workers})"
            for p in swept]


def title(swept: Sequence[SweepPoint]) -> str:
    """What is compared: the one thing the runs differ in, and what they share."""
    records = [p.record for p in swept]
    clients = {r.client for r in records}
    pythons = {short_python(r) for r in records}
    workers = {r.workers for r in records}
    shared = f", {records[0].workers} workers" if len(workers) == 1 and records else ""
    if len(clients) == 1 and len(pythons) > 1:
        return f"req/s by Python: {records[0].client}{shared}"
    if len(clients) > 1 and len(pythons) == 1:
        models = any("," in b for b in clients)  # "pycurl, 2 processes": a model named beside its client
        return f"req/s by {'model and client' if models else 'client'}{shared}"
    return f"req/s by run{shared}"


def point(swept: Sequence[SweepPoint]) -> str:
    """The comparison's point in one line: who is faster, and by how much against the first."""
    if len(swept) < 2:
        return ""
    names = labels(swept)
    rates = [p.record.summary.rps for p in swept]
    best = max(range(len(swept)), key=lambda i: rates[i])
    first = rates[0]
    records = [p.record for p in swept]
    if len({r.client for r in records}) == 1 and len({short_python(r) for r in records}) == 2 \
            and len({r.workers for r in records}) == 1:  # GIL on against GIL off
        other = 1 - best if len(swept) == 2 else 0
        ratio = rates[best] / rates[other] if rates[other] else 0.0
        faster, slower = (python_label(records[n]) or short_python(records[n]) for n in (best, other))
        return (f"at {records[0].workers} workers {faster} is {ratio:.2f}x as fast as {slower}"
                f" ({rates[best]:,.0f} against {rates[other]:,.0f} req/s)")
    if best == 0:
        return f"fastest: the first, {names[0]}, {first:,.0f} req/s"
    ratio = rates[best] / first if first else 0.0
    return f"fastest: {names[best]}, {rates[best]:,.0f} req/s, {ratio:.2f}x the first ({names[0]})"


#: A bar's glyphs: whole cells, then the last cell's eighths (a bar is read without colour too).
BAR = "█"
EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, top: float, cells: int) -> str:
    """`value` as a bar of `cells` at most, `top` filling them all, padded to `cells`."""
    eighths = round(cells * 8 * value / top) if top > 0 else 0
    whole, part = divmod(max(0, min(eighths, cells * 8)), 8)
    return (BAR * whole + (EIGHTHS[part] if part else "")).ljust(cells)


#: Narrower than this, a comparison's table leaves out elapsed time (for one list, req/s says it).
ROOMY = 110
#: The gil and lock columns' width, with their padding
WAITS_WIDTH = 10


def _waits(states: StateSeconds | None) -> list[str]:
    """The gil and lock cells: each a share of the threads' sampled time, "-" if not sampled."""
    shares = states.shares if states is not None else {}
    return [f"{shares[name]:.0%}" if shares else "-" for name in ("gil", "lock")]


def table(swept: Sequence[SweepPoint], width: int) -> Table:
    """Each run's figures in a table `width` wide: its req/s as a number and as a bar on the
    fastest run's scale (not the GIL ceiling's: ten times as far, it made every bar a sliver),
    and as a ratio to the first run's."""
    roomy = width >= ROOMY
    # where the threads waited, when a run was sampled: the GIL's share vanishes on a Python
    # without one, and a shared Session's lock shows there instead
    waits = any(p.record.summary.thread_states is not None for p in swept)
    caption = "CPU/req: the client's CPU time a request; ceiling: the req/s the GIL allows at that CPU time"
    if waits:
        caption += "; gil, lock: the share of the threads' time waiting for the GIL, for another lock"
    grid = Table(box=None, padding=(0, 0, 0, 1), show_edge=False, header_style="bold", expand=False,
                 caption=caption, caption_justify="left")
    grid.add_column("run", no_wrap=True, overflow="ellipsis", max_width=30 if roomy else 20)
    grid.add_column("req/s", justify="right", no_wrap=True)
    cells = max(0, min(24, width - (78 if roomy else 69) - (WAITS_WIDTH if waits else 0)))
    if cells:
        grid.add_column("", no_wrap=True, width=cells)
    heads = ["vs 1st", "p50 ms", "p99 ms", "CPU/req ms", "ceiling", *(("gil", "lock") if waits else ())]
    if roomy:
        heads.insert(1, "elapsed s")
    for head in heads:
        grid.add_column(head, justify="right", no_wrap=True)
    rates = [p.record.summary.rps for p in swept]
    first, top = (rates[0], max(rates)) if rates else (0.0, 0.0)
    for name, p in zip(labels(swept), swept, strict=True):
        summary = p.record.summary
        row = [name, f"{summary.rps:,.0f}", *([bar(summary.rps, top, cells)] if cells else []),
               f"{summary.rps / first:.2f}x" if first else "-",
               *([f"{summary.elapsed_s:.2f}"] if roomy else []),
               f"{summary.latency_ms.p50:.1f}", f"{summary.latency_ms.p99:.1f}",
               f"{summary.cpu_ms_per_request:.2f}", f"{p.ceiling_rps:,.0f}" if p.ceiling_rps else "-"]
        if waits:
            row += _waits(summary.thread_states)
        grid.add_row(*row)
    return grid
