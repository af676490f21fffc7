"""Pass/fail checks on a run (`--check 'p99<200ms'`), in the summary's own terms.

    p50 p90 p99 max            latency, with a unit: 200ms, 1s, 500us
    errors                     failed / requests that ran, as 1% or 0.01
    failed ok cancelled requests   counts
    rps                        requests per second (500 or 500/s)
    url[N].FIGURE              the Nth URL of the per-URL table (1-based), any figure but rps

Operators: < <= > >= == !=. A check whose figure the run does not have (no request ran)
fails. Counts and the max only grow while a run runs, so an upper bound on one is crossed
for good the moment it is crossed; a percentile is judged at the end.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fetchtui.core.report.summary import CheckResult, RunSummary, UrlFigures

TIMES = ("p50", "p90", "p99", "max")
COUNTS = ("failed", "ok", "cancelled", "requests")
FIGURES = (*TIMES, "errors", *COUNTS, "rps")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, ">": operator.gt,
}
_TIME_UNITS = {"us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0}
_FORM = re.compile(r"^\s*(?:url\[(?P<url>[^\]]*)\]\.)?(?P<figure>[a-z0-9]+)\s*"
                   r"(?P<op><=|>=|==|!=|<|>)\s*(?P<number>[0-9]*\.?[0-9]+)\s*(?P<unit>[a-zµ%/]*)\s*$")
GROWING = ("max", *COUNTS)  # only grow while a run runs


class CheckError(ValueError):
    """A check that does not parse: the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Check:
    """One parsed check: the figure (of a URL, or of the run), the bound and how to compare."""

    expr: str
    figure: str
    op: str
    bound: float  # in the figure's own unit: ms, a fraction, a count, req/s
    url: int | None = None  # 1-based row of the per-URL table

    def value(self, summary: RunSummary) -> float | None:
        """The figure this check reads, from the summary (None: the run has no such figure)."""
        if self.url is not None:
            rows = summary.by_url
            if self.url > len(rows):
                return None
            return _url_value(rows[self.url - 1], self.figure)
        ran = summary.ok + summary.failed
        if self.figure in TIMES:
            return getattr(summary.latency_ms, self.figure) if ran else None
        if self.figure == "errors":
            return summary.failed / ran if ran else None
        if self.figure == "rps":
            return summary.rps
        return float(summary.submitted if self.figure == "requests" else getattr(summary, self.figure))

    def judge(self, summary: RunSummary) -> CheckResult:
        value = self.value(summary)
        passed = value is not None and _OPS[self.op](value, self.bound)
        return CheckResult(self.expr, value, passed, self.shown(value))

    def failed_for_good(self, summary: RunSummary) -> bool:
        """Crossed already in a way no later request can undo (a growing figure past an
        upper bound), so a live view can say ✗ before the end."""
        if self.figure not in GROWING or self.op not in ("<", "<=", "=="):
            return False
        value = self.value(summary)
        if value is None:
            return False
        return value > self.bound if self.op == "==" else not _OPS[self.op](value, self.bound)

    def shown(self, value: float | None) -> str:
        if value is None:
            return "no request ran" if self.url is None else "no such URL, or no request of it ran"
        if self.figure in TIMES:
            return f"{value:.1f} ms"
        if self.figure == "errors":
            return f"{value:.2%}"
        if self.figure == "rps":
            return f"{value:,.1f} req/s"
        return f"{value:,.0f}"


def _url_value(row: UrlFigures, figure: str) -> float | None:
    ran = row.ok + row.failed
    if figure in TIMES:
        return getattr(row.latency_ms, figure) if ran else None
    if figure == "errors":
        return row.failed / ran if ran else None
    return float(getattr(row, figure))


def parse_check(text: str) -> Check:
    """A check from its text, or CheckError saying what is wrong with it."""
    match = _FORM.match(text.lower())
    if match is None:
        raise CheckError(f"check {text!r} must read FIGURE OP VALUE, like p99<200ms, errors<1%, "
                         f"rps>=500 or url[2].p50<=1s")
    figure, op, unit = match["figure"], match["op"], match["unit"]
    number = float(match["number"])
    if figure not in FIGURES:
        raise CheckError(f"check {text!r}: unknown figure {figure!r} (one of {', '.join(FIGURES)})")
    url = None
    if match["url"] is not None:
        digits = match["url"]
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 9 or int(digits) < 1:
            raise CheckError(f"check {text!r}: url[N] counts the per-URL rows from 1, "
                             f"got url[{match['url']}]")
        if figure == "rps":
            raise CheckError(f"check {text!r}: a URL has no rps of its own (the run's is `rps`)")
        url = int(match["url"])
    if figure in TIMES:
        if unit not in _TIME_UNITS:
            raise CheckError(f"check {text!r}: {figure} needs a time unit: ms, s or us (p99<200ms)")
        bound = number * _TIME_UNITS[unit]
    elif figure == "errors":
        if unit not in ("%", ""):
            raise CheckError(f"check {text!r}: errors is a share: 1% or 0.01")
        bound = number / 100 if unit == "%" else number
        if bound > 1:
            raise CheckError(f"check {text!r}: errors is at most 100%")
    elif figure == "rps":
        if unit not in ("", "/s"):
            raise CheckError(f"check {text!r}: rps is requests a second: rps>=500")
        bound = number
    else:
        if unit:
            raise CheckError(f"check {text!r}: {figure} is a count: no unit ({figure}==0)")
        bound = number
    return Check(text.strip(), figure, op, bound, url)


def parse_checks(texts: Sequence[str]) -> tuple[Check, ...]:
    return tuple(parse_check(text) for text in texts)


def judge_all(checks: Sequence[Check], summary: RunSummary) -> tuple[CheckResult, ...]:
    return tuple(check.judge(summary) for check in checks)
