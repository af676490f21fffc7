"""A batch packed into columns comes back as the same events, in the same order."""

from __future__ import annotations

import dataclasses
import pickle
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fetchtui.core import registry
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import Target, parse_targets
from fetchtui.core.runs import events
from fetchtui.core.runs.events import (
    ERROR_KINDS,
    Event,
    Outcome,
    Phases,
    PoolResized,
    RequestFinished,
    RequestRows,
    RequestStarted,
    RunEnded,
    RunPaused,
    ThreadInfo,
    WorkerRetired,
)
from fetchtui.core.runs.gatherer import Gatherer
from fetchtui.core.runs.ledger import RETIRE, Ledger
from fetchtui.core.runs.models import open_source
from fetchtui.core.runs.packing import Packer, Unpacker
from fetchtui.core.stats import RunStats
from tests.rows import End, Start, read_rows

from .helpers import finish

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
        assert read_rows(unpacker.unpack(crossed)) == read_rows(batch)


def test_a_request_crosses_as_rows_and_a_thread_once() -> None:
    """The two events a request makes are rows; its worker's ThreadInfo crosses in the first
    batch only, and an error's text crosses in the batch's side table, its row pointing to it."""
    worker = ThreadInfo(11, "transfer-0", 12, 13, 0)
    phases = Phases(wait_ns=1, conn_id=0)
    ok = [RequestStarted(0, 1, worker),
          RequestFinished(0, 2, worker, Outcome.OK, 200, 2, cpu_ns=5, phases=phases, http_version="HTTP/1.1")]
    failed = RequestFinished(1, 3, worker, Outcome.FAILED, error_kind="reset", error="connection reset")
    packer, unpacker = Packer(), Unpacker()
    first, second = packer.pack(1, ok), packer.pack(1, [RequestStarted(1, 2, worker), failed])
    assert (first.threads, first.others) == ((worker,), ())
    assert (second.threads, second.others, second.texts) == ((), (), ("connection reset",))
    assert read_rows(unpacker.unpack(first)) == read_rows(ok)
    assert read_rows(unpacker.unpack(second)) == read_rows([RequestStarted(1, 2, worker), failed])


reused = st.none() | st.booleans()
fields = st.tuples(maybe_ns, maybe_ns, maybe_ns, maybe_ns, maybe_ns, st.none() | st.integers(0, 50), reused)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), stamps, threads, st.integers(100, 399),
                          st.integers(0, 2**40), st.integers(0, 10**9),
                          st.sampled_from([None, "HTTP/1.1", "HTTP/2", "HTTP/0.9"]), st.none() | fields),
                max_size=20))
def test_a_start_and_an_ok_end_written_from_their_fields_come_back_as_their_events(
        requests: list[tuple]) -> None:  # type: ignore[type-arg]
    """What a loop that reports by fields writes is what its events would have said; a field
    no row holds (a number past int64, an unknown version) is refused, and nothing of it written."""
    packer, unpacker = Packer(), Unpacker()
    expected: list[Event] = []
    for req_id, t_ns, thread, status, nbytes, cpu_ns, version, phase_fields in requests:
        if packer.started(req_id, t_ns, thread, None):
            expected.append(RequestStarted(req_id, t_ns, thread))
        else:
            assert t_ns >= 2**63
        if packer.finished(req_id, t_ns, thread, cpu_ns, (status, nbytes, None, None, phase_fields, version)):
            expected.append(RequestFinished(req_id, t_ns, thread, Outcome.OK, status, nbytes, cpu_ns=cpu_ns,
                                            phases=None if phase_fields is None else Phases(*phase_fields),
                                            http_version=version))
        else:
            assert t_ns >= 2**63 or version == "HTTP/0.9"
    assert read_rows(unpacker.unpack(pickle.loads(pickle.dumps(packer.take(3))))) == read_rows(expected)
    assert packer.empty


def _unstamped(events: list[Event | Start | End]) -> list[Event | Start | End]:
    return [e._replace(t_ns=0) if isinstance(e, (Start, End)) else
            dataclasses.replace(e, t_ns=0) if hasattr(e, "t_ns") else e for e in events]  # type: ignore[type-var]


