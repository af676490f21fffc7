"""Charts of the current run: throughput over time and the latency histogram."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline
from textual_plotext import PlotextPlot

from fetchtui.core.stats import RunStats
from fetchtui.core.stats.series import latency_histogram, throughput

BUCKETS = 60
BINS = 30


class Charts(Vertical):
    """Redrawn a few times a second while shown: PlotextPlot rebuilds the plot every render."""

    def compose(self) -> ComposeResult:
        yield Label("throughput over the run (requests finished per second)", classes="caption")
        yield Sparkline([], id="throughput")
        yield PlotextPlot(id="latency")

    def show(self, stats: RunStats | None, now_ns: int | None = None) -> None:
        series = throughput(stats, BUCKETS, now_ns) if stats else []
        self.query_one(Sparkline).data = series
        caption = self.query_one(Label)
        caption.update(f"throughput over the run: up to {max(series, default=0):.0f} req/s "
                       f"(each column is 1/{BUCKETS} of the run)")
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("latency histogram")
        plt.xlabel("ms")
        plt.ylabel("requests")
        edges, counts = latency_histogram(stats, BINS) if stats else ([], [])
        if counts:
            plt.bar(edges, counts, width=1)
        plot.refresh()
