"""The timeline's state spans: ticks merged into runs of one state, a wait outside requests
idle, and each column drawn in the state it spent most of its time in."""

from __future__ import annotations

from fetchtui.core.threadstates.kinds import CPU, GIL, IDLE, NET, RUNNABLE, RUNNING
from fetchtui.core.threadstates.lanes import NONE, StateLanes, column_states, lanes_of, state_spans
from fetchtui.core.threadstates.timeline import Timeline

PID, TID, OTHER_TID = 100, 1001, 1002


def ticks(rows: list[tuple[int, int, int, int, int]]) -> Timeline:
    """A timeline of thread TID's ticks, each (end µs, span µs, run µs, wait µs, state)."""
    timeline = Timeline(PID, gil=True, hz=100)
    thread = timeline.number(TID)
    other = timeline.number(OTHER_TID)
    for end, span, run, wait, state in rows:
        timeline.add(thread, end, span, run, wait, state)
        timeline.add(other, end, span, 0, 0, NET)
    return timeline


def test_equal_ticks_merge_and_running_is_cpu_or_runnable_by_schedstat() -> None:
    timeline = ticks([
        (10_000, 10_000, 9_000, 1_000, RUNNING),  # mostly on a core: cpu
        (20_000, 10_000, 8_000, 2_000, RUNNING),
        (30_000, 10_000, 1_000, 9_000, RUNNING),  # mostly waiting for one: runnable
        (40_000, 10_000, 0, 0, GIL),
        (50_000, 10_000, 0, 0, GIL),
        (60_000, 10_000, 0, 0, NET),
    ])
    spans = state_spans(timeline, {(PID, TID): [(0, 60_000_000)]}, keep={(PID, TID)})
    assert set(spans) == {(PID, TID)}  # the other thread is not kept
    assert spans[(PID, TID)] == [(0, 20_000_000, CPU), (20_000_000, 30_000_000, RUNNABLE),
                                 (30_000_000, 50_000_000, GIL), (50_000_000, 60_000_000, NET)]


def test_a_wait_outside_the_threads_requests_is_idle_but_a_gil_wait_is_not() -> None:
    timeline = ticks([(10_000, 10_000, 0, 0, NET), (20_000, 10_000, 0, 0, NET),
                      (30_000, 10_000, 0, 0, GIL), (40_000, 10_000, 0, 0, NET)])
    in_request = {(PID, TID): [(0, 10_000_000)]}  # only the first tick is inside a request
    spans = state_spans(timeline, in_request)[(PID, TID)]
    assert [state for _, _, state in spans] == [NET, IDLE, GIL, IDLE]


def test_each_column_shows_its_most_spent_state_and_unsampled_columns_are_none() -> None:
    spans = [(1_000_000_000, 1_300_000_000, CPU), (1_300_000_000, 2_000_000_000, GIL),
             (2_000_000_000, 2_100_000_000, NET)]
    # origin 0, a column each half second: 0-1 s is before any sample; 1.0-1.5 s has 0.3 s of
    # cpu against 0.2 of gil; 2.0-2.5 s only 0.1 s of net, the rest of it unsampled
    assert column_states(spans, 0, 0.5, 6) == [NONE, NONE, CPU, GIL, NET, NONE]
    # the last column takes in what lies past it (as a request bar's end does)
    assert column_states(spans, 0, 0.5, 3) == [NONE, NONE, GIL]
    assert column_states(spans, 1_000_000_000, 0.25, 2) == [CPU, GIL]


def test_lanes_of_gathers_each_processs_threads_and_says_their_top_state() -> None:
    timeline = ticks([(10_000, 10_000, 0, 0, GIL), (20_000, 10_000, 0, 0, GIL),
                      (30_000, 10_000, 10_000, 0, RUNNING)])
    lanes = lanes_of([timeline], {(PID, TID): [(0, 30_000_000)]}, {(PID, TID)})
    assert lanes.why is None and lanes.gil
    assert set(lanes.spans) == {(PID, TID)}
    top = lanes.top((PID, TID))
    assert top is not None and top[0] == "gil" and abs(top[1] - 2 / 3) < 1e-9
    assert StateLanes.unknown("no /proc").top((PID, TID)) is None
