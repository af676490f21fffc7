"""The replay source: plays back the events of an exported run (JSON v1), instantly or as recorded."""

from __future__ import annotations

import itertools
import json
import operator
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fetchtui.core import interpreter, registry
from fetchtui.core.config import ConfigError, FetchLimits, RunConfig, check_backend, check_model
from fetchtui.core.events import (
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
from fetchtui.core.interpreter import PythonInfo
from fetchtui.core.runs.source import RunSource
from fetchtui.core.targets import Target

T0_NS = 1_000_000_000  # a replay's clock starts here: any fixed origin will do
TICK_S = 0.02


class ReplayError(ValueError):
    """The document is not a run fetchtui exported; the message says what is wrong."""


def _phases(row: Mapping[str, Any]) -> Phases | None:
    """A request's phases as exported (an export from before phases existed has none)."""
    if not any(f"{name}_ms" in row for name in PHASE_NAMES) and "conn_id" not in row:
        return None
    ns = {f"{name}_ns": None if row.get(f"{name}_ms") is None else round(float(row[f"{name}_ms"]) * 1e6)
          for name in PHASE_NAMES}
    reused = row.get("conn_reused")
    conn_id = row.get("conn_id")
    return Phases(**ns, conn_id=None if conn_id is None else int(conn_id),
                  conn_reused=None if reused is None else bool(reused))


def _opt_int(value: Any, what: str) -> int | None:
    """A whole number or null, as exported (`"abc"` or 1.5 is no status)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReplayError(f"{what} must be a whole number or null, got {value!r:.40}")
    return value


def _opt_str(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ReplayError(f"{what} must be text or null, got {value!r:.40}")
    return value


def _ns(seconds: Any) -> int | None:
    return None if seconds is None else T0_NS + round(float(seconds) * 1e9)


class Recording:
    """An exported run, read back: its config, its targets and its events in time order."""

    def __init__(self, doc: Mapping[str, Any], origin: str = "the document") -> None:
        try:
            self._read(doc)
        except ReplayError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise ReplayError(f"{origin} is not a fetchtui run export ({why})") from None

    @classmethod
    def load(cls, path: str | Path) -> Recording:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReplayError(f"{path} is not JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise ReplayError(f"{path} is not a fetchtui run export")
        return cls(doc, str(path))

    def _read(self, doc: Mapping[str, Any]) -> None:
        if doc.get("version") != 1 or "requests" not in doc or "summary" not in doc:
            raise ReplayError("not a fetchtui run export (JSON version 1 with a summary and requests)")
        config, summary = doc.get("config") or {}, doc["summary"]
        try:
            limits = FetchLimits(timeout=float(config.get("timeout", 10.0)))
            rate, duration = config.get("rate"), config.get("duration_s")
            stages = tuple((int(st["workers"]), float(st["duration_s"]))
                           for st in config.get("stages") or ())
            self.config = RunConfig(int(config.get("workers", 1)),
                                    check_backend(str(config.get("backend", "requests"))), limits,
                                    float(rate) if rate is not None else None,
                                    float(duration) if duration is not None and not stages else None,
                                    bool(config.get("cut_at_end", False)),
                                    check_model(str(config.get("model", "threads"))),
                                    int(config.get("processes", 1)), stages)
        except (ConfigError, KeyError, TypeError, ValueError) as exc:
            raise ReplayError(f"the export's config is not valid: {exc}") from None
        threads: dict[tuple[int, int, int | None], ThreadInfo] = {}  # by ThreadInfo.worker
        # worker -> (CPU ns not yet handed out, requests left)
        cpu_left: dict[tuple[int, int, int | None], tuple[int, int]] = {}
        timed: list[tuple[int, int, SingleEvent]] = []  # (t_ns, order, event): starts before ends
        for t in doc.get("threads", []):
            task = t.get("task")
            info = ThreadInfo(int(t["ident"]), str(t["name"]), int(t.get("native_id") or 0),
                              int(t.get("pid") or 0), int(task) if task is not None else None)
            threads[info.worker] = info
            retired = _ns(t.get("retired_s"))
            if retired is not None:  # after its last request's end, at the same instant
                timed.append((retired, 2, WorkerRetired(retired, info)))
            cpu_left[info.worker] = (round(float(t.get("cpu_s", 0.0)) * 1e9), int(t.get("requests", 0)))
        rows = sorted(doc["requests"], key=lambda r: int(r["id"]))
        if [int(r["id"]) for r in rows] != list(range(len(rows))):
            raise ReplayError("the export's request ids are not 0..n-1")
        self.targets = [Target(str(r["url"]), str(r["url"]), 0) for r in rows]
        timed += self._steering(summary)
        for r in rows:
            req_id = int(r["id"])
            thread = None
            if r.get("thread_ident") is not None:
                task = r.get("task")
                thread = threads.get((int(r.get("pid") or 0), int(r["thread_ident"]),
                                      int(task) if task is not None else None))
            start, end = _ns(r.get("start_s")), _ns(r.get("end_s"))
            if start is not None and r.get("elapsed_ms") is not None:  # the latency as measured
                end = start + round(float(r["elapsed_ms"]) * 1e6)
            if thread is not None and start is not None:
                timed.append((start, 0, RequestStarted(req_id, start, thread, _ns(r.get("scheduled_s")))))
            outcome = Outcome(r["outcome"]) if r.get("outcome") else None
            if outcome is None:
                continue  # in flight when the run was exported (never, for an ended run)
            kind = r.get("error_kind")
            if kind is not None and kind not in ERROR_KINDS:
                raise ReplayError(f"request {req_id} has an unknown error kind {kind!r}")
            error_kind: ErrorKind | None = kind
            ran = thread if start is not None else None
            cpu_ns = 0
            if ran is not None:  # the thread's CPU time, shared out so that it adds up exactly
                total, left = cpu_left[ran.worker]
                cpu_ns = total // max(left, 1)
                cpu_left[ran.worker] = (total - cpu_ns, left - 1)
            at = end if end is not None else T0_NS
            status = _opt_int(r.get("status"), f"request {req_id}'s status")
            timed.append((at, 1, RequestFinished(req_id, at, ran, outcome, status,
                                                 int(r.get("bytes") or 0), error_kind,
                                                 _opt_str(r.get("error"), f"request {req_id}'s error"),
                                                 cpu_ns, _phases(r),
                                                 _opt_str(r.get("http_version"),
                                                          f"request {req_id}'s http_version"))))
        timed.sort(key=lambda item: (item[0], item[1]))
        self.end_ns = T0_NS + round(float(summary["elapsed_s"]) * 1e9)
        # a duration's end cancels some requests too; only a cancel's errors say "cancelled"
        by_cancel = any(str(r.get("error") or "").startswith("cancelled") for r in rows)
        self.timed = self.config.duration is not None and not by_cancel
        self.cancelled = int(summary.get("cancelled", 0)) > 0 and not self.timed
        cfg = self.config
        per_worker = cfg.concurrency // max(1, cfg.workers)
        python = PythonInfo.from_json(summary["python"]) if summary.get("python") else None
        client = registry.client(cfg.model, cfg.backend)
        parallel = interpreter.parallelism(python, registry.processes_for(cfg.model, cfg.processes),
                                           client is not None and client.releases_gil,
                                           registry.MODELS[cfg.model].threaded)
        self.events: list[SingleEvent] = [RunStarted(len(rows), cfg.concurrency, T0_NS, cfg.rate,
                                               cfg.duration, cfg.cut_at_end, cfg.processes,
                                               tuple((w * per_worker, d) for w, d in cfg.stages),
                                               python, parallel)]
        self.events += [event for _, _, event in timed]
        self.events.append(RunEnded(self.end_ns, self.cancelled, total=len(rows), timed=self.timed))


    def _steering(self, summary: Mapping[str, Any]) -> list[tuple[int, int, SingleEvent]]:
        """What the live monitor did to the run (resizes, pauses), back as the events it was."""
        out: list[tuple[int, int, SingleEvent]] = []
        staged = bool(self.config.stages)
        try:
            for n, resize in enumerate(summary.get("resizes") or ()):
                at = _ns(resize["t_s"]) or T0_NS
                out.append((at, -1, PoolResized(at, int(resize["workers"]), n + 1 if staged else None)))
            for pause in summary.get("pauses") or ():
                at = _ns(pause["t_s"]) or T0_NS
                out.append((at, -1, RunPaused(at, True)))
                resumed = at + round(float(pause["s"]) * 1e9)
                out.append((resumed, -1, RunPaused(resumed, False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ReplayError(f"the export's resizes or pauses are not valid: {exc}") from None
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
        self.speed = speed
        self.hold_ns = None if hold_at_s is None else T0_NS + round(hold_at_s * 1e9)
        self._began: int | None = None
        self._stop = threading.Event()

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
