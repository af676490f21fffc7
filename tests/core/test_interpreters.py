"""--python: the fetch process on another interpreter, each run saying which one ran it, and
the ceiling following its GIL (a free-threaded Python's tests need FETCHTUI_FREE_THREADED_PYTHON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fetchtui.core.runs.interpreter import PythonInfo, parallelism, same

CMD = [sys.executable, "-m", "fetchtui"]


def fetchtui(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=timeout)


def exported(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / f"run{len(list(tmp_path.iterdir()))}.json"
    done = fetchtui("run", *args, "--json", str(out), "--no-history")
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Python that runs but has no fetchtui: a venv of this interpreter's base, without pip."""
    folder = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    return str(folder / "bin" / "python")


def test_a_python_that_cannot_run_fetchtui_exits_2_with_one_line_saying_what_to_do(
        base: str, tmp_path: Path, bare_venv: str) -> None:
    not_python = tmp_path / "not-python"
    not_python.write_text("#!/bin/sh\necho hello\n")
    not_python.chmod(0o755)
    cases = {str(tmp_path / "nothing-here"): "no such file",
             str(not_python): "not a Python interpreter",
             bare_venv: f"fetchtui does not import there (ModuleNotFoundError: No module named 'fetchtui'); "
                        f"install it there: {bare_venv} -m pip install fetchtui=="}
    for path, said in cases.items():
        done = fetchtui("run", f"{base}/delay/0", "--python", path, "--no-history")
        assert done.returncode == 2, (path, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert lines[0].startswith(f"fetchtui: error: --python {path}: {said}"), lines[0]
        assert done.stdout == ""  # nothing was fetched


def test_every_run_says_which_python_ran_it_and_whether_its_gil_was_on(base: str, tmp_path: Path) -> None:
    doc = exported(tmp_path, f"{base}/delay/1 x20", "-w", "2")
    python = doc["summary"]["python"]
    assert python["executable"] == sys.executable
    assert python["version"] == ".".join(map(str, sys.version_info[:3]))
    assert python["implementation"] == sys.implementation.name
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    assert python["gil"] is gil and python["free_threaded"] is (not gil)
    done = fetchtui("run", f"{base}/delay/1 x5", "--no-history")
    assert f"python      {python['version']}" in done.stdout
    assert f"GIL {'on' if gil else 'off'}" in done.stdout


def test_the_ceiling_counts_a_gil_per_process_with_it_and_the_cores_without() -> None:
    def info(gil: bool, cores: int) -> PythonInfo:
        return PythonInfo("/p", "3.13.5", "cpython", not gil, gil, cores)

    assert parallelism(info(True, 8), 1) == 1  # the lesson: one thread of Python at a time
    assert parallelism(info(True, 8), 3) == 3  # a GIL per process
    assert parallelism(info(True, 2), 4) == 2  # no more than the cores
    assert parallelism(info(False, 8), 1) == 8  # no GIL: the threads share the cores
    assert parallelism(info(True, 8), 1, releases_gil=True) == 8  # libcurl's C runs without it


def test_a_free_threaded_run_says_gil_off_and_its_ceiling_counts_the_cores(
        base: str, tmp_path: Path, free_threaded_python: str) -> None:
    doc = exported(tmp_path, f"{base}/delay/1 x200", "-w", "4", "--python", free_threaded_python)
    summary = doc["summary"]
    python = summary["python"]
    assert python["executable"] == free_threaded_python
    assert (python["free_threaded"], python["gil"]) == (True, False)
    assert summary["ok"] == 200
    # the config names another interpreter; run on that one itself, it is the run's own (null)
    assert doc["config"]["python"] == (None if same(free_threaded_python) else free_threaded_python)
    pids = {t["pid"] for t in doc["threads"]}
    assert len(pids) == 1 and os.getpid() not in pids  # the pool ran in the fetch process
    cores = python["cores"]
    assert cores >= 1
    assert summary["gil_ceiling_rps"] == pytest.approx(cores * 1000 / summary["cpu_ms_per_request"], rel=0.01)


def test_processes_on_another_python_run_their_worker_processes_on_it(
        base: str, tmp_path: Path, free_threaded_python: str) -> None:
    # 1.5 s of requests: a worker process that comes up last still finds some (60 of 1 ms each
    # were all taken by the first, once, on a quiet machine)
    doc = exported(tmp_path, f"{base}/delay/50 x60", "-w", "2", "--model", "processes", "-P", "2",
                   "--python", free_threaded_python)
    summary = doc["summary"]
    assert summary["ok"] == 60 and summary["python"]["free_threaded"] is True
    assert len({t["pid"] for t in doc["threads"]}) == 2


def test_a_sweep_runs_every_worker_count_under_each_python(
        base: str, tmp_path: Path, free_threaded_python: str) -> None:
    if same(free_threaded_python):
        pytest.skip("the tests run on the free-threaded Python itself: there is no second one here")
    out = tmp_path / "sweep.json"
    done = fetchtui("sweep", f"{base}/delay/2 x40", "-w", "1,2", "--python", free_threaded_python,
                    "--python", sys.executable, "--json", str(out), "--no-history")
    assert done.returncode == 0, done.stderr
    runs = json.loads(out.read_text())["runs"]
    shape = [(r["workers"], r["summary"]["python"]["executable"]) for r in runs]
    assert shape == [(1, free_threaded_python), (2, free_threaded_python),
                     (1, sys.executable), (2, sys.executable)]
    speedups = [r["speedup"] for r in runs]
    assert speedups[0] == speedups[2] == pytest.approx(1.0)  # each against its own Python's 1 worker
    table = done.stdout
    assert table.count("3.13t GIL off") == 2 or table.count("3.14t GIL off") == 2, table
    assert table.count(f"{sys.version_info[0]}.{sys.version_info[1]} GIL on") == 2, table


@pytest.mark.parametrize("client", ["requests", "requests-per-thread", "pycurl"])
def test_a_measured_rate_stays_under_its_own_ceiling_on_either_interpreter(
        nginx: str, tmp_path: Path, free_threaded_python: str, client: str) -> None:
    """At saturation a run reads at its ceiling: the CPU a thread spends in the kernel, with
    the GIL let go, counts in its CPU time, so it is allowed 5% over; the ceiling that
    counted one GIL on a free-threaded Python read 1,024 req/s for a run of 1,609."""
    for python in dict.fromkeys((sys.executable, free_threaded_python)):
        for workers in ("1", "2", "8"):
            summary = exported(tmp_path, f"{nginx} x1500", "-w", workers, "-b", client,
                               "--python", python)["summary"]
            assert summary["ok"] == 1500
            assert summary["rps"] <= summary["gil_ceiling_rps"] * 1.05, (python, workers, summary["rps"],
                                                                         summary["gil_ceiling_rps"])


def test_the_history_names_the_python_of_each_run(base: str, tmp_path: Path,
                                                  free_threaded_python: str) -> None:
    history = str(tmp_path / "h.sqlite3")
    for python in dict.fromkeys((sys.executable, free_threaded_python)):
        done = fetchtui("run", f"{base}/delay/1 x5", "-w", "1", "--python", python, "--history", history)
        assert done.returncode == 0, done.stderr
    listed = fetchtui("history", "--history", history, "--json")
    assert listed.returncode == 0, listed.stderr
    pythons = [run["summary"]["python"]["executable"] for run in json.loads(listed.stdout)]
    assert pythons == list(dict.fromkeys((sys.executable, free_threaded_python)))
    table = fetchtui("history", "--history", history).stdout
    assert "GIL off" in table  # the free-threaded run's row
