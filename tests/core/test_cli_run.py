"""`fetchtui run` as a user runs it: a real process against the loopback demo server."""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.cli import build_run_parser
from fetchtui.core.demo.server import DemoServer

from ..waiting import wait_until

CMD = [sys.executable, "-m", "fetchtui"]


def run(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`fetchtui run ARGS` (or `fetchtui ARGS` when the first is an option like --version)."""
    sub = [] if args[:1] in (("--version",), ("run",)) else ["run"]
    return subprocess.run([*CMD, *sub, *args], capture_output=True, text=True, input=stdin, timeout=timeout)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and re.fullmatch(r"fetchtui \d+\.\d+\.\d+\n", result.stdout)


def test_all_ok_exits_0_with_summary_and_exports(base: str, tmp_path: Path) -> None:
    out_json, out_csv = tmp_path / "run.json", tmp_path / "run.csv"
    result = run(f"{base}/delay/10 x30", "-w", "5", "--json", str(out_json), "--csv", str(out_csv))
    assert result.returncode == 0, result.stderr
    assert "ok 30, failed 0, cancelled 0" in result.stdout
    doc = json.loads(out_json.read_text())
    assert doc["version"] == 1
    assert doc["config"]["workers"] == 5 and doc["config"]["client"] == "requests"
    summary = doc["summary"]
    assert (summary["submitted"], summary["ok"], summary["failed"], summary["cancelled"]) == (30, 30, 0, 0)
    assert set(summary["latency_ms"]) == {"p50", "p90", "p99", "max"}
    assert summary["status_counts"] == {"200": 30}
    assert len(doc["threads"]) == 5 and sum(t["requests"] for t in doc["threads"]) == 30
    assert {r["id"] for r in doc["requests"]} == set(range(30))
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 30 and rows[0]["outcome"] == "ok" and rows[0]["url"] == f"{base}/delay/10"


def test_failures_exit_1_and_are_counted_by_kind(base: str, closed_port: int) -> None:
    result = run(f"{base}/status/500 x2", f"{base}/delay/0 x3", f"http://127.0.0.1:{closed_port}/")
    assert result.returncode == 1
    assert "ok 3, failed 3" in result.stdout
    assert "http: 2" in result.stdout and "connect: 1" in result.stdout


def test_bad_lines_are_all_listed_exit_2_and_nothing_is_fetched(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("# list\nexample.com\nhttp://127.0.0.1:99999/\nftp://x.example/ x3\n")
    result = run("-f", str(listing))
    assert result.returncode == 2
    assert "3 bad line(s)" in result.stderr and "nothing was fetched" in result.stderr
    for line in ("line 2: missing scheme", "line 3: bad port", "line 4: unsupported scheme 'ftp'"):
        assert line in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-w", "0"], "workers must be from 1 to 1024, got 0"),
        (["-w", "-5"], "workers must be from 1 to 1024, got -5"),
        (["-w", "lots"], "workers must be a whole number"),
        (["-w", "5000"], "workers must be from 1 to 1024"),
        (["--timeout", "0"], "timeout must be more than 0 seconds"),
        (["--timeout", "-1"], "timeout must be more than 0 seconds"),
        (["--timeout", "5 parsecs"], "timeout must be a number of seconds or like 500ms"),
        (["--max-redirects", "-1"], "redirects cannot be negative, got -1"),
        (["--max-redirects", "lots"], "redirects must be a whole number, got 'lots'"),
        (["--max-bytes", "-5"], "max bytes cannot be negative, got -5"),
        (["-b", "curl"], "invalid choice: 'curl'"),
        (["-f", "/no/such/file"], "cannot read /no/such/file"),
        ([], "no URLs given"),
    ],
)
def test_bad_settings_get_a_clear_message_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args) if "-f" in args or not args else run("http://127.0.0.1:9/", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flag", ["--client", "-b", "--backend"])
def test_client_is_the_flag_and_b_and_backend_its_aliases(flag: str) -> None:
    args = build_run_parser().parse_args(["http://127.0.0.1:9/", flag, "httpx"])
    assert args.client == "httpx" and not hasattr(args, "backend")
    assert "--client CLIENT, -b CLIENT, --backend CLIENT" in build_run_parser().format_help()


def test_list_from_stdin_and_only_comments(base: str) -> None:
    assert run("-f", "-", stdin=f"{base}/delay/0 x2\n").returncode == 0
    result = run("-f", "-", stdin="# nothing here\n\n")
    assert result.returncode == 2 and "has no URLs" in result.stderr


def test_trace_prints_the_seed_line_per_request(base: str) -> None:
    result = run(f"{base}/delay/0 x4", "-w", "2", "--trace")
    lines = [ln for ln in result.stdout.splitlines() if " url : " in ln]
    assert len(lines) == 4
    pattern = re.compile(rf"^\d+ process \| \d+ url : {re.escape(base)}/delay/0 -> 200 \d+\.\d ms$")
    assert all(pattern.match(line) for line in lines), lines
    assert len({line.split(" | ")[1].split()[0] for line in lines}) <= 2


def test_password_never_appears_in_any_output(base: str, tmp_path: Path) -> None:
    url = base.replace("http://", "http://alice:s3cret@") + "/status/404"
    token = base.replace("http://", "http://T0KEN@") + "/status/404?token"  # a token alone too
    history = str(tmp_path / "h.sqlite3")
    result = run(url, token, "--trace", "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"),
                 "--history", history)
    files = [(tmp_path / name).read_text() for name in ("r.json", "r.csv")]
    listed = subprocess.run([*CMD, "history", "--json", "--history", history], capture_output=True,
                            text=True, timeout=60)
    outputs = [result.stdout, result.stderr, *files, listed.stdout]
    assert "alice:***@" in result.stdout and "//***@" in result.stdout
    assert "//***@" in listed.stdout and "//***@" in files[0] and "//***@" in files[1]
    assert not [o for o in outputs if "s3cret" in o or "T0KEN" in o]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc: a folder no file can be made in")
def test_unwritable_export_keeps_the_summary_and_says_why(base: str) -> None:
    # /proc is a folder (so the check before the run passes) where no file can be written
    result = run(f"{base}/delay/0 x3", "--json", "/proc/fetchtui-test-r.json")
    assert result.returncode == 1
    assert "ok 3, failed 0" in result.stdout
    assert "error: cannot write" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["-x", "http://u:pa@ss@127.0.0.1:1"],
     "-x 'http://u:***@127.0.0.1:1': a raw '@' in the user name or password is read differently "
     "by different clients; percent-encode it (%40)"),
    (["-x", "http://u:pa ss@127.0.0.1:1"], "-x 'http://u:***@127.0.0.1:1': a proxy URL cannot hold spaces"),
    (["-x", "http://127.0.0.1\\@evil.example:1"],
     "-x 'http://***@evil.example:1': a backslash in the host part"),
    (["-H", "X-A: \u00e9"], "-H X-A: a header value must be ASCII text"),
    (["-H", "\u00c4: b"], "-H: '\u00c4' is not a header name"),
    (["-H", "X A: b"], "-H: 'X A' is not a header name"),
    (["-H", "Authorization Bearer s3cret"], "-H takes 'Name: value', got 'Authorization ***'"),
    (["--cacert", "/no/such/ca.pem"], "--cacert /no/such/ca.pem: cannot read it (No such file"),
    (["--cacert", "/"], "--cacert /: a folder; give a file of PEM certificates"),
    (["--cacert", "GARBAGE"], "--cacert GARBAGE: no PEM certificate found in it"),
    (["--json", "/no/such/dir/r.json"],
     "--json '/no/such/dir/r.json': its folder '/no/such/dir' does not exist"),
    (["--csv", "/no/such/dir/r.csv"], "--csv '/no/such/dir/r.csv': its folder '/no/such/dir' does not exist"),
    (["--csv", "/"], "--csv '/' names a directory; give a file name"),
    (["--json", "/tmp"], "--json '/tmp' is a folder"),
    (["-z", "1s", "--stages", "1:1s"],
     "--stages sets the run's duration (the sum of its stages): leave -z out"),
    (["-d", "@/dev/zero"], "-d @/dev/zero: larger than 64 MiB, the most a body may be"),
    (["-f", "/dev/zero"], "-f /dev/zero: larger than 256 MiB, the most a list may be"),
])
def test_input_every_client_would_not_read_alike_exits_2_with_one_line(
        server: DemoServer, tmp_path: Path, args: list[str], message: str) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    args = [str(garbage) if a == "GARBAGE" else a for a in args]
    message = message.replace("GARBAGE", str(garbage))
    path = f"/delay/0?refused={len(message)}-{args[0]}"
    result = run(f"{server.url}{path}", *args)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()  # one line, saying what is wrong
    assert line.startswith(f"fetchtui: error: {message}"), line
    assert server.seen(path) == [] and result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["-w", "\u0663"], "argument -w/--workers: workers must be a whole number, got '\u0663'; "
                       "write it with the digits 0-9"),
    (["-w", "9" * 4300], "argument -w/--workers: workers is too large (a 4,300-digit number)"),
    (["-P", "\u0662"], "processes must be a whole number"),
    (["--max-bytes", "1_000"], "max bytes must be a whole number, got '1_000'"),
    (["--timeout", "\u0663s"], "timeout must be written with the digits 0-9"),
    (["-z", "\u0663"], "duration must be written with the digits 0-9"),
    (["-q", "\u0661\u0660"], "rate must be written with the digits 0-9"),
    (["--stages", "\u0662:1s"], "stage 1's workers must be a whole number"),
])
def test_numbers_are_ascii_digits_and_bounded(args: list[str], message: str) -> None:
    result = run("http://127.0.0.1:9/", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["--check", "p99<"], "fetchtui run: error: argument --check: check 'p99<' must read FIGURE OP VALUE"),
    (["-w", "abc"], "fetchtui run: error: argument -w/--workers: workers must be a whole number"),
    (["--no-such-flag"], "fetchtui run: error: unrecognized arguments: --no-such-flag"),
])
def test_a_bad_argument_is_one_line_naming_the_help_not_the_whole_usage(args: list[str], says: str) -> None:
    result = run("http://127.0.0.1:9/", *args)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(says) and line.endswith("(see fetchtui run --help)"), line


@pytest.mark.parametrize(("flags", "says"), [
    (["-d", "@-"], "-d @-: larger than 64 MiB, the most a body may be"),
    (["-f", "-"], "-f -: larger than 256 MiB, the most a list may be"),
])
def test_stdin_is_read_with_the_same_cap(flags: list[str], says: str) -> None:
    with open("/dev/zero", "rb") as zeros:  # endless: only a capped read ends
        result = subprocess.run([*CMD, "run", "--no-history", "http://127.0.0.1:9/", *flags], stdin=zeros,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr == f"fetchtui: error: {says}\n"


def test_existing_export_path_is_replaced_whole(base: str, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("old contents " * 1000)
    assert run(f"{base}/delay/0", "--json", str(path)).returncode == 0
    assert json.loads(path.read_text())["summary"]["ok"] == 1


def test_ctrl_c_with_every_worker_stuck_exits_130_and_exports_the_partial_run(
    server: DemoServer, tmp_path: Path
) -> None:
    out = tmp_path / "partial.json"
    hang = "/hang?test=ctrl-c"
    proc = subprocess.Popen([*CMD, "run", f"{server.url}{hang} x20", f"{server.url}/delay/0 x2",
                             "-w", "4", "--timeout", "60", "--json", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: server.held(hang) == 4, "four workers stuck on /hang")
    proc.send_signal(signal.SIGINT)
    # the server would hold them two minutes: only a run that cuts its sockets is back in time
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stdout
    summary = json.loads(out.read_text())["summary"]
    assert summary["submitted"] == 22
    assert summary["ok"] + summary["failed"] + summary["cancelled"] == 22
    assert summary["cancelled"] >= 4


def test_demo_runs_with_no_internet() -> None:
    result = run("run", "--demo", "-w", "10")
    assert result.returncode == 1  # the demo list has some 404/503 on purpose
    assert "ok 192, failed 8, cancelled 0" in result.stdout


def test_the_live_monitor_without_a_terminal_says_to_use_run(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("http://127.0.0.1:9/ x3\n")
    with listing.open() as stdin:  # no controlling terminal: a new session, stdin a file
        result = subprocess.run([*CMD, "-f", "-"], stdin=stdin, capture_output=True, text=True,
                                timeout=30, start_new_session=True)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "fetchtui run" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_to_stdout_sends_the_summary_to_stderr(base: str) -> None:
    result = run(f"{base}/delay/0 x3", "--json", "-", "--trace")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)  # nothing but the export on stdout
    assert doc["summary"]["ok"] == 3 and len(doc["requests"]) == 3
    assert "ok 3, failed 0" in result.stderr and " url : " in result.stderr


def test_csv_to_stdout(base: str) -> None:
    result = run(f"{base}/delay/0 x2", "--csv", "-")
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert result.returncode == 0 and [r["outcome"] for r in rows] == ["ok", "ok"]
    assert "fetchtui run" in result.stderr


@pytest.mark.parametrize(("given", "seconds"), [("500ms", 0.5), ("10s", 10.0), ("2m", 120.0), ("1.5", 1.5)])
def test_durations_take_units_like_curl_and_hey(given: str, seconds: float, base: str,
                                                tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert run(f"{base}/delay/0", "--timeout", given, "--json", str(out)).returncode == 0
    assert json.loads(out.read_text())["config"]["timeout"] == seconds


def test_k_is_insecure_as_in_curl(tls_server: DemoServer) -> None:
    assert run(f"{tls_server.url}/delay/0").returncode == 1  # unknown CA: a tls failure
    assert run(f"{tls_server.url}/delay/0", "-k").returncode == 0
