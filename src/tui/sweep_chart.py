"""The sweep chart: req/s against workers, beside the ideal line and the GIL ceiling."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from fetchtui.core.history import History, RunRecord
from fetchtui.core.sweep import points


class SweepChart(PlotextPlot):
    """Redrawn when a sweep run ends: PlotextPlot rebuilds the whole plot on each render."""

    def show(self, history: History, runs: list[RunRecord]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("throughput vs workers (measured, ideal linear, GIL ceiling)")
        plt.xlabel("workers (log scale)")
        plt.xscale("log")
        plt.ylabel("req/s")
        swept = sorted(points(history, runs), key=lambda p: p.record.workers)
        if swept:
            workers = [p.record.workers for p in swept]
            plt.xticks([float(w) for w in workers], [str(w) for w in workers])
            measured = [float(p.record.summary["rps"]) for p in swept]
            plt.plot(workers, measured, label="measured", marker="braille")
            base = next((p for p in swept if p.record.workers == 1), None)
            if base is not None:
                ideal = [float(base.record.summary["rps"]) * p.ideal_speedup for p in swept]
                plt.plot(workers, ideal, label="ideal", marker="braille")
            ceilings = [p.ceiling_rps for p in swept if p.ceiling_rps]
            if ceilings:
                ceiling = sum(ceilings) / len(ceilings)
                plt.plot(workers, [ceiling] * len(workers), label="GIL ceiling", marker="braille")
        self.refresh()
