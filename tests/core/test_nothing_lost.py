"""SIGTERM and SIGHUP end a headless run as Ctrl-C does, and hostile inputs get a message.

Every case is a real `fetchtui` process, a real signal or a real file, and the demo server.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.history.store import HistoryStore

from ..waiting import wait_until

CMD = [sys.executable, "-m", "fetchtui"]


def start_run(server: DemoServer, tag: str, *args: str, history: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*CMD, "run", f"{server.url}/hang?test={tag} x20", f"{server.url}/delay/0 x2",
                             "-w", "4", "--timeout", "60", "--history", str(history), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def history_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_ends_a_run_as_ctrl_c_does(server: DemoServer, tmp_path: Path,
                                                 signum: int, code: int) -> None:
    out, rows, hist = tmp_path / "partial.json", tmp_path / "partial.csv", tmp_path / "h.sqlite3"
    tag = f"signal-{signum}"
    proc = start_run(server, tag, "--json", str(out), "--csv", str(rows), history=hist)
    wait_until(lambda: server.held(f"/hang?test={tag}") == 4, "four workers stuck on /hang")
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=10)  # the server would hold them two minutes
    assert proc.returncode == code, stderr
    assert f"stopped by {signal.Signals(signum).name}" in stdout
    assert "requests    22  (ok " in stdout  # the summary, every request in it
    doc = json.loads(out.read_text())
    summary = doc["summary"]
    assert summary["submitted"] == 22 == summary["ok"] + summary["failed"] + summary["cancelled"]
    assert summary["cancelled"] >= 4 and len(doc["requests"]) == 22
    assert len(rows.read_text().splitlines()) == 23  # the header and a row per request
    assert history_rows(hist) == 1
    assert "Traceback" not in stderr


def test_a_second_signal_in_the_close_out_exits_at_once_saying_what_is_lost(
        server: DemoServer, tmp_path: Path) -> None:
    out, hist = tmp_path / "partial.json", tmp_path / "h.sqlite3"
    HistoryStore(hist).close()
    locker = sqlite3.connect(hist, isolation_level=None)
    proc: subprocess.Popen[str] | None = None
    try:
        proc = start_run(server, "second-signal", "--json", str(out), history=hist)
        wait_until(lambda: server.held("/hang?test=second-signal") == 4, "four workers stuck")
        locker.execute("BEGIN IMMEDIATE")  # the history is busy: the close-out waits on it
        proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None
        line = proc.stderr.readline()  # the run says it is waiting for the history
        assert "history file is busy" in line
        assert out.exists()  # the export came first
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=5)
        assert proc.returncode == 143
        assert "SIGTERM again: exiting now; not written: the history row" in stderr
        assert json.loads(out.read_text())["summary"]["submitted"] == 22
    finally:
        locker.close()
        if proc is not None and proc.poll() is None:
            proc.kill()


def test_a_busy_history_costs_no_export_and_gives_up_with_one_line(base: str, tmp_path: Path) -> None:
    out, hist = tmp_path / "r.json", tmp_path / "h.sqlite3"
    HistoryStore(hist).close()  # a history as fetchtui makes it (WAL): readers never wait
    locker = sqlite3.connect(hist, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process is writing it, and goes on
    try:
        result = subprocess.run([*CMD, "run", f"{base}/delay/0 x3", "--json", str(out),
                                 "--history", str(hist)], capture_output=True, text=True, timeout=60)
    finally:
        locker.close()
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["summary"]["ok"] == 3
    warnings = [line for line in result.stderr.splitlines() if "this run is not recorded" in line]
    assert len(warnings) == 1 and "stayed busy" in warnings[0]


def run(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, "run", "--no-history", *args], capture_output=True, text=True,
                          timeout=60, **kw)  # type: ignore[call-overload]


# -- exports --------------------------------------------------------------------------
@pytest.mark.skipif(os.geteuid() != 0, reason="replacing /dev/null takes root; run as root to see it held")
def test_an_export_to_dev_null_writes_through_and_leaves_the_device(base: str) -> None:
    assert run(f"{base}/delay/0", "--json", "/dev/null", "--csv", "/dev/stdout").returncode == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_an_export_to_a_fifo_reaches_its_reader(base: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    assert run(f"{base}/delay/0 x2", "--json", str(fifo)).returncode == 0
    reader.join(10)
    assert json.loads(got[0])["summary"]["ok"] == 2 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_export_to_a_symlink_writes_its_target(base: str, tmp_path: Path) -> None:
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    real.write_text("old")
    link.symlink_to(real)
    assert run(f"{base}/delay/0", "--json", str(link)).returncode == 0
    assert link.is_symlink() and json.loads(real.read_text())["summary"]["ok"] == 1


def test_exports_follow_umask_and_keep_an_existing_mode(base: str, tmp_path: Path) -> None:
    new, kept = tmp_path / "new.json", tmp_path / "kept.csv"
    kept.write_text("old")
    kept.chmod(0o664)
    result = run(f"{base}/delay/0", "--json", str(new), "--csv", str(kept),
                 preexec_fn=lambda: os.umask(0o027))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    assert stat.S_IMODE(kept.stat().st_mode) == 0o664


@pytest.mark.parametrize(("args", "says"), [
    (["--json", "X", "--csv", "X"], "the CSV would overwrite the JSON"),
    (["--json", "-", "--csv", "-"], "would both go to stdout"),
    (["--json", ""], "--json needs a path"),
    (["--json", "x.json/"], "names a directory"),
])
def test_export_paths_that_cannot_work_are_refused_before_anything_is_fetched(
        tmp_path: Path, args: list[str], says: str) -> None:
    args = [str(tmp_path / a) if a == "X" else a for a in args]
    result = run("http://127.0.0.1:9/never-fetched", *args, cwd=tmp_path)
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


# -- inputs ---------------------------------------------------------------------------
def test_a_non_utf8_byte_in_a_url_argument_is_a_bad_line(base: str) -> None:
    result = subprocess.run([*CMD.copy(), "run", "--no-history", os.fsencode(base) + b"/\xff"],
                            capture_output=True, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 2 and "not UTF-8 text (byte 0xff)" in err and "Traceback" not in err


def test_a_backslash_in_the_host_part_is_refused_so_shown_and_sent_agree(server: DemoServer) -> None:
    result = run(f"http://127.0.0.1:{server.port}\\@evil.example/")
    assert result.returncode == 2 and "backslash in the host part" in result.stderr


@pytest.mark.parametrize(("header", "says"), [("X: a\x01b", "control characters"),
                                              ("X: a\x0bb", "control characters"),
                                              ("X: \u2603", "ASCII text"),
                                              ("X: \u00e9", "ASCII text")])
def test_header_values_clients_would_send_raw_or_fail_on_are_refused(header: str, says: str) -> None:
    result = run("http://127.0.0.1:9/", "-H", header)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def test_a_bad_line_never_prints_its_password(tmp_path: Path) -> None:
    result = run("http://u:S3cr3t@127.0.0.1:9/ x0")
    assert result.returncode == 2 and "line 1" in result.stderr
    assert "S3cr3t" not in result.stderr and "u:***@" in result.stderr


@pytest.mark.parametrize("proxy", ["u:S3cr3t@127.0.0.1:1", "http:u:S3cr3t@127.0.0.1:1",
                                   "http://u:S3cr3t@[::1"])
def test_a_proxy_password_is_never_shown_or_exported(proxy: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("http://127.0.0.1:9/", "-x", proxy, "--json", str(out), "--timeout", "2")
    assert "S3cr3t" not in result.stdout + result.stderr and "Traceback" not in result.stderr
    if out.exists():
        assert "S3cr3t" not in out.read_text()
    else:
        assert result.returncode == 2 and "***" in result.stderr


@pytest.mark.parametrize("client", ["requests", "httpx", "pycurl"])
def test_a_schemeless_proxy_from_the_environment_keeps_its_password(client: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    env = {**os.environ, "HTTP_PROXY": "u:S3cr3t@127.0.0.1:1"}
    result = run("http://127.0.0.1:9/", "-b", client, "--json", str(out), env=env)
    assert result.returncode == 1 and "S3cr3t" not in out.read_text() + result.stdout + result.stderr


def test_a_timeout_past_a_day_is_refused() -> None:
    result = run("http://127.0.0.1:9/", "--timeout", "1e10")
    assert result.returncode == 2 and "at most a day" in result.stderr


# -- exports read back, and the history ------------------------------------------------
@pytest.mark.parametrize(("field", "value", "says"), [
    ("start_s", "1e400", "not a fetchtui run export"),
    ("status", '"abc"', "status must be a whole number"),
    ("http_version", "11", "http_version must be text"),
])
def test_open_on_a_damaged_export_says_what_is_wrong(base: str, tmp_path: Path, field: str, value: str,
                                                    says: str) -> None:
    good = tmp_path / "good.json"
    assert run(f"{base}/delay/0 x2", "--json", str(good)).returncode == 0
    doc = json.loads(good.read_text())
    doc["requests"][0][field] = "@@"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc).replace('"@@"', value))
    result = subprocess.run([*CMD, "open", str(bad)], capture_output=True, text=True, timeout=30,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_history_row_is_skipped_with_a_word(base: str, tmp_path: Path) -> None:
    hist = tmp_path / "h.sqlite3"
    assert subprocess.run([*CMD, "run", f"{base}/delay/0", "--history", str(hist)],
                          capture_output=True, timeout=60).returncode == 0
    with sqlite3.connect(hist) as db:
        db.execute("INSERT INTO runs (finished_at, front_end, workers, backend, list_key, summary) "
                   "VALUES ('x', 'run', 1, 'requests', 'k', '{\"ok\": 1}')")
    result = subprocess.run([*CMD, "history", "--history", str(hist)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0 and "1 unreadable row(s)" in result.stderr
    assert "Traceback" not in result.stderr and "requests" in result.stdout


def test_history_last_zero_says_what_last_takes() -> None:
    result = subprocess.run([*CMD, "history", "--last", "0"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--last takes a number of runs from 1 up" in result.stderr


def test_an_unusable_history_location_says_why_once(base: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run(f"{base}/delay/0")  # --no-history: nothing to say
    assert "history" not in result.stderr
    result = subprocess.run([*CMD, "run", f"{base}/delay/0", "--history", str(blocker / "h.sqlite3")],
                            capture_output=True, text=True, timeout=60)
    warnings = [line for line in result.stderr.splitlines() if "history" in line]
    assert result.returncode == 0 and len(warnings) == 1
    assert "is not a folder" in warnings[0] and "unable to open" not in warnings[0]
    assert warnings[0].count("not record") == 1


def test_a_dead_worker_process_is_named_in_the_headless_summary(server: DemoServer) -> None:
    path = "/delay/1500?test=dead-worker"
    proc = subprocess.Popen([*CMD, "run", "--no-history", f"{server.url}{path} x4", "-P", "2", "-w", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: server.held(path) == 4, "both processes' workers waiting on the server")
    workers = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "fetchtui.core.runs.processes"],
                             capture_output=True, text=True).stdout.split()
    os.kill(int(workers[0]), signal.SIGKILL)
    stdout, _ = proc.communicate(timeout=30)  # the other process finishes its two
    assert proc.returncode == 1
    assert "(ok 2, failed 0, cancelled 2)" in stdout
    assert f"2 worker process {workers[0]} died (killed by SIGKILL)" in stdout


def test_help_names_each_models_default_client_and_the_exit_statuses() -> None:
    result = subprocess.run([*CMD, "run", "--help"], capture_output=True, text=True, timeout=30)
    text = " ".join(result.stdout.split())
    assert "under asyncio aiohttp, httpx (default aiohttp)" in text
    assert "143 SIGTERM, 129 SIGHUP" in text


def test_ctrl_c_while_a_busy_history_is_waited_for_exits_at_once_with_the_exports_written(
        base: str, tmp_path: Path) -> None:
    out, hist = tmp_path / "r.json", tmp_path / "h.sqlite3"
    HistoryStore(hist).close()
    locker = sqlite3.connect(hist, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    proc = subprocess.Popen([*CMD, "run", f"{base}/delay/0 x3", "--json", str(out), "--history", str(hist)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        assert "history file is busy" in proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=5)
        assert proc.returncode == 130 and "Traceback" not in stderr
        assert "SIGINT: exiting now; not written: the history row" in stderr
        assert json.loads(out.read_text())["summary"]["ok"] == 3
    finally:
        locker.close()
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_ends_a_sweep_keeping_the_run_it_cut(server: DemoServer, tmp_path: Path,
                                                            signum: int, code: int) -> None:
    out = tmp_path / "sweep.json"
    tag = f"sweep-{signum}"
    proc = subprocess.Popen([*CMD, "sweep", "--no-history", f"{server.url}/delay/0 x4",
                             f"{server.url}/hang?test={tag}", "-w", "1,2", "--timeout", "60",
                             "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: server.held(f"/hang?test={tag}") == 1, "the first run stuck on /hang")
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == code, stderr
    assert f"stopped by {signal.Signals(signum).name}: 1 of 2 runs, the last cut short" in stdout
    runs = json.loads(out.read_text())["runs"]  # the one in flight is kept, cut, as a run's is
    assert [(r["workers"], r["summary"]["ok"], r["summary"]["cancelled"]) for r in runs] == [(1, 4, 1)]
