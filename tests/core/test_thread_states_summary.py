"""A run's thread states in its summary, its export's threads, its history row, `fetchtui diff`
and its limit verdict: real runs over loopback, read back as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from fetchtui.core.history.store import HistoryStore
from fetchtui.core.report import codec
from fetchtui.core.report.export_doc import ExportDoc
from fetchtui.core.report.summary import RunSummary
from fetchtui.core.stats.limit import judge
from fetchtui.core.threadstates.kinds import STATES
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable

CMD = [sys.executable, "-m", "fetchtui"]
OLD_EXPORT = Path(__file__).parent.parent / "data" / "export-0.1.0.json"
linux = pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX)


def fetchtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120)


def exported(tmp_path: Path, name: str, *args: str, history: Path) -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    done = fetchtui("run", *args, "--history", str(history), "--json", str(out))
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


@linux
def test_a_runs_summary_threads_history_and_diff_carry_where_its_threads_time_went(
        base: str, tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite3"
    slow = exported(tmp_path, "slow", f"{base}/delay/100 x40", "-w", "4", history=history)
    summary = slow["summary"]
    assert summary["thread_states_why"] is None
    seconds = summary["thread_states"]
    assert list(seconds) == list(STATES)
    total = sum(seconds.values())
    # 4 threads through ten 100 ms requests each: about 4 s of their time, most of it waiting on the server
    assert 2.5 < total < 8, seconds
    assert seconds["net"] > total / 2, seconds
    fetching = [t for t in slow["threads"] if t["requests"]]
    assert len(fetching) == 4 and all(t["states"] is not None for t in fetching), slow["threads"]
    for state in STATES:  # the summary is its threads' own, summed
        assert sum(t["states"][state] for t in fetching) == pytest.approx(seconds[state], abs=1e-4)
    typed = codec.from_doc(ExportDoc, slow)  # read back, typed
    assert typed.summary.thread_states is not None and typed.summary.thread_states.net == seconds["net"]
    store = HistoryStore(history, writing=False)
    kept = store.runs()[-1].record.summary
    store.close()
    assert kept.thread_states == typed.summary.thread_states  # the history row keeps it

    # long enough to be sampled on a quiet machine too (a run over in ~0.25 s is not)
    instant = exported(tmp_path, "instant", f"{base}/bytes/10 x3000", "-w", "8", history=history)
    assert instant["summary"]["thread_states"] is not None
    shares = RunSummary.from_json(instant["summary"]).thread_states
    assert shares is not None
    done = fetchtui("diff", str(tmp_path / "slow.json"), str(tmp_path / "instant.json"), "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["state"]: row for row in json.loads(done.stdout)["thread_states"]}
    assert list(rows) == list(STATES)
    net = rows["net"]
    assert net["a"] == pytest.approx(seconds["net"] / total, abs=1e-3)
    assert net["b"] == pytest.approx(shares.shares["net"], abs=1e-3)
    assert net["change_points"] == pytest.approx((net["b"] - net["a"]) * 100, abs=1e-2)
    again = fetchtui("diff", "1", "2", "--history", str(history), "--json")  # the history's rows
    assert json.loads(again.stdout)["thread_states"] == json.loads(done.stdout)["thread_states"]
    printed = fetchtui("diff", str(tmp_path / "slow.json"), str(tmp_path / "instant.json")).stdout
    assert "thread states: share of the fetching threads' time" in printed
    line = next(x for x in printed.splitlines() if x.startswith("net "))
    assert f"{net['a']:.1%}" in line and f"{net['b']:.1%}" in line and " pt" in line, printed


def test_an_export_written_before_thread_states_opens_without_them() -> None:
    old = json.loads(OLD_EXPORT.read_text())
    summary = RunSummary.from_json(old["summary"])
    assert summary.thread_states is None and summary.thread_states_why is None
    done = fetchtui("diff", str(OLD_EXPORT), str(OLD_EXPORT), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["thread_states"] == []
    assert "thread states" not in fetchtui("diff", str(OLD_EXPORT), str(OLD_EXPORT)).stdout


def _cpu_bound(processes: int = 1, gil: bool = True, rps: float = 900.0) -> Any:
    """What judge() reads of a run that spends 1 ms of CPU a request at `rps` req/s on each
    process's GIL: at 900, CPU-bound by its own figures."""
    return SimpleNamespace(
        ok=500, failed=0, error_counts={}, rps=lambda now=None: rps * processes, end_ns=None,
        floors=SimpleNamespace(queueing=lambda: 20.0), size=16, latency_mean_ms=lambda: 8.0,
        steering=SimpleNamespace(segments=[]), pace=SimpleNamespace(rate=None),
        workers_=SimpleNamespace(cpu_ms_per_request=lambda: 1.0), parallel=lambda: float(processes),
        python=SimpleNamespace(gil=gil), processes=processes)


