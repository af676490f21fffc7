"""Verdicts as a user reads them from the command line: per-URL results, --check, and
`fetchtui diff`, on real runs against the demo server."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fetchtui.core.demo.server import DemoServer
from fetchtui.core.report.checks import CheckError, parse_check

from .test_cli_run import CMD, run


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`fetchtui ARGS` as typed: a subcommand of its own (sweep, history, diff)."""
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120)


def export(tmp_path: Path, name: str, *args: str, history: Path | None = None) -> dict[str, Any]:
    out = tmp_path / f"{name}.json"
    hist = ["--history", str(history)] if history else ["--no-history"]
    result = run(*args, *hist, "--json", str(out))
    assert result.returncode in (0, 1), result.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def test_by_url_has_a_row_per_distinct_url_in_list_order_with_credentials_masked(
        server: DemoServer, tmp_path: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    listing = tmp_path / "list.txt"
    listing.write_text(f"http://ann:hunter2@127.0.0.1:{port}/delay/10 x5\n"
                       f"{server.url}/status/503 x3\n"
                       f"{server.url}/delay/10 x2\n"
                       f"{server.url}/status/503\n")  # the same URL again: the same row
    doc = export(tmp_path, "by-url", "-f", str(listing), "-w", "3")
    rows = doc["summary"]["by_url"]
    assert [r["url"] for r in rows] == [f"http://ann:***@127.0.0.1:{port}/delay/10",
                                        f"{server.url}/status/503", f"{server.url}/delay/10"]
    assert [(r["requests"], r["ok"], r["failed"], r["cancelled"]) for r in rows] == \
        [(5, 5, 0, 0), (4, 0, 4, 0), (2, 2, 0, 0)]
    assert rows[1]["error_counts"] == {"http": 4}
    assert rows[0]["latency_ms"]["p50"] >= 10 and set(rows[0]["latency_ms"]) == {"p50", "p90", "p99", "max"}
    assert "hunter2" not in json.dumps(doc)
    printed = run("-f", str(listing), "-w", "3", "--no-history").stdout
    table = printed.split("by URL", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^2\s+4\s+0\s+4\s+0\s.*http:4\s+" + re.escape(f"{server.url}/status/503"),
                     table, re.M), table
    assert "hunter2" not in printed and "ann:***@" in table


def test_a_cancelled_duration_counts_never_started_requests_in_their_url_row(base: str,
                                                                            tmp_path: Path) -> None:
    doc = export(tmp_path, "timed", f"{base}/delay/100\n{base}/delay/101", "-w", "1", "-q", "20",
                 "-z", "1s")
    rows = doc["summary"]["by_url"]
    assert sum(r["requests"] for r in rows) == doc["summary"]["submitted"] == 20
    assert sum(r["ok"] + r["failed"] + r["cancelled"] for r in rows) == 20


CHECKS_THAT_PASS = ["p50<1s", "p90<=2000ms", "p99<5s", "max<10s", "errors<1%", "errors<=0.5",
                    "failed==0", "ok==20", "requests>=20", "cancelled==0", "rps>=1", "rps>0/s",
                    "url[1].p50<500ms", "url[2].p99>=5ms", "url[2].ok==10", "p50>1us"]


def test_every_check_form_passes_on_a_run_it_describes(base: str, tmp_path: Path) -> None:
    args = [f"{base}/delay/1 x10\n{base}/delay/20 x10", "-w", "4"]
    for check in CHECKS_THAT_PASS:
        args += ["--check", check]
    doc = export(tmp_path, "pass", *args)
    checks = doc["summary"]["checks"]
    assert [c["expr"] for c in checks] == CHECKS_THAT_PASS
    assert all(c["passed"] for c in checks), [c for c in checks if not c["passed"]]
    assert checks[0]["value"] > 0


def test_a_failed_check_exits_3_and_says_which_with_its_value(base: str) -> None:
    result = run(f"{base}/delay/30 x10", "-w", "5", "--no-history", "--check", "p50<5ms",
                 "--check", "failed==0")
    assert result.returncode == 3, result.stdout + result.stderr
    said = re.search(r"✗ p50<5ms\s+(\d+\.\d) ms", result.stdout)
    assert said and float(said[1]) >= 30, result.stdout  # each request was held 30 ms
    assert re.search(r"✓ failed==0\s+0", result.stdout)
    assert "checks: 1 of 2 passed" in result.stdout


def test_passing_checks_exit_0_even_with_failed_requests_they_allow(base: str) -> None:
    result = run(f"{base}/get x19\n{base}/status/500", "--no-history", "--check", "errors<10%")
    assert result.returncode == 0, result.stdout  # the checks say what passing means
    assert run(f"{base}/get x19\n{base}/status/500", "--no-history").returncode == 1


@pytest.mark.parametrize("check, said", [
    ("p99<200", "needs a time unit"),
    ("p99<200kg", "needs a time unit"),
    ("latency<1s", "unknown figure 'latency'"),
    ("p99 ~ 1s", "must read FIGURE OP VALUE"),
    ("errors<1ms", "errors is a share"),
    ("errors<200%", "at most 100%"),
    ("failed==0ms", "is a count"),
    ("url[0].p50<1s", "counts the per-URL rows from 1"),
    ("url[x].p50<1s", "counts the per-URL rows from 1"),
    ("url[\u0663].p50<1s", "counts the per-URL rows from 1"),  # digits 0-9 only
    ("url[" + "9" * 4300 + "].p50<1s", "counts the per-URL rows from 1"),
    ("url[1].rps>5", "a URL has no rps"),
    ("rps>=5ms", "rps is requests a second"),
    ("", "must read FIGURE OP VALUE"),
])
def test_a_bad_check_exits_2_before_anything_is_fetched(server: DemoServer, check: str, said: str) -> None:
    path = f"/delay/0?bad-check={len(check)}-{abs(hash(check))}"
    result = run(f"{server.url}{path}", "--no-history", "--check", check)
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert server.seen(path) == []
    with pytest.raises(CheckError, match=re.escape(said)):
        parse_check(check)


def test_a_sweep_with_a_failing_check_exits_3(base: str, tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    # x24: three waves at 8 workers, so a run's start-up (tens of ms) cannot sink it below 100/s
    result = cli("sweep", f"{base}/delay/20 x24", "-w", "1,8", "--no-history", "--check", "rps>=100",
                 "--json", str(out))
    assert result.returncode == 3, result.stdout + result.stderr
    runs = json.loads(out.read_text())["runs"]
    assert [r["summary"]["checks"][0]["passed"] for r in runs] == [False, True]


def test_history_shows_whether_each_run_passed_its_checks(base: str, tmp_path: Path) -> None:
    hist = tmp_path / "h.sqlite3"
    run(f"{base}/get x3", "--history", str(hist), "--check", "failed==0", "--check", "ok==3")
    run(f"{base}/get x3", "--history", str(hist), "--check", "ok==4")
    run(f"{base}/get x3", "--history", str(hist))
    shown = cli("history", "--history", str(hist)).stdout
    lines = [line for line in shown.splitlines() if re.match(r"\s*\d+\s+20\d\d-", line)]
    assert ["✓ 2/2" in lines[0], "✗ 0/1" in lines[1], " - " in lines[2]] == [True, True, True], shown


def diff_of(*args: str) -> tuple[int, dict[str, Any]]:
    result = cli("diff", *args, "--json")
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, json.loads(result.stdout)


def verdicts(doc: dict[str, Any]) -> dict[str, str]:
    return {f["figure"]: f["verdict"] for f in doc["figures"]}


@contextlib.contextmanager
def own_server() -> Iterator[str]:
    """A demo server in a process of its own: its base URL. In the suite's process, the heap's
    GC pauses land in one run's tail and not the other's (p99 1.3x apart, a real difference
    of runs), and a diff of two runs reads them."""
    server = subprocess.Popen([*CMD, "demo-server", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        yield server.stdout.readline().split(" on ", 1)[1].split()[0]
    finally:
        server.terminate()
        server.wait(10)


def test_diff_of_the_same_list_twice_reads_no_significant_change(tmp_path: Path) -> None:
    with own_server() as own:
        for name in ("a", "b"):
            # few workers on a Python server: with 25 its threads' GIL hand-offs (5 ms each) moved
            # one run's tail by 40% of a 25 ms request; 500 requests: p99 is the 5th slowest
            export(tmp_path, name, f"{own}/delay/50 x500", "-w", "5")
    code, doc = diff_of(str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert code == 0
    seen = [(f["figure"], f["change"], f["ci95"]) for f in doc["figures"]]
    assert set(verdicts(doc).values()) == {"no significant change"}, seen
    p50 = next(f for f in doc["figures"] if f["figure"] == "p50")
    low, high = p50["ci95"]
    assert low <= p50["change"] <= high and 0.9 < p50["change"] < 1.1


def test_diff_of_a_doubled_delay_reads_slower_by_about_two(tmp_path: Path) -> None:
    hist = tmp_path / "h.sqlite3"
    # its own server: in the suite's process a GC pause in A's tail hid B's p99 (seen in CI);
    # 500 requests: p99 is the 5th slowest, where at 200 (the 2nd) two stalls of A's hid it again
    with own_server() as own:
        export(tmp_path, "a", f"{own}/delay/40 x500", "-w", "10", history=hist)
        export(tmp_path, "b", f"{own}/delay/80 x500", "-w", "10", history=hist)
    for sides in ((str(tmp_path / "a.json"), str(tmp_path / "b.json")), ("1", "2")):  # exports, history
        code, doc = diff_of(*sides, "--history", str(hist), "--fail-if-slower", "p99")
        assert code == 3  # the gate held: B is slower on p99
        seen = verdicts(doc)
        assert seen["p50"] == seen["p99"] == seen["rps"] == "slower", doc["figures"]
        p50 = next(f for f in doc["figures"] if f["figure"] == "p50")
        assert 1.8 < p50["change"] < 2.2 and p50["ci95"][0] > 1.5
        rps = next(f for f in doc["figures"] if f["figure"] == "rps")
        assert 0.4 < rps["change"] < 0.6
    code, doc = diff_of(str(tmp_path / "b.json"), str(tmp_path / "a.json"))
    assert code == 0 and verdicts(doc)["p50"] == "faster"
    printed = cli("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")).stdout
    assert re.search(r"^p50\s+ms\s+4\d\.\d\d\s+8\d\.\d\d\s+\d\.\d\dx\s+.*slower$", printed, re.M), printed


@pytest.mark.parametrize("given, said", [
    ("nowhere.json", "cannot read nowhere.json"),
    ("77", "there is no run #77"),
])
def test_diff_of_something_that_is_no_run_exits_2(tmp_path: Path, given: str, said: str) -> None:
    result = cli("diff", given, given, "--history", str(tmp_path / "h.sqlite3"))
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_long_list_caps_the_per_url_view_and_the_export_keeps_every_row(base: str, tmp_path: Path) -> None:
    listing = tmp_path / "many.txt"
    listing.write_text("".join(f"{base}/get?n={n}\n" for n in range(1500)))
    out = tmp_path / "many.json"
    result = run("-f", str(listing), "-w", "8", "--no-history", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "… and 1,450 more URLs (the JSON export has every one)" in result.stdout
    doc = json.loads(out.read_text())
    assert len(doc["summary"]["by_url"]) == 1000 and doc["summary"]["url_count"] == 1500
    assert [r["url"] for r in doc["by_url"]] == [f"{base}/get?n={n}" for n in range(1500)]
    assert all(r["ok"] == 1 for r in doc["by_url"])