def test_a_ledger_writing_frames_for_a_pipe_sends_what_a_queueing_one_queues() -> None:
    """The same calls on two ledgers, one writing its events into frames as a fetch or worker
    process does: the frames open to the events the other queued, in the same order (each
    stamps them with its own clock, so the stamps aside): starts, ends reported by their
    fields and as events, one no row holds, a resize and a retiring slot, a pause, a close-out."""
    config = RunConfig(workers=2)
    queued: list[Event] = []
    plain = Ledger(4, queued.extend, config)
    framed = Ledger(4, lambda batch: None, config)
    packer = Packer()
    framed.write_into(packer)
    frames = []
    worker = [ThreadInfo(1, "transfer-0", 2, 3, 0), ThreadInfo(1, "transfer-1", 2, 3, 1)]
    phases = (None, None, None, 900, 100, 1, True)
    for ledger in (plain, framed):
        ledger.open(2, t0=5)
        assert ledger.take(worker[0], 0) == (0, None) and ledger.take(worker[1], 1) == (1, None)
        ledger.finish_fetched(0, 10, worker[0], 7, (200, 2, None, None, phases, "HTTP/1.1"))
        if ledger is framed:
            frames.append(framed.take_frame(9))
        ledger.finish_fetched(1, 11, worker[1], 0, (503, 0, "http", "HTTP 503", None, None))
        assert ledger.resize(1)
        assert ledger.take(worker[1], 1) == RETIRE
        assert ledger.take(worker[0], 0) == (2, None)
        assert ledger.pause(True) and ledger.pause(False)
        # a version no row holds
        ledger.finish_fetched(2, 12, worker[0], 8, (204, 0, None, None, None, "HTTP/0.9"))
        assert ledger.take(worker[0], 0) == (3, None)
        assert ledger.close_out()
    frames.append(framed.take_frame(9))
    unpacker = Unpacker()
    crossed = [pickle.loads(pickle.dumps(frame)) for frame in frames if frame is not None]
    sent = [event for frame in crossed for event in read_rows(unpacker.unpack(frame))]
    assert frames[0] is not None and not frames[0].ends_run
    assert frames[-1] is not None and frames[-1].ends_run
    assert _unstamped(sent) == _unstamped(read_rows(queued))
    assert [type(e).__name__ for e in queued] == [
        "RunStarted", "RequestStarted", "RequestStarted", "RequestFinished", "RequestFinished", "PoolResized",
        "WorkerRetired", "RequestStarted", "RunPaused", "RunPaused", "RequestFinished", "RequestStarted",
        "RunEnded"]


def test_the_rows_between_two_events_come_as_one_request_rows() -> None:
    worker = ThreadInfo(1, "transfer-0", 2, 3, 0)
    ok = RequestFinished(0, 2, worker, Outcome.OK, 200, 2, phases=Phases(wait_ns=1), http_version="HTTP/1.1")
    failed = RequestFinished(1, 4, worker, Outcome.FAILED, error_kind="reset", error="connection reset")
    batch: list[Event] = [RequestStarted(0, 1, worker), ok, RunPaused(3, True), RequestStarted(1, 3, worker),
                          failed, RequestStarted(2, 5, worker)]
    got = Unpacker().unpack(Packer().pack(1, batch))
    assert [type(e).__name__ for e in got] == ["RequestRows", "RunPaused", "RequestRows"]
    assert [len(e) for e in got if isinstance(e, RequestRows)] == [2, 3]
    assert read_rows(got) == read_rows(batch)


