"""What limits a run: `fetchtui run --json` names the bound, as a user reads it, in each case
the issue lists; and `--stages` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .test_cli_run import run


def summary_of(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "run.json"
    result = run(*args, "--no-history", "--json", str(out))
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(out.read_text())["summary"]
    return summary


def test_four_workers_on_slow_requests_are_bound_by_the_workers(base: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{base}/delay/200 x40", "-w", "4")
    assert summary["limit"]["by"] == "workers", summary["limit"]
    assert "more workers would help" in summary["limit"]["why"]


def test_sixteen_threads_on_an_instant_nginx_are_bound_by_the_clients_cpu(
        nginx: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{nginx} x3000", "-w", "16")
    assert summary["ok"] == 3000
    assert summary["limit"]["by"] == "client_cpu", summary["limit"]
    assert "GIL" in summary["limit"]["why"]


def test_eight_workers_on_a_serialising_server_are_bound_by_the_server(base: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{base}/serial/20 x80", "-w", "8")
    assert summary["limit"]["by"] == "server", summary["limit"]
    assert "wait at the server" in summary["limit"]["why"]


def test_a_rate_the_workers_keep_is_bound_by_the_rate(base: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{base}/delay/10", "-q", "20", "-z", "2s")
    assert summary["limit"]["by"] == "rate", summary["limit"]
    assert summary["ok"] == 40


def test_stages_that_stop_buying_rate_say_the_server_is_the_bound(base: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{base}/serial/10", "--stages", "1:1s,4:1s")
    assert [s["workers"] for s in summary["stages"]] == [1, 4]
    first, second = summary["stages"]
    # the server takes one request at a time, 10 ms each: four workers cannot pass its 100/s
    # (compared with the first stage's, a loaded machine's slower 1-worker start failed it)
    assert second["rps"] < 1.05 * 100
    assert second["p50_ms"] > 2.5 * first["p50_ms"]  # ...so four wait their turn
    assert summary["limit"]["by"] == "server", summary["limit"]


def test_a_pool_shrunk_on_slow_requests_says_what_the_step_down_cost(base: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{base}/delay/50", "--stages", "4:1s,1:1s")
    assert summary["limit"]["by"] == "workers", summary["limit"]
    assert "4 → 1 workers cost -" in summary["limit"]["why"] and "more workers would help" in \
        summary["limit"]["why"], summary["limit"]


def test_a_pool_shrunk_on_a_serialising_server_says_the_workers_let_go_were_waiting(
        base: str, tmp_path: Path) -> None:
    summary = summary_of(tmp_path, f"{base}/serial/10", "--stages", "4:1s,1:1s")
    assert summary["limit"]["by"] == "server", summary["limit"]
    assert "4 → 1 workers cost only" in summary["limit"]["why"], summary["limit"]


@pytest.mark.parametrize("path", ["/status/503", "REFUSED"])
def test_a_run_whose_requests_fail_is_bound_by_its_failures_not_the_workers(
        base: str, tmp_path: Path, path: str) -> None:
    import socket

    with socket.socket() as closed:  # a port with nothing listening: every connect is refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/" if path == "REFUSED" else f"{base}{path}"
        out = tmp_path / "run.json"
        result = run(f"{url} x30", "-w", "4", "--no-history", "--json", str(out))
    assert result.returncode == 1, result.stderr  # failures: exit 1, as ever
    limit = json.loads(out.read_text())["summary"]["limit"]
    assert limit["by"] == "server" and "100% of requests failed" in limit["why"], limit
    assert "more workers would help" not in limit["why"]


def test_run_prints_a_row_per_stage_with_its_speedup(base: str) -> None:
    # 2 s a stage: in 1 s the first stage's ten requests read its cold first one as 10% slower
    result = run(f"{base}/delay/100", "--stages", "1:2s,2:2s", "--no-history")
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("stages (speedup", 1)[1].split("\n\n", 1)[0].splitlines()
    assert table[1].split()[:3] == ["stage", "workers", "s"]
    first, second = (line.split() for line in table[3:5])
    assert first[:2] == ["1", "1"] and first[5] == "1.00x"
    assert second[:2] == ["2", "2"] and 1.6 <= float(second[5].rstrip("x")) <= 2.4
    assert "limited by  workers" in result.stdout


@pytest.mark.parametrize("stages, said", [
    ("8", "stage 1 must be WORKERS:DURATION"),
    ("2:10s,x:5s", "stage 2's workers must be a whole number"),
    ("2:10s,0:5s", "workers must be from 1"),
    ("2:soon", "stage 1's duration must be a number of seconds"),
])
def test_a_bad_stage_list_exits_2_naming_the_stage(stages: str, said: str) -> None:
    result = run("http://127.0.0.1:9/", "--stages", stages)
    assert result.returncode == 2
    assert said in result.stderr and "Traceback" not in result.stderr


def test_stages_and_a_duration_together_exit_2(base: str) -> None:
    result = run(f"{base}/get", "--stages", "1:1s", "-z", "5s")
    assert result.returncode == 2 and "leave -z out" in result.stderr
