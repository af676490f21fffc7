"""One run's lifecycle (RunSession): its states only go forward, a step out of turn is refused,
and a run is finished (exported, recorded) once; real runs over loopback against the demo server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from fetchtui.core.history.records import History
from fetchtui.core.history.store import HistoryStore
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import Target, parse_targets
from fetchtui.core.runs.events import Event
from fetchtui.core.runs.figures import Export, Figures
from fetchtui.core.runs.pool import PoolSources
from fetchtui.core.runs.session import RunSession, SessionError, State
from fetchtui.core.runs.source import RunSource
from tests.rows import End, read_rows

from ..waiting import STEP_S

LIMITS = FetchLimits(timeout=10)


def frames_until(session: RunSession, condition: Callable[[Figures], object], what: str,
                 limit: float = 20.0, seen: list[Event] | None = None) -> Figures:
    """Poll as a frame timer does (never waiting in the poll) until `condition` holds; the
    batches folded go to `seen`."""
    give_up = time.monotonic() + limit
    hear = None if seen is None else seen.extend
    figures = session.poll(on_batch=hear)
    while not condition(figures):
        if time.monotonic() > give_up:
            raise AssertionError(f"waited {limit:g} s for {what}; last {figures}")
        time.sleep(STEP_S)
        figures = session.poll(on_batch=hear)
    return figures


def test_a_run_goes_opened_running_ended_recorded_and_its_record_is_its_summary(base: str) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/5 x12\n{base}/status/404 x3"),
                              RunConfig(3, limits=LIMITS))
    history = History()
    assert session.state is State.OPENED
    session.start()
    assert session.state is State.RUNNING
    seen: list[Event] = []
    figures = frames_until(session, lambda f: f.ended, "the run's end", seen=seen)
    assert figures.state is State.ENDED and session.ended
    ends = [e.req_id for e in read_rows(seen) if isinstance(e, End)]
    assert sorted(ends) == list(range(15))  # each batch heard once it was folded
    assert (figures.total, figures.done, figures.ok, figures.failed, figures.cancelled,
            figures.in_flight) == (15, 15, 12, 3, 0, 0)
    assert figures.rps > 0 and figures.lost is None
    again = session.poll()  # an ended run's figures are its last: nothing is drained
    assert again == figures._replace(fresh=False) and figures.fresh
    assert figures.now_ns == session.stats.end_ns
    record = session.finish(history)
    assert session.state is State.RECORDED and session.record is record
    assert session.poll().state is State.RECORDED
    assert record is not None and history.runs == [record]
    assert (record.workers, record.client) == (3, "requests")
    assert record.summary == session.stats.summary()


def test_finishing_twice_records_once(base: str, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    with History(HistoryStore(db), front_end="run") as history:
        session = RunSession.open(None, parse_targets(f"{base}/delay/0 x4"), RunConfig(2, limits=LIMITS))
        session.start()
        assert session.run_to_end(within=30)
        first = session.finish(history)
        assert first is not None
        twice = rf"^cannot finish a run that is recorded \(run #{first.number}\)$"
        with pytest.raises(SessionError, match=twice):
            session.finish(history)
    assert [r.number for r in history.runs] == [first.number]
    assert [run.record.number for run in HistoryStore(db).runs()] == [first.number]


def test_an_ended_run_refuses_every_command_and_a_running_one_a_second_start(base: str) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/0 x3"), RunConfig(1, limits=LIMITS))
    for step, call in [("resize", lambda: session.resize(2)), ("pause", lambda: session.pause(True)),
                       ("export", lambda: session.export("JSON", "-"))]:
        with pytest.raises(SessionError, match=f"^cannot {step} a run that is opened$"):
            call()
    session.start()
    with pytest.raises(SessionError, match=r"^cannot start a run that is running$"):
        session.start()
    assert session.run_to_end(within=30)
    for step, call in [("start", session.start), ("cancel", session.cancel),
                       ("resize", lambda: session.resize(2)), ("pause", lambda: session.pause(True)),
                       ("run to end", session.run_to_end)]:
        with pytest.raises(SessionError, match=f"^cannot {step} a run that is ended$"):
            call()
    assert session.stats.ok == 3  # the refusals changed nothing


def test_a_run_cancelled_before_it_starts_ends_at_once_with_nothing_sent(base: str) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/0 x5"), RunConfig(2, limits=LIMITS))
    session.cancel()
    figures = session.poll()
    assert figures.state is State.ENDED
    assert (figures.ok, figures.failed, figures.cancelled, figures.total) == (0, 0, 5, 5)
    assert session.stats.interrupted and not session.stats.threads  # no worker ever ran
    with pytest.raises(SessionError, match=r"^cannot start a run that is ended$"):
        session.start()
    session.close_out()
    assert session.finish(History()) is not None


def test_closing_out_an_unstarted_run_ends_it_and_lets_it_be_finished(base: str) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/0 x5"), RunConfig(2, limits=LIMITS))
    assert session.close_out()  # a quit while the run's view was being laid out
    assert session.state is State.ENDED and session.stats.cancelled == 5
    record = session.finish(History())
    assert record is not None and record.summary.cancelled == 5 and not record.complete


def test_a_cancel_from_a_frame_ends_the_run_with_every_request_accounted(base: str) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/200 x40"), RunConfig(4, limits=LIMITS))
    session.start()
    frames_until(session, lambda f: f.ok > 0, "a first request done")
    session.cancel()
    figures = frames_until(session, lambda f: f.ended, "the cancelled run's end")
    assert 0 < figures.ok < 40 and figures.ok + figures.cancelled == 40 and figures.failed == 0
    assert session.stats.interrupted


def test_resize_and_pause_steer_the_running_pool(base: str) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/50 x60"), RunConfig(1, limits=LIMITS))
    session.start()
    assert session.resize(4)
    frames_until(session, lambda f: session.stats.size == 4 and len(session.stats.threads) == 4,
                 "four workers at work")
    assert session.pause(True)
    paused = frames_until(session, lambda f: session.stats.paused and f.in_flight == 0,
                          "the pool paused, its requests in flight ended")
    assert paused.done < 60
    assert session.pause(False)
    figures = frames_until(session, lambda f: f.ended, "the run's end")
    assert (figures.ok, figures.cancelled) == (60, 0)
    assert session.stats.paused_s() > 0


def test_finish_writes_the_exports_before_the_record_and_reports_each(base: str, tmp_path: Path) -> None:
    session = RunSession.open(None, parse_targets(f"{base}/delay/0 x6"), RunConfig(2, limits=LIMITS))
    session.start()
    assert session.run_to_end(within=30, live=False)
    heard: list[object] = []
    history = History()
    good, bad = tmp_path / "run.json", tmp_path / "missing" / "run.csv"
    record = session.finish(history, json_path=str(good), csv_path=str(bad), on_export=heard.append,
                            before_record=lambda: heard.append(len(history.runs)))
    json_export, csv_export, runs_before_record = heard
    assert isinstance(json_export, Export) and isinstance(csv_export, Export)
    assert (json_export.kind, json_export.written, json_export.error) == ("JSON", good, None)
    assert csv_export.kind == "CSV" and csv_export.written is None and csv_export.error is not None
    assert runs_before_record == 0  # the exports came first, and a failed one cost no record
    assert record is not None and history.runs == [record]
    assert json.loads(good.read_text())["summary"]["ok"] == record.summary.ok == 6


class _Counted(PoolSources):
    """A pool that counts its closes."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[RunSource] = []
        self.closes = 0

    def open(self, targets: Sequence[Target], config: RunConfig) -> RunSource:
        self.opened.append(super().open(targets, config))
        return self.opened[-1]

    def close(self) -> None:
        self.closes += 1
        super().close()


def test_given_sources_outlive_their_runs_and_with_no_history_a_run_is_recorded_nowhere(base: str) -> None:
    sources = _Counted()
    targets = parse_targets(f"{base}/delay/0 x3")
    for _ in range(2):  # a sweep's runs, one after another from the same sources
        session = RunSession(sources.open(targets, RunConfig(1, limits=LIMITS)))
        session.start()
        assert session.run_to_end(within=30)
        assert session.close_out() and session.close_out()
        assert session.finish() is None  # no history: finished, recorded nowhere
    assert sources.closes == 0 and len(sources.opened) == 2
    sources.close()


def test_finishing_a_running_run_cuts_it_folds_its_close_out_and_records_it(base: str) -> None:
    # every way out of the live monitor (ctrl+q, SIGTERM, a lost terminal) finishes so
    session = RunSession.open(None, parse_targets(f"{base}/delay/2000 x8"), RunConfig(2, limits=LIMITS))
    session.start()
    frames_until(session, lambda f: f.in_flight == 2, "two requests in flight")
    history = History()
    record = session.finish(history)
    assert session.state is State.RECORDED and record is not None and history.runs == [record]
    assert (record.summary.ok, record.summary.cancelled) == (0, 8) and not record.complete
