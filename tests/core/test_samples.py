"""Live percentiles (log-spaced bucket counts) against the exact ones a run's end reads."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core.stats.hist import LINEAR_BITS, SUB_BITS, LiveCounts, exact, rank


def percentile(ordered: list[int], q: float) -> int:
    return ordered[rank(len(ordered), q) - 1]


def below_by_at_most_a_bucket(got_ms: float, exact_ns: int) -> bool:
    """A live read is the least µs of the exact value's bucket: the µs below 2**LINEAR_BITS µs,
    within 1/2**(SUB_BITS - 1) of it above."""
    exact_ms = exact_ns / 1e6
    width_ms = 1e-3 if exact_ns < 2**LINEAR_BITS * 1000 else exact_ms / 2 ** (SUB_BITS - 1)
    return exact_ms - width_ms < got_ms <= exact_ms


def _frames(live: LiveCounts, values: list[int], frame: int) -> None:
    """Add `values` a frame's worth at a time, reading live after each frame, as the panel does."""
    for start in range(0, len(values), frame):
        live.add(np.array(values[start:start + frame], np.int64))
        live.latency()


def test_live_percentiles_read_frame_by_frame_match_the_exact_ones_to_their_bucket() -> None:
    rng = random.Random(7)
    values = [rng.randint(40_000, 9_000_000) for _ in range(30_000)]
    live = LiveCounts()
    _frames(live, values, 1_500)
    shown = live.latency()
    ordered = sorted(values)
    for q, got in ((50, shown.p50), (90, shown.p90), (99, shown.p99)):
        assert below_by_at_most_a_bucket(got, percentile(ordered, q))
    assert shown.max == ordered[-1] / 1e6
    assert exact(np.array(values)).p50 == percentile(ordered, 50) / 1e6  # the end's read is exact


def test_below_a_quarter_second_a_live_read_is_the_exact_one_to_the_microsecond() -> None:
    rng = random.Random(5)
    values = [rng.randint(0, 260_000_000) for _ in range(20_000)]
    live = LiveCounts()
    _frames(live, values, 3_000)
    ordered = sorted(values)
    shown = live.latency()
    for q, got in ((50, shown.p50), (90, shown.p90), (99, shown.p99)):
        assert got == percentile(ordered, q) // 1_000 / 1e3


def test_a_wide_spread_keeps_its_counts_few_and_its_percentiles_within_a_bucket() -> None:
    rng = random.Random(3)
    values = [rng.randint(1_000, 4_000_000_000) for _ in range(6_000)]  # up to 4 s
    live = LiveCounts()
    _frames(live, values, 1_000)
    assert len(live._counts) < 2**LINEAR_BITS + 2 ** (SUB_BITS - 1) * 8  # a frame's read: one cumsum
    shown = live.latency()
    ordered = sorted(values)
    for q, got in ((50, shown.p50), (99, shown.p99)):
        assert below_by_at_most_a_bucket(got, percentile(ordered, q))


def test_no_samples_read_as_zero_live_and_at_the_end() -> None:
    assert LiveCounts().latency().p99 == 0 == exact(np.zeros(0, np.int64)).max


EDGES = [262_143_999, 262_144_000, 524_287_999]  # the last µs counted alone, the first in a bucket


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3_000_000_000) | st.sampled_from(EDGES),
                         min_size=1, max_size=60), min_size=1, max_size=5))
def test_a_live_read_finds_each_percentile_within_its_bucket_below(frames: list[list[int]]) -> None:
    """Any values, a frame at a time (a bucket's edges, repeats): each live percentile is
    the exact one to its bucket, never above it; the exact read is nearest rank."""
    live = LiveCounts()
    for frame in frames:
        live.add(np.array(frame, np.int64))
    shown = live.latency()
    ordered = sorted(v for frame in frames for v in frame)
    for q, got in ((50, shown.p50), (90, shown.p90), (99, shown.p99)):
        assert below_by_at_most_a_bucket(got, percentile(ordered, q))
    final = exact(np.array(ordered[::-1], np.int64))
    assert (final.p50, final.p90, final.p99, final.max) == tuple(
        percentile(ordered, q) / 1e6 for q in (50, 90, 99, 100))
