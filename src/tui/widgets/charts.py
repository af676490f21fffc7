"""Charts of the current run: throughput over time and the latency histogram."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widgets import Label
from textual_plotext import PlotextPlot

from fetchtui.core.stats import RunStats
from fetchtui.core.stats.series import latency_histogram, resize_marks, throughput

BUCKETS = 60
BINS = 30


class Charts(Vertical):
    """Redrawn a few times a second while shown: PlotextPlot rebuilds the plot every render."""

    series: list[float] = []  # the throughput shown (req/s per slice), as tests read it
    marks: list[tuple[float, int]] = []  # the resizes marked on it: (s, workers)

    def compose(self) -> ComposeResult:
        yield Label("throughput over the run (requests finished per second)", classes="caption")
        with Container(id="chart-plots"):  # one above the other; side by side on a short screen
            yield PlotextPlot(id="throughput")
            yield PlotextPlot(id="latency")

    def show(self, stats: RunStats | None, now_ns: int | None = None) -> None:
        series = self.series = throughput(stats, BUCKETS, now_ns) if stats else []
        self.marks = resize_marks(stats) if stats else []
        caption = self.query_one(Label)
        # at most ~60 columns: an 80-column terminal cut the longer one mid-word
        caption.update(f"throughput over the run: up to {max(series, default=0):.0f} req/s"
                       f"{'; | marks a resize' if self.marks else ''}")
        self._throughput(stats, series, now_ns)
        self._latency(stats)

    def refresh_from(self, stats: RunStats | None, now_ns: int | None) -> None:
        """LiveView: both charts drawn again."""
        self.show(stats, now_ns)

    def _blank(self, selector: str, title: str, x: str, y: str) -> PlotextPlot:
        """A plot cleared of the last frame's data, its title and axes named."""
        plot = self.query_one(selector, PlotextPlot)
        plot.plt.clear_data()
        plot.plt.clear_figure()
        if title:
            plot.plt.title(title)
        plot.plt.xlabel(x)
        plot.plt.ylabel(y)
        return plot

    def _throughput(self, stats: RunStats | None, series: list[float], now_ns: int | None) -> None:
        """req/s over time, a vertical line where the pool was resized, labelled with its size."""
        # short: plotext drops an axis label wider than its plot (half of 80 columns)
        plot = self._blank("#throughput", "", "time into the run (s)", "req/s")
        plt = plot.plt
        if stats is not None and series:
            width = stats.elapsed_s(now_ns) / len(series)
            plt.plot([(n + 0.5) * width for n in range(len(series))], series, marker="braille")
            top, span = max(series), stats.elapsed_s(now_ns)
            for n, (t_s, workers) in enumerate(self.marks):
                plt.vline(t_s, "orange")
                following = self.marks[n + 1][0] if n + 1 < len(self.marks) else None
                if following is None or following - t_s > span / 12:  # a burst of keys: its last
                    plt.text(f"{workers}w", t_s, top, color="orange")
        plot.refresh()

    def _latency(self, stats: RunStats | None) -> None:
        plot = self._blank("#latency", "latency histogram", "latency (ms)", "requests")
        plt = plot.plt
        edges, counts = latency_histogram(stats, BINS) if stats else ([], [])
        if counts:
            # plotext's own evenly spaced ticks: the bars' edges as ticks went through a set, and
            # which of them fitted depended on the process's string hashing, not on the data
            plt.bar(edges, counts, width=1, reset_ticks=False)
        plot.refresh()