def _run_frames(n: int) -> tuple[list[Target], list[list[Event]]]:
    """A worker process's frames of a run of `n` requests on two slots, as they cross: ok ends
    with phases (a new connection, then reused), a failure with its text, a resize, a retiring slot."""
    targets = parse_targets(f"http://127.0.0.1:9/a x{n // 2}\nhttp://127.0.0.1:9/b x{n - n // 2}")
    sent: list[Event] = []
    ledger = Ledger(len(targets), sent.extend, RunConfig(workers=2))
    packer = Packer()
    ledger.write_into(packer)
    ledger.open(2, t0=1_000)
    slots = [ThreadInfo(7, f"transfer-{slot}", 8, 9, slot) for slot in (0, 1)]
    frames = []
    for req_id in range(n):
        number = req_id % 2 if req_id <= n // 2 else 0  # one slot after the resize
        slot = slots[number]
        assert ledger.take(slot, number) == (req_id, None)
        if req_id % 7 == 6:  # a frame ends with a request in flight: its end crosses in the next
            frames.append(ledger.take_frame(0))
        t_ns = 2_000 + 1_000 * req_id
        if req_id == 5:
            ledger.finish_fetched(req_id, t_ns + 700, slot, 0, (503, 0, "http", "HTTP 503", None, None))
        else:
            fields = (100, 200, None, 300 + req_id, 50, req_id % 2, False) if req_id < 2 else \
                (None, None, None, 300 + req_id, 50, req_id % 2, True)
            ledger.finish_fetched(req_id, t_ns + 400 + req_id, slot, 90,
                                  (200, 2, None, None, fields, "HTTP/1.1"))
        if req_id == n // 2:
            assert ledger.resize(1) and ledger.take(slots[1], 1) == RETIRE
    frames.append(ledger.take_frame(0))
    unpacker = Unpacker()
    return targets, [unpacker.unpack(pickle.loads(pickle.dumps(f))) for f in frames if f is not None]


def test_a_gathering_ledger_counts_each_row_once_and_drops_an_end_it_accounted() -> None:
    """A worker process's rows count as its events do; an end that comes after the ledger
    accounted its request (the process was dropped as dead meanwhile) is left out."""
    targets, frames = _run_frames(40)
    kept: list[Event] = []
    gathering = Gatherer(len(targets), kept.extend, RunConfig(workers=2))
    gathering.open(2)
    first, rest = frames[0], frames[1:]
    gathering.gather([e for e in first if not isinstance(e, RunEnded)], pid=9)
    gathering.drop_worker(9, "worker process 9 died")  # request 6, in flight, ends here
    for frame in rest:  # its ok end comes after all, in the next frame's rows
        gathering.gather(frame, pid=9)
    ends = [e for e in read_rows(kept) if isinstance(e, End)]
    assert sorted(e.req_id for e in ends) == list(range(40)), "a request ended twice, or never"
    assert [e.outcome for e in ends if e.req_id == 6] == [Outcome.CANCELLED]
    assert gathering.ended


@settings(max_examples=200, deadline=None)
@given(batches, batches, st.booleans())
def test_rows_passed_from_one_stream_into_another_come_back_as_their_events(
        first: list[list[Event]], second: list[list[Event]], native: bool) -> None:
    """A fetch process passes its worker processes' rows on into its own stream, whose thread
    numbers are its own (another worker's threads came first): the same events come out,
    with rows read through a memoryview or (a big-endian machine's way) unpacked."""
    with mock.patch.object(events, "_NATIVE_INT64", native):
        _relay(first, second)


def _relay(first: list[list[Event]], second: list[list[Event]]) -> None:
    worker_a, worker_b, relay, out = Packer(), Packer(), Packer(), Unpacker()
    from_a, from_b = Unpacker(), Unpacker()
    for batch_a, batch_b in zip(first, second, strict=False):
        for packer, unpacker, batch in ((worker_a, from_a, batch_a), (worker_b, from_b, batch_b)):
            crossed = unpacker.unpack(pickle.loads(pickle.dumps(packer.pack(1, batch))))
            assert read_rows(out.unpack(pickle.loads(pickle.dumps(relay.pack(2, crossed))))) == read_rows(batch)


@pytest.mark.parametrize(("model", "client"), [(m, c) for m, c in registry.pairs()
                                               if not registry.MODELS[m].processes_of_its_own(1)])
def test_a_run_writes_every_request_as_rows_with_no_event_object_on_every_in_process_pair(
        base: str, model: str, client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ok answers, HTTP errors and a refused connection all end as rows: the ledger's fallback
    (an event object, for a number no row holds) is never taken."""
    def made(self: object, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"a request's end was made as an event object: {args}")

    monkeypatch.setattr(events.RequestFinished, "__init__", made)
    targets = parse_targets(f"{base}/status/200 x6\n{base}/status/503 x3\nhttp://127.0.0.1:9/ x2")
    config = RunConfig(2, client, FetchLimits(timeout=10), model=model)  # type: ignore[arg-type]
    stats = finish(open_source(targets, config), RunStats(targets))
    assert (stats.ok, stats.failed, stats.cancelled) == (6, 5, 0)
    assert stats.error_counts == {"http": 3, "connect": 2}
