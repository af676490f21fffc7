"""The replay source: plays back the events of an exported run (JSON v1), instantly or as recorded."""

from __future__ import annotations

import itertools
import operator
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fetchtui.core import registry
from fetchtui.core.input.config import ConfigError, FetchLimits, RunConfig, check_client, check_model
from fetchtui.core.input.targets import Target
from fetchtui.core.report import stored
from fetchtui.core.report.codec import from_doc
from fetchtui.core.report.stored import optional, text, whole
from fetchtui.core.report.summary import RunSummary, StateSeconds
from fetchtui.core.runs import interpreter
from fetchtui.core.runs.events import (
    ERROR_KINDS,
    PHASE_NAMES,
    ErrorKind,
    Outcome,
    Phases,
    PoolResized,
    RequestFinished,
    RequestStarted,
    RunEnded,
    RunPaused,
    RunStarted,
    SingleEvent,
    ThreadInfo,
    WorkerRetired,
)
from fetchtui.core.runs.packing import Unpacker
from fetchtui.core.runs.source import RunSource
from fetchtui.core.threadstates.figures import ThreadStates

T0_NS = 1_000_000_000  # a replay's clock starts here: any fixed origin will do
TICK_S = 0.02


class ReplayError(ValueError):
    """The document is not a run fetchtui exported; the message says what is wrong."""


def _client_of(config: Mapping[str, Any]) -> object:
    """The export's client: "client", or "backend" in an export written before the rename."""
    return config["client"] if "client" in config else config.get("backend", "requests")


def _phases(row: Mapping[str, Any], what: str) -> Phases | None:
    """A request's phases as exported (an export from before phases existed has none)."""
    if not any(f"{name}_ms" in row for name in PHASE_NAMES) and "conn_id" not in row:
        return None
    ns = {f"{name}_ns": _ms_ns(row.get(f"{name}_ms"), f"{what}'s {name}_ms") for name in PHASE_NAMES}
    return Phases(**ns, conn_id=optional(whole, row.get("conn_id"), f"{what}'s conn_id"),
                  conn_reused=optional(stored.flag, row.get("conn_reused"), f"{what}'s conn_reused"))


def _ms_ns(value: object, what: str) -> int | None:
    spent = optional(stored.ms, value, what)
    return None if spent is None else round(spent * 1e6)


def _ns(value: object, what: str) -> int | None:
    """An instant of the run as exported (seconds from its start), on the replay's clock."""
    at = optional(stored.seconds, value, what)
    return None if at is None else T0_NS + round(at * 1e9)


def _status(value: object, what: str) -> int:
    return whole(value, what, 999)


def _ident(value: object, what: str) -> int:
    return whole(value, what, stored.MAX_IDENT)


