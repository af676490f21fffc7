"""The sweep charts: elapsed time and req/s against workers, beside the ideal and the GIL ceiling."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual_plotext import PlotextPlot

from fetchtui.core.history import History, RunRecord
from fetchtui.core.sweep import SweepPoint, mean_ceiling, points


class SweepChart(Horizontal):
    """Redrawn when a sweep run ends: PlotextPlot rebuilds the whole plot on each render."""

    compared: list[str] = []  # the models side by side, as labelled (tests read it)

    def compose(self) -> ComposeResult:
        yield PlotextPlot(id="sweep-elapsed")
        yield PlotextPlot(id="sweep-rps")

    def show(self, history: History, runs: list[RunRecord]) -> None:
        if len({r.backend for r in runs}) > 1 or (len(runs) > 1 and len({r.workers for r in runs}) == 1):
            self._compare(history, runs)  # models (or interpreters) side by side, not a sweep
            return
        self.compared = []
        swept = sorted(points(history, runs), key=lambda p: p.record.workers)
        pythons = list(dict.fromkeys(_python(p.record) for p in swept))
        if len(pythons) > 1:  # one line and one ceiling per interpreter
            self._by_python(swept, pythons)
            return
        self._plot("#sweep-elapsed", "elapsed vs workers (measured, ideal)", "s", swept,
                   [("measured", [p.record.elapsed_s for p in swept]),
                    ("ideal", [p.ideal_elapsed_s for p in swept])])
        ceiling = mean_ceiling(swept)
        self._plot("#sweep-rps", f"req/s vs workers (measured, ideal, ceiling{_on(pythons[0])})", "req/s",
                   swept, [("measured", [p.record.summary.rps for p in swept]),
                           ("ideal", [p.ideal_rps for p in swept]),
                           ("ceiling", [ceiling] * len(swept))])

    def _by_python(self, swept: list[SweepPoint], pythons: list[str]) -> None:
        """The same sweep on several interpreters: each its measured line and its own ceiling."""
        elapsed: list[tuple[str, list[SweepPoint], list[float | None]]] = []
        rps: list[tuple[str, list[SweepPoint], list[float | None]]] = []
        for python in pythons:
            mine = [p for p in swept if _python(p.record) == python]
            ceiling = mean_ceiling(mine)
            elapsed.append((python, mine, [p.record.elapsed_s for p in mine]))
            rps.append((python, mine, [p.record.summary.rps for p in mine]))
            rps.append((f"ceiling {python}", mine, [ceiling] * len(mine)))
        self._plot_each("#sweep-elapsed", "elapsed vs workers, by Python", "s", swept, elapsed)
        self._plot_each("#sweep-rps", "req/s vs workers, by Python (measured, ceiling)", "req/s", swept, rps)

    def _compare(self, history: History, runs: list[RunRecord]) -> None:
        """Models side by side: req/s beside each one's GIL ceiling (processes: one per core
        they ran on), and CPU per request: the price each pays for a request."""
        swept = points(history, runs)
        several = len({_short(p.record) for p in swept}) > 1
        labels = self.compared = [f"{p.record.backend}{f' {_short(p.record)}' if several else ''} "
                                  f"({p.record.workers})" for p in swept]
        rps = self.query_one("#sweep-rps", PlotextPlot)
        plt = rps.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("req/s by model (measured, ceiling)")
        plt.multiple_bar(labels, [[p.record.summary.rps for p in swept],
                                  [p.ceiling_rps or 0.0 for p in swept]],
                         labels=["measured", "ceiling"],  # type: ignore[call-arg]  # its stub says label
                         orientation="horizontal")
        rps.refresh()
        cpu = self.query_one("#sweep-elapsed", PlotextPlot)
        plt = cpu.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("client CPU per request (ms)")
        plt.bar(labels, [p.record.summary.cpu_ms_per_request for p in swept], orientation="horizontal")
        cpu.refresh()

    def _plot(self, selector: str, title: str, unit: str, swept: list[SweepPoint],
              series: list[tuple[str, list[float | None]]]) -> None:
        self._plot_each(selector, title, unit, swept, [(label, swept, values) for label, values in series])

    def _plot_each(self, selector: str, title: str, unit: str, swept: list[SweepPoint],
                   series: list[tuple[str, list[SweepPoint], list[float | None]]]) -> None:
        """Lines over the sweep's worker counts, each over its own runs."""
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        plt.xlabel("workers (log scale)")
        plt.ylabel(unit)
        # x is log10(workers) on a linear axis, ticks named by the counts: plotext's own log
        # scale takes the log of its data in place, so a redraw (a resize) took it again
        workers = sorted({p.record.workers for p in swept})
        if workers:
            plt.xticks([math.log10(w) for w in workers], [str(w) for w in workers])
        for label, runs, values in series:
            if runs and all(v is not None for v in values):
                xs = [math.log10(p.record.workers) for p in runs]
                plt.plot(xs, [float(v) for v in values if v is not None], label=label, marker="braille")
        plot.refresh()


def _python(record: RunRecord) -> str:
    """The interpreter a run names (`3.13t`), or "" for a run recorded before runs named it."""
    python = record.summary.python
    return python.label if python is not None else ""


def _short(record: RunRecord) -> str:
    """`3.13t`: a bar's label has no room for more (the `t` says free-threaded)."""
    python = record.summary.python
    return python.short if python is not None else "?"


def _on(python: str) -> str:
    return f", {python}" if python else ""
