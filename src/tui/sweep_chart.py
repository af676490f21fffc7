"""The sweep charts: elapsed time and req/s against workers, beside the ideal and the GIL ceiling."""

from __future__ import annotations

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
        if len({r.backend for r in runs}) > 1:
            self._compare(history, runs)
            return
        self.compared = []
        swept = sorted(points(history, runs), key=lambda p: p.record.workers)
        self._plot("#sweep-elapsed", "elapsed vs workers (measured, ideal)", "s", swept,
                   [("measured", [p.record.elapsed_s for p in swept]),
                    ("ideal", [p.ideal_elapsed_s for p in swept])])
        ceiling = mean_ceiling(swept)
        self._plot("#sweep-rps", "req/s vs workers (measured, ideal, GIL ceiling)", "req/s", swept,
                   [("measured", [p.record.summary.rps for p in swept]),
                    ("ideal", [p.ideal_rps for p in swept]),
                    ("GIL ceiling", [ceiling] * len(swept))])

    def _compare(self, history: History, runs: list[RunRecord]) -> None:
        """Models side by side: req/s beside each one's GIL ceiling (processes: one per core
        they ran on), and CPU per request: the price each pays for a request."""
        swept = points(history, runs)
        labels = self.compared = [f"{p.record.backend} ({p.record.workers})" for p in swept]
        rps = self.query_one("#sweep-rps", PlotextPlot)
        plt = rps.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("req/s by model (measured, GIL ceiling)")
        plt.multiple_bar(labels, [[p.record.summary.rps for p in swept],
                                  [p.ceiling_rps or 0.0 for p in swept]],
                         labels=["measured", "GIL ceiling"],  # type: ignore[call-arg]  # its stub says label
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
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        plt.xlabel("workers (log scale)")
        plt.ylabel(unit)
        plt.xscale("log")
        workers = [float(p.record.workers) for p in swept]
        if workers:
            plt.xticks(workers, [str(int(w)) for w in workers])
        for label, values in series:
            if workers and all(v is not None for v in values):
                plt.plot(workers, [float(v) for v in values if v is not None], label=label,
                         marker="braille")
        plot.refresh()