class Recording:
    """An exported run, read back: its config, its targets and its events in time order."""

    def __init__(self, doc: Mapping[str, Any], origin: str = "the document") -> None:
        try:
            self._read(doc)
        except ReplayError:
            raise
        except stored.Invalid as exc:
            raise ReplayError(f"{origin} is not a fetchtui run export ({exc})") from None
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise ReplayError(f"{origin} is not a fetchtui run export ({why})") from None

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        try:
            doc = stored.read(path)
        except OSError as exc:
            raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None
        except stored.Invalid as exc:
            raise ReplayError(f"{path} is not a fetchtui run export ({exc})") from None
        if not isinstance(doc, dict):
            raise ReplayError(f"{path} is not a fetchtui run export")
        return cls(doc, str(path))

    def _read(self, doc: Mapping[str, Any]) -> None:
        """Every field through core/report/stored.py's rule: a crafted export is refused, naming it."""
        if doc.get("version") != 1 or "requests" not in doc or "summary" not in doc:
            raise ReplayError("not a fetchtui run export (JSON version 1 with a summary and requests)")
        config = stored.obj(doc.get("config"), "config")
        summary = RunSummary.from_json(doc["summary"])
        try:
            limits = FetchLimits(timeout=stored.seconds(config.get("timeout", 10.0), "config.timeout"))
            rate = optional(stored.number, config.get("rate"), "config.rate")
            duration = optional(stored.seconds, config.get("duration_s"), "config.duration_s")
            stages = tuple((whole(st["workers"], "a stage's workers", low=1),
                            stored.seconds(st["duration_s"], "a stage's duration_s"))
                           for st in stored.items(config.get("stages"), "config.stages"))
            self.config = RunConfig(whole(config.get("workers", 1), "config.workers", low=1),
                                    check_client(text(_client_of(config), "config.client")),
                                    limits, rate, duration if not stages else None,
                                    stored.flag(config.get("cut_at_end", False), "config.cut_at_end"),
                                    check_model(text(config.get("model", "threads"), "config.model")),
                                    whole(config.get("processes", 1), "config.processes", low=1), stages)
        except (ConfigError, KeyError, TypeError, ValueError) as exc:
            raise ReplayError(f"the export's config is not valid: {exc}") from None
        threads: dict[tuple[int, int, int | None], ThreadInfo] = {}  # by ThreadInfo.worker
        sampled: list[tuple[int, int, StateSeconds]] = []  # each sampled thread's states
        # worker -> (CPU ns not yet handed out, requests left)
        cpu_left: dict[tuple[int, int, int | None], tuple[int, int]] = {}
        timed: list[tuple[int, int, SingleEvent]] = []  # (t_ns, order, event): starts before ends
        for n, t in enumerate(stored.items(doc.get("threads"), "threads")):
            t = stored.obj(t, f"thread {n}")
            info = ThreadInfo(_ident(t["ident"], f"thread {n}'s ident"),
                              text(t["name"], f"thread {n}'s name"),
                              _ident(t.get("native_id") or 0, f"thread {n}'s native_id"),
                              _ident(t.get("pid") or 0, f"thread {n}'s pid"),
                              optional(whole, t.get("task"), f"thread {n}'s task"))
            threads[info.worker] = info
            if t.get("states") is not None:
                states = from_doc(StateSeconds, t["states"], f"thread {n}'s states")
                sampled.append((info.pid, info.native_id, states))
            retired = _ns(t.get("retired_s"), f"thread {n}'s retired_s")
            if retired is not None:  # after its last request's end, at the same instant
                timed.append((retired, 2, WorkerRetired(retired, info)))
            cpu_left[info.worker] = (round(stored.seconds(t.get("cpu_s", 0.0), f"thread {n}'s cpu_s") * 1e9),
                                     whole(t.get("requests", 0), f"thread {n}'s requests"))
        self.thread_states = ThreadStates.exported(summary.thread_states, summary.thread_states_why, sampled)
        rows = [stored.obj(r, "a request") for r in stored.items(doc["requests"], "requests")]
        rows.sort(key=lambda r: whole(r["id"], "a request's id"))
        if [r["id"] for r in rows] != list(range(len(rows))):
            raise ReplayError("the export's request ids are not 0..n-1")
        self.targets = [Target(url, url, 0) for url in (text(r["url"], f"request {r['id']}'s url")
                                                        for r in rows)]
        timed += self._steering(summary)
        for r in rows:
            timed += self._request(r, threads, cpu_left)
        timed.sort(key=lambda item: (item[0], item[1]))
        self.end_ns = T0_NS + round(summary.elapsed_s * 1e9)
        # a duration's end cancels some requests too; only a cancel's errors say "cancelled"
        by_cancel = any(str(r.get("error") or "").startswith("cancelled") for r in rows)
        self.timed = self.config.duration is not None and not by_cancel
        self.cancelled = summary.cancelled > 0 and not self.timed
        cfg = self.config
        per_worker = cfg.concurrency // max(1, cfg.workers)
        python = summary.python
        client = registry.client(cfg.model, cfg.client)
        parallel = interpreter.parallelism(python, registry.processes_for(cfg.model, cfg.processes),
                                           client is not None and client.releases_gil,
                                           registry.MODELS[cfg.model].threaded)
        self.events: list[SingleEvent] = [RunStarted(len(rows), cfg.concurrency, T0_NS, cfg.rate,
                                               cfg.duration, cfg.cut_at_end, cfg.processes,
                                               tuple((w * per_worker, d) for w, d in cfg.stages),
                                               python, parallel)]
        self.events += [event for _, _, event in timed]
        self.events.append(RunEnded(self.end_ns, self.cancelled, total=len(rows), timed=self.timed))

    @staticmethod
    def _request(r: Mapping[str, Any], threads: Mapping[tuple[int, int, int | None], ThreadInfo],
                 cpu_left: dict[tuple[int, int, int | None], tuple[int, int]],
                 ) -> list[tuple[int, int, SingleEvent]]:
        """One exported request back as the events it was: its start (if it ran) and its end."""
        req_id: int = r["id"]
        what = f"request {req_id}"
        out: list[tuple[int, int, SingleEvent]] = []
        thread = None
        if r.get("thread_ident") is not None:
            thread = threads.get((_ident(r.get("pid") or 0, f"{what}'s pid"),
                                  _ident(r["thread_ident"], f"{what}'s thread_ident"),
                                  optional(whole, r.get("task"), f"{what}'s task")))
        start, end = _ns(r.get("start_s"), f"{what}'s start_s"), _ns(r.get("end_s"), f"{what}'s end_s")
        elapsed = _ms_ns(r.get("elapsed_ms"), f"{what}'s elapsed_ms")
        if start is not None and elapsed is not None:  # the latency as measured
            end = start + elapsed
        if thread is not None and start is not None:
            out.append((start, 0, RequestStarted(req_id, start, thread,
                                                 _ns(r.get("scheduled_s"), f"{what}'s scheduled_s"))))
        outcome = Outcome(text(r["outcome"], f"{what}'s outcome")) if r.get("outcome") else None
        if outcome is None:
            return out  # in flight when the run was exported (never, for an ended run)
        kind = optional(text, r.get("error_kind"), f"{what}'s error_kind")
        if kind is not None and kind not in ERROR_KINDS:
            raise ReplayError(f"{what} has an unknown error kind {kind!r}")
        error_kind: ErrorKind | None = kind
        ran = thread if start is not None else None
        cpu_ns = 0
        if ran is not None:  # the thread's CPU time, shared out so that it adds up exactly
            total, left = cpu_left[ran.worker]
            cpu_ns = total // max(left, 1)
            cpu_left[ran.worker] = (total - cpu_ns, left - 1)
        at = end if end is not None else T0_NS
        out.append((at, 1, RequestFinished(
            req_id, at, ran, outcome, optional(_status, r.get("status"), f"{what}'s status"),
            whole(r.get("bytes") or 0, f"{what}'s bytes"), error_kind,
            optional(text, r.get("error"), f"{what}'s error"), cpu_ns, _phases(r, what),
            optional(text, r.get("http_version"), f"{what}'s http_version"))))
        return out

    def _steering(self, summary: RunSummary) -> list[tuple[int, int, SingleEvent]]:
        """What the live monitor did to the run (resizes, pauses), back as the events it was."""
        out: list[tuple[int, int, SingleEvent]] = []
        staged = bool(self.config.stages)
        for n, (t_s, workers) in enumerate(summary.resizes):
            at = T0_NS + round(t_s * 1e9)
            out.append((at, -1, PoolResized(at, workers, n + 1 if staged else None)))
        for t_s, paused_s in summary.pauses:
            at = T0_NS + round(t_s * 1e9)
            out.append((at, -1, RunPaused(at, True)))
            resumed = at + round(paused_s * 1e9)
            out.append((resumed, -1, RunPaused(resumed, False)))
        return out


