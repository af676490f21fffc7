"""The processes model: -P worker processes of -w threads, against the real demo server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from fetchtui.core import registry
from fetchtui.core.demo.server import DemoServer
from fetchtui.core.fetching.errors import MAX_HEADER_LINES
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.events import Outcome
from fetchtui.core.runs.processes import ProcessesSource
from fetchtui.core.stats import RunStats

from ..hostile_server import HostileServer
from ..waiting import fold_until, wait_until
from .helpers import FAULTS, pids_of
from .test_cli_run import CMD, run
from .test_hostile_answers import outcomes, wrong


def processes(text: str, procs: int, workers: int, **limits: object) -> tuple[ProcessesSource, RunStats]:
    targets = parse_targets(text)
    config = RunConfig(workers, "requests", FetchLimits(**limits), model="processes",  # type: ignore[arg-type]
                       processes=procs)
    return ProcessesSource(targets, config), RunStats(targets)


def sweep(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, "sweep", *args], capture_output=True, text=True, timeout=120)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def accounted(stats: RunStats) -> bool:
    return stats.ended and stats.ok + stats.failed + stats.cancelled == stats.total == stats.done


def test_two_processes_share_the_list_and_every_request_is_counted_once(base: str) -> None:
    """The list ends in four requests that hang: whichever process starts first, each one's
    two threads end up holding one, so both processes are seen at work, however loaded."""
    source, stats = processes(f"{base}/delay/20 x40\n{base}/status/503 x2\n{base}/hang?test=share x4",
                              procs=2, workers=2, timeout=30)
    source.start()
    fold_until(source, stats, lambda: stats.done == 42 and stats.in_flight == 4,
               "42 done and four hanging, two in each process")
    pids = pids_of(stats)
    source.cancel()
    fold_until(source, stats, lambda: stats.ended, "the cancel to close the run out")
    source.close()
    assert (stats.ok, stats.failed, stats.cancelled) == (40, 2, 4) and accounted(stats)
    assert len(pids) == 2 and os.getpid() not in pids
    assert len(stats.threads) == 4  # two threads in each
    per = stats.per_process()
    assert sum(p.requests for p in per) == 46 and all(p.workers == 2 for p in per)
    assert all(gone(pid) for pid in pids)


def test_work_is_handed_out_on_demand_not_split_up_front(base: str) -> None:
    """One process is held by a hanging request; the other takes everything else."""
    source, stats = processes(f"{base}/hang?test=on-demand\n{base}/delay/0 x20", procs=2, workers=1,
                              timeout=30)
    source.start()
    try:
        fold_until(source, stats, lambda: stats.ok == 20, "the twenty quick requests")
        held = stats.view(0).thread
        assert held is not None and stats.view(0).outcome is None  # still hanging
        assert {stats.view(i).thread.pid for i in range(1, 21)} == {  # type: ignore[union-attr]
            pid for pid in pids_of(stats) if pid != held.pid}
    finally:
        source.close()


def test_a_killed_process_accounts_its_requests_and_the_other_goes_on(server: DemoServer) -> None:
    path = "/delay/300?test=kill-one"
    source, stats = processes(f"{server.url}{path} x30", procs=2, workers=2)
    source.start()
    fold_until(source, stats, lambda: len(pids_of(stats)) == 2 and stats.in_flight == 4,
               "both processes with requests in flight")
    victim = pids_of(stats)[0]
    os.kill(victim, signal.SIGKILL)
    fold_until(source, stats, lambda: stats.ended, "the run to end without the killed process")
    source.close()
    assert accounted(stats) and stats.total == 30 and not stats.interrupted
    lost = [stats.view(i) for i in range(30) if stats.view(i).outcome is Outcome.CANCELLED]
    assert lost and all(rec.error == f"worker process {victim} died (killed by SIGKILL)" for rec in lost)
    assert all(rec.thread is not None and rec.thread.pid == victim for rec in lost)
    survivor = next(p for p in stats.per_process() if p.pid != victim)
    assert stats.ok == 30 - len(lost) and survivor.requests >= 30 - len(lost) - 4


def test_total_deadline_holds_in_a_worker_process(base: str) -> None:
    source, stats = processes(f"{base}/drip?bytes=40&interval_ms=100", procs=1, workers=1, timeout=0.5)
    source.start()
    fold_until(source, stats, lambda: stats.ended, "the run to end")
    source.close()
    assert stats.error_counts == {"timeout": 1}


def test_cancel_accounts_every_request_and_leaves_no_process_behind(server: DemoServer) -> None:
    path = "/hang?test=processes-cancel"
    source, stats = processes(f"{server.url}{path} x50", procs=2, workers=3)
    source.start()
    fold_until(source, stats, lambda: stats.in_flight == 6, "six requests in flight")
    pids = pids_of(stats)
    source.cancel()
    fold_until(source, stats, lambda: stats.ended, "the cancel to end the run")
    assert accounted(stats) and stats.cancelled == 50 and stats.interrupted
    source.close()
    assert all(gone(pid) for pid in pids)


def test_a_cancel_counts_what_each_process_had_started_as_in_flight(server: DemoServer) -> None:
    """The moment the server holds a request, its process has started it; a cancel then,
    however soon (before the start's 5 ms batch has crossed), ends it as that process's,
    cancelled in flight, not as one that never started."""
    path = "/hang?test=processes-cancel-in-flight"
    source, stats = processes(f"{server.url}{path} x20", procs=2, workers=2)
    source.start()
    try:
        wait_until(lambda: server.held(path) == 4, "four requests held by the server", limit=30)
        source.cancel()
        fold_until(source, stats, lambda: stats.ended, "the cancel to end the run")
    finally:
        source.close()
    assert accounted(stats) and stats.cancelled == 20
    in_flight = [r for r in stats.records if r is not None and r.start_ns is not None]
    assert len(in_flight) == 4 and all(r.error == "cancelled while in flight" for r in in_flight)
    assert len({r.thread.pid for r in in_flight if r.thread is not None}) == 2


def test_ctrl_c_on_a_processes_run_exits_130_with_every_request_accounted(
    server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "partial.json"
    path = "/hang?test=processes-ctrl-c"
    proc = subprocess.Popen([*CMD, "run", f"{server.url}{path} x20", "-P", "2", "-w", "2",
                             "--timeout", "60", "--json", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: server.held(path) == 4, "four requests held by the server")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 130, stderr
    doc = json.loads(out.read_text())
    summary = doc["summary"]
    assert summary["submitted"] == 20 and summary["cancelled"] == 20
    assert doc["config"]["model"] == "processes" and doc["config"]["processes"] == 2
    assert len({r["pid"] for r in doc["requests"] if r["pid"] is not None}) == 2
    assert all(gone(p["pid"]) for p in doc["processes"])


def test_run_prints_a_table_per_process(base: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(f"{base}/delay/5 x30", "-P", "2", "-w", "2", "--json", str(out))
    assert result.returncode == 0, result.stderr
    table = re.search(r"^processes\n\s*pid\s+threads\s+requests\s+busy s\s+cpu ms/req\n[- ]+\n(.*?)\n\n",
                      result.stdout, re.M | re.S)
    assert table is not None, result.stdout
    rows = [line.split() for line in table.group(1).splitlines()]
    # a loaded machine may start the second process after the first has done all 30
    assert 1 <= len(rows) <= 2 and sum(int(row[2]) for row in rows) == 30
    doc = json.loads(out.read_text())
    assert len(doc["processes"]) == len(rows) and sum(p["requests"] for p in doc["processes"]) == 30
    assert {t["pid"] for t in doc["threads"]} == {p["pid"] for p in doc["processes"]}


@pytest.mark.parametrize(("args", "says"), [
    (["-P", "2", "--model", "asyncio"], "-P sets the processes of --model processes"),
    (["-P", "0"], "processes must be from 1 to 64"),
    (["--model", "asyncio", "-b", "pycurl"], "the asyncio model runs aiohttp, httpx; not pycurl"),
])
def test_model_mistakes_are_one_clear_message(args: list[str], says: str, base: str) -> None:
    result = run(f"{base}/delay/0", *args)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def test_sweep_models_compares_each_model_with_its_own_ceiling(base: str, tmp_path: Path) -> None:
    out = tmp_path / "models.json"
    result = sweep(f"{base}/delay/0 x200", "-w", "4", "-P", "2", "--no-history",
                 "--models", "threads/requests,processes/requests,asyncio", "--json", str(out))
    assert result.returncode == 0, result.stderr
    runs = json.loads(out.read_text())["runs"]
    assert [(r["client"], r["workers"]) for r in runs] == [
        ("requests", 4), ("requests, 2 processes", 8), ("aiohttp, asyncio", 4)]
    assert all(r["summary"]["ok"] == 200 for r in runs)
    threads, procs = runs[0]["summary"], runs[1]["summary"]
    # each process has its GIL: the ceiling counts the cores the processes can use
    cores = min(2, os.cpu_count() or 1)
    assert procs["gil_ceiling_rps"] == pytest.approx(cores * 1000 / procs["cpu_ms_per_request"], rel=0.01)
    assert threads["gil_ceiling_rps"] == pytest.approx(1000 / threads["cpu_ms_per_request"], rel=0.01)
    for client in ("requests, 2 processes", "aiohttp, asyncio"):
        assert client in result.stdout


def test_sweep_models_says_which_pair_is_wrong(base: str) -> None:
    result = sweep(f"{base}/delay/0", "--models", "threads/aiohttp")
    assert result.returncode == 2 and "the threads model runs" in result.stderr
    assert "Traceback" not in result.stderr


# /hang and the drip wait out their timeouts: the deadlines have a test of their own here
@pytest.mark.parametrize(("path", "kind", "limits"),
                         [fault for fault in FAULTS if not fault[0].startswith(("/hang", "/drip"))])
def test_each_failure_kind_comes_back_from_a_worker_process(
    base: str, path: str, kind: str, limits: dict[str, float]
) -> None:
    source, stats = processes(f"{base}{path} x2", procs=1, workers=2, **limits)
    source.start()
    fold_until(source, stats, lambda: stats.ended, "the run to end")
    source.close()
    assert stats.error_counts == {kind: 2}, [r.error for r in stats.records if r]


@pytest.mark.parametrize("model", [["-P", "2", "-w", "2"], ["--model", "asyncio", "-w", "2"]])
def test_header_secrets_are_sent_and_never_shown_under_every_model(
    server: DemoServer, tmp_path: Path, model: list[str]
) -> None:
    path = f"/delay/0?test=secrets-{model[1]}"
    result = run(f"{server.url}{path} x3",
                 "-H", "Authorization: Bearer s3cret", "-H", "X-Api-Key: k3y", *model,
                 "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"), "--trace")
    assert result.returncode == 0, result.stderr
    seen = server.seen(path)
    assert len(seen) == 3 and all(dict(s.headers)["Authorization"] == "Bearer s3cret" for s in seen)
    shown = [result.stdout, result.stderr, (tmp_path / "r.json").read_text(),
             (tmp_path / "r.csv").read_text()]
    assert not [text for text in shown if "s3cret" in text or "k3y" in text]


# a few of the conformance table's answers, one of each kind of rule: a worker process gives
# each the same one outcome as a thread of the caller's does (test_hostile_answers)
REPRESENTATIVE = ["103 then 500", "a head promising 2 bytes, then close", "status 099",
                  "Transfer-Encoding: identity, Content-Length: 2, then close",
                  "4 redirects, 3 allowed", "a space in a header name", f"{MAX_HEADER_LINES} header lines",
                  "90 Set-Cookie lines of 60 KB"]


@pytest.mark.parametrize("client", registry.client_names("processes"))
def test_hostile_answers_have_their_one_outcome_in_a_worker_process(hostile: HostileServer,
                                                                    client: str) -> None:
    got = outcomes(hostile, REPRESENTATIVE, "processes", client)
    assert not wrong(got), wrong(got)