def test_a_cpu_bound_verdict_cites_the_gil_wait_or_the_wait_for_a_core() -> None:
    stats = _cpu_bound()
    plain = judge(stats)
    assert plain is not None and plain.by == "client_cpu" and plain.why.startswith("1.000 ms of CPU")
    gil = judge(stats, states={"cpu": 0.3, "runnable": 0.05, "gil": 0.61, "net": 0.04})
    assert gil is not None and gil.by == "client_cpu"
    assert gil.why == "61% of the threads' time waiting for the GIL; " + plain.why
    cores = _cpu_bound(processes=2)  # two processes on two cores: the cores are the bound
    cores_plain = judge(cores)
    full = judge(cores, states={"cpu": 0.5, "runnable": 0.4, "gil": 0.02, "net": 0.08})
    assert cores_plain is not None and full is not None and full.by == "client_cpu"
    assert full.why == "40% of the threads' time runnable, waiting for a core; " + cores_plain.why
    # a small share is no evidence: the verdict reads as it did
    assert judge(stats, states={"cpu": 0.9, "gil": 0.05, "runnable": 0.05}) == plain


def test_threads_waiting_to_run_half_their_time_are_the_bound_whatever_the_cpu_figure() -> None:
    """On a machine whose cores other processes hold, the client spends less CPU than it would
    use and requests queue behind its runnable threads: the latency read alone says `server`."""
    starved = _cpu_bound(rps=300)  # 30% of the GIL's core by the CPU figure
    by_latency = judge(starved)
    assert by_latency is not None and by_latency.by == "server", by_latency
    states = {"cpu": 0.2, "runnable": 0.35, "gil": 0.4, "net": 0.05}
    seen = judge(starved, states=states)
    assert seen is not None and seen.by == "client_cpu", seen
    assert seen.why == ("40% of the threads' time waiting for the GIL; CPU 30% of one core's GIL: "
                        "the threads wait to run, more workers would not help")
    # waiting on the network, they are not the bound: the verdict is the latency's
    assert judge(starved, states={"cpu": 0.1, "gil": 0.2, "runnable": 0.1, "net": 0.6}) == by_latency


@linux
def test_sixteen_threads_on_an_instant_nginx_say_what_they_waited_for_in_the_verdict(
        nginx: str, tmp_path: Path) -> None:
    doc = exported(tmp_path, "cpu", f"{nginx} x3000", "-w", "16", history=tmp_path / "h.sqlite3")
    summary = RunSummary.from_json(doc["summary"])
    assert summary.limit is not None and summary.limit.by == "client_cpu", summary.limit
    assert summary.thread_states is not None
    shares = summary.thread_states.shares
    gil, runnable = shares["gil"], shares["runnable"]
    # 16 threads on one GIL: most of their time waits for it (or, on a full machine, for a core)
    assert max(gil, runnable) >= 0.1, shares
    cited = (f"{gil:.0%} of the threads' time waiting for the GIL; " if gil >= runnable
             else f"{runnable:.0%} of the threads' time runnable, waiting for a core; ")
    assert summary.limit.why.startswith(cited), (summary.limit.why, shares)