def list_text(targets: Sequence[Target]) -> str:
    """The recording's list as a list file would say it: a run of one URL as `URL xN`."""
    lines = []
    for url, run in itertools.groupby(map(operator.attrgetter("url"), targets)):
        count = len(list(run))
        lines.append(f"{url} x{count}" if count > 1 else url)
    return "\n".join(lines) + "\n"


class ReplaySource(RunSource):
    """Plays a Recording's events; `speed` None plays them at once, 1.0 as they happened.

    `hold_at_s` plays only what happened by that second of the run and holds it there, as
    if paused mid-run (a screenshot of a run in progress, for instance).
    """

    replayed = True

    def __init__(self, recording: Recording, speed: float | None = None,
                 hold_at_s: float | None = None) -> None:
        super().__init__(recording.targets, recording.config)
        self.recording = recording
        self.recorded_states = recording.thread_states
        self.speed = speed
        self.hold_ns = None if hold_at_s is None else T0_NS + round(hold_at_s * 1e9)
        self._began: int | None = None
        self._stop = threading.Event()
        self.frame_for_pipe()  # its requests reach the stats as rows, as a live run's do
        self._unpacker = Unpacker()

    def now_ns(self) -> int:
        if self._began is None:
            return T0_NS
        if self.ended:
            return self.recording.end_ns
        if self.speed is None:
            now = self.hold_ns if self.hold_ns is not None else self.recording.end_ns
        else:
            now = T0_NS + round((time.perf_counter_ns() - self._began) * self.speed)
        return min(now, self.hold_ns) if self.hold_ns is not None else now

    def start(self) -> None:
        self._began = time.perf_counter_ns()
        if self.speed is None:
            self._play_until(self.hold_ns)
        else:
            threading.Thread(target=self._play, name="fetchtui-replay", daemon=True).start()

    def _play_until(self, until_ns: int | None) -> int:
        events = self.recording.events
        played = 0
        if until_ns is None:
            self.ledger.relay(list(events))
            return len(events)
        while played < len(events) and events[played].t_ns <= until_ns:
            played += 1
        if played:
            self.ledger.relay(list(events[:played]))
        return played

    def _play(self) -> None:
        events, played = self.recording.events, 0
        while played < len(events) and not self._stop.wait(TICK_S):
            now = self.now_ns()
            upto = played
            while upto < len(events) and events[upto].t_ns <= now:
                upto += 1
            if upto > played:
                self.ledger.relay(list(events[played:upto]))
                played = upto

    def cancel(self) -> None:
        self._stop.set()
        self.ledger.close_out()


class ReplaySources:
    """Runs opened here replay a recording, whatever list the front end holds: the same one
    each time, or the one `pick` chooses for the run's config (a sweep of recordings)."""

    def __init__(self, recording: Recording | Callable[[RunConfig], Recording],
                 speed: float | None = None, hold_at_s: float | None = None) -> None:
        self._pick = recording if callable(recording) else (lambda config: recording)
        self.speed = speed
        self.hold_at_s = hold_at_s

    def open(self, targets: Sequence[Target], config: RunConfig) -> ReplaySource:
        return ReplaySource(self._pick(config), self.speed, self.hold_at_s)

    def warm(self, python: str | None = None) -> None:
        pass

    def close(self) -> None:
        pass
