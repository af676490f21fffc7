"""The sweep charts: elapsed time and req/s against workers, beside the ideal and the GIL ceiling;
and a comparison's result: its table of figures and its req/s bars."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from fetchtui.core.history.records import History, RunRecord
from fetchtui.core.runs.sweep import SweepPoint, mean_ceiling, points
from fetchtui.tui.widgets import comparison

#: Each line's glyph, so a line is told apart without colour (NO_COLOR) and in the legend line.
MEASURED, IDEAL, CEILING = "●", "·", "─"
#: A second interpreter's measured line and ceiling (a third and more cycle these).
OTHER_MEASURED, OTHER_CEILING = ("+", "x"), ("=", "~")
BAR, CEILING_MARK, CEILING_PAST = "█", "┃", "»"
LABEL_WIDTH = 22  # a bar's name at most: the table beside it has the whole name


class SweepChart(Vertical):
    """Redrawn when a sweep run ends: PlotextPlot rebuilds the whole plot on each render."""

    DEFAULT_CSS = """
    SweepChart #sweep-point { height: auto; padding: 0 1; }
    SweepChart #sweep-table { height: auto; padding: 0 1; }
    SweepChart #sweep-plots { height: 1fr; }
    SweepChart #sweep-plots PlotextPlot { width: 1fr; height: 1fr; }
    """

    compared: list[str] = []  # the runs side by side, as labelled (tests read it)
    said: str = ""  # the line above the charts: the point and the legend (tests read it)
    axis_right = 0.0  # where the comparison's req/s axis ends (tests read it)
    _compared: list[SweepPoint] = []  # the comparison shown, for a resize to fit it again

    def compose(self) -> ComposeResult:
        yield Static("", id="sweep-point", markup=False)
        yield Static("", id="sweep-table")
        with Horizontal(id="sweep-plots"):
            yield PlotextPlot(id="sweep-elapsed")
            yield PlotextPlot(id="sweep-rps")

    def show(self, history: History, runs: list[RunRecord]) -> None:
        if len({r.client for r in runs}) > 1 or (len(runs) > 1 and len({r.workers for r in runs}) == 1):
            self._compare(history, runs)  # models (or interpreters) side by side, not a sweep
            return
        self.compared = []
        self._layout(comparing=False)
        swept = sorted(points(history, runs), key=lambda p: p.record.workers)
        pythons = list(dict.fromkeys(comparison.python_label(p.record) for p in swept))
        if len(pythons) > 1:  # one line and one ceiling per interpreter
            self._by_python(swept, pythons)
            return
        self._say(f"{MEASURED} measured  {IDEAL} ideal (from 1 worker)  {CEILING} GIL ceiling"
                  f"{_on(pythons[0])}{_best(swept)}")
        self._plot("#sweep-elapsed", "elapsed time vs workers", "elapsed (s)", swept,
                   [(MEASURED, [p.record.elapsed_s for p in swept]),
                    (IDEAL, [p.ideal_elapsed_s for p in swept])])
        ceiling = mean_ceiling(swept)
        self._plot("#sweep-rps", "throughput vs workers", "req/s", swept,
                   [(MEASURED, [p.record.summary.rps for p in swept]),
                    (IDEAL, [p.ideal_rps for p in swept]),
                    (CEILING, [ceiling] * len(swept))])

    def _say(self, text: str) -> None:
        self.said = text
        self.query_one("#sweep-point", Static).update(text)

    def _layout(self, comparing: bool) -> None:
        """A comparison: its table and one bar chart; a sweep: two line charts, side by side."""
        self.query_one("#sweep-table").display = comparing
        self.query_one("#sweep-elapsed").display = not comparing
        self.query_one("#sweep-plots").display = True
        if not comparing:
            self._compared = []

    def _by_python(self, swept: list[SweepPoint], pythons: list[str]) -> None:
        """The same sweep on several interpreters: each its measured line and its own ceiling."""
        elapsed: list[tuple[str, list[SweepPoint], list[float | None]]] = []
        rps: list[tuple[str, list[SweepPoint], list[float | None]]] = []
        legend = []
        for n, python in enumerate(pythons):
            mine = [p for p in swept if comparison.python_label(p.record) == python]
            measured = MEASURED if n == 0 else OTHER_MEASURED[(n - 1) % len(OTHER_MEASURED)]
            ceiling_mark = CEILING if n == 0 else OTHER_CEILING[(n - 1) % len(OTHER_CEILING)]
            ceiling = mean_ceiling(mine)
            elapsed.append((measured, mine, [p.record.elapsed_s for p in mine]))
            rps.append((measured, mine, [p.record.summary.rps for p in mine]))
            rps.append((ceiling_mark, mine, [ceiling] * len(mine)))
            legend.append(f"{measured} {python or '?'} ({ceiling_mark} its GIL ceiling)")
        self._say("  ".join(legend) + _faster_at_widest(swept))
        self._plot_each("#sweep-elapsed", "elapsed time vs workers, by Python", "elapsed (s)", swept, elapsed)
        self._plot_each("#sweep-rps", "throughput vs workers, by Python", "req/s", swept, rps)

    def _compare(self, history: History, runs: list[RunRecord]) -> None:
        """Runs side by side (clients, models, interpreters): a table of their figures with each
        one's ratio to the first, and their req/s as bars on an axis their own size."""
        swept = self._compared = points(history, runs)
        self._layout(comparing=True)
        self.compared = comparison.labels(swept)
        self._say(comparison.point(swept))
        self._fit()

    def on_resize(self) -> None:
        if self._compared and self.query_one("#sweep-table").display:
            self._fit()

    def _fit(self) -> None:
        """The table to the width; the bars below it only if they get a row each and their axis
        (short of that, the table's own bars say it: a 80x24 screen has no room for both)."""
        width, height = self.size.width or 80, self.size.height or 24
        self.query_one("#sweep-table", Static).update(comparison.table(self._compared, width - 2))
        rows = len(self._compared) + 4  # the point, the table's head, its rows, its caption
        shown = self.query_one("#sweep-plots").display = height - rows >= 2 * len(self._compared) + 5
        if shown:
            self._bars(width)

    def _bars(self, width: int) -> None:
        """The comparison's req/s bars, titled to fit `width` (plotext drops a longer title)."""
        swept = self._compared
        plot = self.query_one("#sweep-rps", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        what = comparison.title(swept)
        names = [_cut(f"{n + 1} {label}") for n, label in enumerate(self.compared)]
        room = width - max(map(len, names), default=0) - 6  # plotext drops a title wider than its canvas
        plt.title(_cut(what, max(8, room)))
        legend = f"{BAR} measured  {CEILING_MARK} GIL ceiling"
        past = f"  {CEILING_PAST} ceiling past the axis"
        labels = (f"requests per second (req/s)   {legend}{past}", f"req/s   {legend}{past}",
                  f"req/s   {legend}", f"req/s {BAR} measured {CEILING_MARK} ceiling")
        fits = [t for t in labels if len(t) <= room]
        plt.xlabel(fits[0] if fits else "req/s")
        measured = [p.record.summary.rps for p in swept]
        # the axis is the measured runs' own: a GIL ceiling ten times as far made them slivers
        ceilings = [p.ceiling_rps for p in swept]
        right = self.axis_right = max(
            measured + [c for c in ceilings if c and c <= 1.5 * max(measured)], default=1.0) * 1.15
        # plotext stacks horizontal bars from the bottom: reversed, they read in the table's order
        plt.bar(names[::-1], measured[::-1], orientation="horizontal", marker=BAR, width=0.6)
        plt.xlim(0, right or 1.0)
        for row, c in enumerate(ceilings[::-1], start=1):
            if c and c <= right:
                plt.text(CEILING_MARK, c, row, alignment="center")
            elif c:
                plt.text(CEILING_PAST, right, row, alignment="right")
        plot.refresh()

    def _plot(self, selector: str, title: str, unit: str, swept: list[SweepPoint],
              series: list[tuple[str, list[float | None]]]) -> None:
        self._plot_each(selector, title, unit, swept, [(mark, swept, values) for mark, values in series])

    def _plot_each(self, selector: str, title: str, unit: str, swept: list[SweepPoint],
                   series: list[tuple[str, list[SweepPoint], list[float | None]]]) -> None:
        """Lines over the sweep's worker counts, each over its own runs, each in its own glyph
        (the legend is the line above the charts: plotext's own sits on the data)."""
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
        for mark, runs, values in reversed(series):  # the first (measured) drawn last: on top
            if runs and all(v is not None for v in values):
                xs = [math.log10(p.record.workers) for p in runs]
                plt.plot(xs, [float(v) for v in values if v is not None], marker=mark)
        plot.refresh()


def _cut(label: str, width: int = LABEL_WIDTH) -> str:
    return label if len(label) <= width else label[:width - 1] + "…"


def _on(python: str) -> str:
    return f" ({python})" if python else ""


def _best(swept: list[SweepPoint]) -> str:
    """The sweep's best speedup against 1 worker, beside its ideal."""
    sped = [p for p in swept if p.speedup is not None]
    if not sped:
        return ""
    best = max(sped, key=lambda p: p.speedup or 0.0)
    return (f"   best: {best.record.workers} workers, {best.speedup:.1f}x the 1-worker run"
            f" (ideal {best.ideal_speedup:.0f}x)")


def _faster_at_widest(swept: list[SweepPoint]) -> str:
    """Which interpreter is faster at the widest worker count they all ran."""
    widest = max((p.record.workers for p in swept), default=0)
    at = sorted((p for p in swept if p.record.workers == widest), key=lambda p: -p.record.summary.rps)
    if len(at) < 2 or not at[1].record.summary.rps:
        return ""
    ratio = at[0].record.summary.rps / at[1].record.summary.rps
    return (f"   at {widest} workers {comparison.python_label(at[0].record)} is {ratio:.2f}x as fast as "
            f"{comparison.python_label(at[1].record)}")