def _sampled_run(tmp_path: Path, *args: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run's export and its trace's state slices."""
    trace = tmp_path / "run.trace.json"
    doc = exported(tmp_path, "run", *args, "--trace-events", str(trace), history=tmp_path / "h.sqlite3")
    states = [e for e in json.loads(trace.read_text())["traceEvents"] if e.get("cat") == "state"]
    return doc, states


@linux
@pytest.mark.parametrize("model, processes", [("processes", 2), ("asyncio", 1), ("curl-multi", 1),
                                              ("curl-multi", 2)])
def test_every_model_samples_the_threads_that_fetched_in_each_process(
        base: str, tmp_path: Path, model: str, processes: int) -> None:
    # 2 s of 200 ms requests: long enough for a sampler that starts while the run does
    spread = ["-P", str(processes)] if processes > 1 else []
    doc, slices = _sampled_run(tmp_path, f"{base}/delay/200 x160", "--model", model, *spread,
                               "-w", str(16 // processes))
    summary = doc["summary"]
    seconds = summary["thread_states"]
    assert seconds is not None, summary["thread_states_why"]
    # they wait on a 200 ms server (runnable aside: how long a woken thread waits for a core is
    # the shared machine's load, not the model's)
    assert seconds["net"] > (sum(seconds.values()) - seconds["runnable"]) / 2, seconds
    rows = [t for t in doc["threads"] if t["requests"]]
    fetching = {(t["pid"], t["native_id"]) for t in rows}
    pids = {pid for pid, _ in fetching}
    assert len(pids) == processes and os.getpid() not in pids
    if model != "processes":  # an event loop: one thread a process, its tasks' rows its states
        assert len(fetching) == processes
    assert all(t["states"] is not None for t in rows), rows
    by_thread = {(t["pid"], t["native_id"]): t["states"] for t in rows}
    for state in STATES:
        assert sum(s[state] for s in by_thread.values()) == pytest.approx(seconds[state], abs=1e-4)
    assert {e["pid"] for e in slices} == pids  # the trace draws each process's states


@linux
def test_on_a_free_threaded_python_a_run_has_no_gil_state(base: str, tmp_path: Path,
                                                          free_threaded_python: str) -> None:
    doc, _ = _sampled_run(tmp_path, f"{base}/delay/200 x80", "-w", "8", "--python", free_threaded_python)
    summary = doc["summary"]
    assert summary["python"]["gil"] is False
    seconds = summary["thread_states"]
    assert seconds is not None, summary["thread_states_why"]
    assert seconds["gil"] == 0 and seconds["net"] > (sum(seconds.values()) - seconds["runnable"]) / 2, seconds
    assert os.getpid() not in {t["pid"] for t in doc["threads"] if t["requests"]}  # its own fetch process


@linux
def test_a_sweep_samples_each_run_into_its_summary_and_writes_each_runs_trace(
        base: str, tmp_path: Path) -> None:
    trace, out = tmp_path / "sweep.trace.json", tmp_path / "sweep.json"
    # 200 ms requests: each run lasts 2 s or more, past a loaded machine's sampler start-up
    done = fetchtui("sweep", f"{base}/delay/200 x40", "-w", "2,4", "--history", str(tmp_path / "h.sqlite3"),
                    "--trace-events", str(trace), "--json", str(out))
    assert done.returncode == 0, done.stderr
    runs = json.loads(out.read_text())["runs"]
    assert [r["workers"] for r in runs] == [2, 4]
    for n, run in enumerate(runs, 1):
        seconds = run["summary"]["thread_states"]
        assert seconds is not None, run["summary"]["thread_states_why"]
        assert seconds["net"] > (sum(seconds.values()) - seconds["runnable"]) / 2, seconds
        written = tmp_path / f"sweep.trace-{n}.json"
        assert f"wrote {written}" in done.stdout
        events = json.loads(written.read_text())["traceEvents"]
        requests = [e for e in events if e.get("cat") == "request"]
        assert len(requests) == 40 and len({e["tid"] for e in requests}) == run["workers"]
        assert any(e.get("cat") == "state" for e in events)
