"""A batch packed into columns comes back as the same events, in the same order."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core.events import (
    ERROR_KINDS,
    Event,
    Outcome,
    Phases,
    PoolResized,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunPaused,
    ThreadInfo,
    WorkerRetired,
)
from fetchtui.core.runs.packing import Packer, Unpacker

# a few workers, so threads repeat within and across batches as a run's do
threads = st.builds(ThreadInfo, st.integers(1, 3), st.sampled_from(["t-0", "t-1"]), st.integers(1, 2),
                    st.integers(100, 101), st.none() | st.integers(0, 2))
stamps = st.integers(0, 2**63 - 1) | st.integers(2**63, 2**70)  # past a row's int64: crosses as itself
maybe_ns = st.none() | st.integers(0, 10**12)
phases = st.builds(Phases, maybe_ns, maybe_ns, maybe_ns, maybe_ns, maybe_ns, st.none() | st.integers(0, 50),
                   st.none() | st.booleans())
started = st.builds(RequestStarted, st.integers(0, 10**9), stamps, threads, maybe_ns)
finished = st.builds(RequestFinished, st.integers(0, 10**9), stamps, st.none() | threads,
                     st.sampled_from(list(Outcome)), st.none() | st.integers(100, 599), st.integers(0, 2**40),
                     st.none() | st.sampled_from(ERROR_KINDS), st.none() | st.text(max_size=20),
                     st.integers(0, 10**9), st.none() | phases,
                     st.sampled_from([None, "HTTP/1.1", "HTTP/2", "HTTP/0.9"]))
others = st.one_of(st.builds(RunEnded, stamps, st.booleans()),
                   st.builds(PoolResized, stamps, st.integers(1, 9)),
                   st.builds(WorkerRetired, stamps, threads),
                   st.builds(RunPaused, stamps, st.booleans()))
batches = st.lists(st.lists(st.one_of(started, finished, others), max_size=30), max_size=5)


@settings(max_examples=300, deadline=None)
@given(batches)
def test_packed_batches_come_back_as_the_same_events_in_order(sent: list[list[Event]]) -> None:
    packer, unpacker = Packer(), Unpacker()
    for batch in sent:
        crossed = pickle.loads(pickle.dumps(packer.pack(7, batch)))  # as Connection.send does
        assert crossed.run_id == 7
        assert unpacker.unpack(crossed) == batch


def test_a_request_crosses_as_rows_and_a_thread_once() -> None:
    """The two events a request makes are rows; its worker's ThreadInfo crosses in the first
    batch only, and an error's text crosses with its event as itself."""
    worker = ThreadInfo(11, "transfer-0", 12, 13, 0)
    phases = Phases(wait_ns=1, conn_id=0)
    ok = [RequestStarted(0, 1, worker),
          RequestFinished(0, 2, worker, Outcome.OK, 200, 2, cpu_ns=5, phases=phases, http_version="HTTP/1.1")]
    failed = RequestFinished(1, 3, worker, Outcome.FAILED, error_kind="reset", error="connection reset")
    packer, unpacker = Packer(), Unpacker()
    first, second = packer.pack(1, ok), packer.pack(1, [RequestStarted(1, 2, worker), failed])
    assert (first.threads, first.others) == ((worker,), ())
    assert (second.threads, second.others) == ((), (failed,))
    assert unpacker.unpack(first) == ok
    assert unpacker.unpack(second) == [RequestStarted(1, 2, worker), failed]
