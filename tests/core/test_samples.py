"""Live percentiles (counted by the µs) against the exact ones a run's end reads."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core.stats.samples import LIVE_KEYS, LIVE_UNIT_NS, Samples, percentile


def _frames(samples: Samples, values: list[int], frame: int) -> None:
    """Add `values` a frame's worth at a time, reading live after each frame, as the panel does."""
    for start in range(0, len(values), frame):
        for value in values[start:start + frame]:
            samples.add(value)
        samples.latency(False)


def test_live_percentiles_read_frame_by_frame_match_the_exact_ones_to_the_microsecond() -> None:
    rng = random.Random(7)
    values = [rng.randint(40_000, 9_000_000) for _ in range(30_000)]
    live = Samples()
    _frames(live, values, 1_500)
    shown = live.latency(False)
    ordered = sorted(values)
    for q, got in ((50, shown.p50), (90, shown.p90), (99, shown.p99)):
        exact = percentile(ordered, q) / 1e6
        assert exact - LIVE_UNIT_NS / 1e6 < got <= exact
    assert shown.max == ordered[-1] / 1e6
    assert live.latency(True).p50 == percentile(ordered, 50) / 1e6  # the end's read is exact


def test_a_wide_spread_counts_coarser_and_keeps_its_percentiles_within_a_unit() -> None:
    rng = random.Random(3)
    values = [rng.randint(1_000, 4_000_000_000) for _ in range(3 * LIVE_KEYS)]  # up to 4 s
    live = Samples()
    _frames(live, values, 10_000)
    shown = live.latency(False)
    ordered = sorted(values)
    unit_ms = live._unit / 1e6
    assert unit_ms > LIVE_UNIT_NS / 1e6  # it coarsened, so a read walks few keys
    assert len(live._keys) <= LIVE_KEYS  # the buckets a read walks
    for q, got in ((50, shown.p50), (99, shown.p99)):
        exact = percentile(ordered, q) / 1e6
        assert exact - unit_ms < got <= exact


def test_no_samples_read_as_zero_live_and_at_the_end() -> None:
    assert Samples().latency(False).p99 == 0 == Samples().latency(True).max


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3_000_000) | st.sampled_from([99_999, 100_000, 100_999]),
                         min_size=1, max_size=60), min_size=1, max_size=5))
def test_a_live_read_by_buckets_finds_each_percentile_within_a_unit_below(frames: list[list[int]]) -> None:
    """Any values, a frame at a time (a bucket's edges, repeats): each live percentile is
    the exact one to the unit, never above it."""
    live = Samples()
    for frame in frames:
        for value in frame:
            live.add(value)
        shown = live.latency(False)
    ordered = sorted(v for frame in frames for v in frame)
    for q, got in ((50, shown.p50), (90, shown.p90), (99, shown.p99)):
        exact = percentile(ordered, q) / 1e6
        assert exact - LIVE_UNIT_NS / 1e6 < got <= exact
