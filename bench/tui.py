"""What the live UI costs, measured in a real terminal (tmux), the demo server in its own process.

    python bench/tui.py [--rounds 3] [--hz N] [--busy-workers 256] [--keys-only]
                        [--client pycurl] [--model curl-multi] [--workers 16] [--processes 2]
                        [--nginx] [--requests 5000]

--client, --model, --workers and --processes run the UI cases on that configuration (the
fastest: `--model curl-multi --client pycurl --processes 2 --workers 16 --nginx --requests 20000`);
--nginx runs them against nginx instead of the
demo server (the fastest configuration, threads 16 with pycurl, outruns the demo server).

Prints, in one run:
- UI overhead: 5,000 x /delay/0 at 16 workers, run wall time with the live UI / headless
  (`fetchtui run`), median of alternating rounds;
- UI lag: time from an event entering the queue (stamped by the worker thread, in the fetch
  process) to the end of the frame that shows it, p50/p99 over every event of those UI runs;
- key response: time from `tmux send-keys +` to the frame showing the new worker count while
  256 (--busy-workers) workers are busy, p50/p99.
Each UI run starts a second after the app is up, as a user pressing ctrl+s would.
Under App.run_test() the UI reads cheaper than it is (no terminal is drawn), hence tmux.

--vs TREE --vs-python PY runs the same cases, in the same rounds, on another checkout too (an
older commit in a worktree of its own, with its own venv): headless and UI of each side in
turn, A B then B A, so the machine's load hits both; the UI run of that side is instrumented
by the TREE's own bench/tui.py (its app's insides are its own). --no-keys skips the key case.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _helpers import ensure, start_nginx, start_server  # bench/ is on sys.path when a bench runs

HERE = Path(__file__).resolve()
SETTLE_S = 1.0  # the app's first second goes to mounting (style, footer): see docs/benchmarks.md


# -- inside tmux: the real app, instrumented ------------------------------------------
def inner(list_path: str, workers: int, out: str, hz: float, shape: str) -> None:
    os.environ.setdefault("TEXTUAL_FPS", "120")  # as `fetchtui` itself sets it (cli.cmd_tui)
    from fetchtui.tui.screens import run_view

    if hz:
        run_view.FRAME_HZ = hz
    from fetchtui.core.input.config import RunConfig, check_client, check_model
    from fetchtui.core.runs.events import FINISHED_ROW, STARTED_ROW, Event, RequestRows, row_columns
    from fetchtui.tui.app import FetchApp
    from fetchtui.tui.widgets.thread_table import ThreadTable

    def stamps_of(batch: list[Event]) -> list[int]:
        """Every event's stamp, a RequestRows' read from its stamp column (no row made: read
        a row at a time, this instrument took 5% of the UI's CPU in a -P 2 run)."""
        out: list[int] = []
        for event in batch:
            if isinstance(event, RequestRows):
                if event.started:
                    out += row_columns(STARTED_ROW, event.started)[1]
                if event.finished:
                    out += row_columns(FINISHED_ROW, event.finished)[1]
            elif hasattr(event, "t_ns"):
                out.append(event.t_ns)
        return out

    class Instrumented(FetchApp):
        lags_ns: list[int] = []
        keys: list[float] = []

        async def on_mount(self) -> None:
            await super().on_mount()
            self.main.query_one(ThreadTable).focus()
            # as a user would press ctrl+s: once the app is up, not while it is still mounting
            self.set_timer(SETTLE_S, self.main.action_start)
            # the run's start and poll (LiveRun: drain and fold, the batches heard once folded)
            # and the + key (MainScreen), timed where they run
            run, screen = self.live_run, self.main
            start, poll, more = run.start, run.poll, screen.action_more_workers
            run.start = lambda session: self._go(start, session)  # type: ignore[method-assign]
            run.poll = lambda: self.poll(poll)  # type: ignore[method-assign]
            run.on_batch = self.folded
            screen.action_more_workers = lambda: self.more_workers(more)  # type: ignore[method-assign]

        frames = 0
        run_cpu_s = 0.0  # the main thread's CPU time when the run started (then: during it)
        fold_cpu_s = 0.0  # of it, polling: draining and folding (not this bench's stamps)
        fold_only_s = 0.0  # of that, folding
        stamps_s = 0.0  # this bench's own reading of the stamps, inside a poll

        def _go(self, start: Any, session: Any) -> bool:
            self.run_cpu_s = time.thread_time()
            fold = session._fold  # the fold alone, as an older checkout's bench times its fold

            def timed(batch: list[Event]) -> bool:
                began = time.thread_time()
                try:
                    return bool(fold(batch))
                finally:
                    self.fold_only_s += time.thread_time() - began
            session._fold = timed
            return bool(start(session))

        def poll(self, poll: Any) -> Any:
            self.frames += 1
            began = time.thread_time()
            stamped = self.stamps_s
            figures = poll()
            self.fold_cpu_s += time.thread_time() - began - (self.stamps_s - stamped)
            if figures is not None and figures.ended:
                self.call_after_refresh(self._done)
            return figures

        def folded(self, batch: list[Event]) -> None:
            began = time.thread_time()
            stamps = stamps_of(batch)
            self.stamps_s += time.thread_time() - began
            if stamps:
                self.call_after_refresh(self._painted, stamps)

        worst: list[tuple[int, float]] = []  # per frame: events shown, the oldest one's lag (ms)

        def _painted(self, stamps: list[int]) -> None:
            now = time.perf_counter_ns()
            self.lags_ns.extend(now - t for t in stamps)
            self.worst.append((len(stamps), (now - min(stamps)) / 1e6))

        def more_workers(self, more: Any) -> None:
            more()
            self.call_after_refresh(lambda: self.keys.append(time.time()))

        def _done(self) -> None:
            if self.stats is None:
                return
            Path(out).write_text(json.dumps({
                "elapsed_s": self.stats.elapsed_s(), "ok": self.stats.ok,
                "frames": self.frames, "ui_cpu_s": time.thread_time(),
                "run_cpu_s": time.thread_time() - self.run_cpu_s, "fold_cpu_s": self.fold_cpu_s,
                "fold_only_s": self.fold_only_s,
                "process_cpu_s": time.process_time(),
                "lags_ns": self.lags_ns, "keys": self.keys, "worst": self.worst,
            }))
            self.exit(0)

    text = Path(list_path).read_text()
    # "curl-multi/pycurl/2": model, client, -P; a 4th part "unsampled": no thread-state sampling
    model, client, processes, *unsampled = shape.split("/")
    if unsampled == ["unsampled"]:  # bench/thread_states.py's side with the sampler off
        from fetchtui.tui.live_run import LiveRun

        LiveRun.sampling = None
    Instrumented(text, RunConfig(workers=workers, client=check_client(client),
                                 model=check_model(model), processes=int(processes))).run()


# -- outside: the driver ----------------------------------------------------------------
#: A side of the comparison: (its python, its bench/tui.py): this checkout's, or --vs's.
Side = tuple[str, str]


def headless(list_path: str, workers: int, tmp: Path, shape: str,
             side: Side = (sys.executable, str(HERE))) -> tuple[float, float]:
    """(the run's elapsed s, its whole process tree's CPU s)."""
    out = tmp / "headless.json"
    model, client, processes = shape.split("/")[:3]
    spread = ["-P", processes] if model in ("processes", "curl-multi") else []  # -P is theirs alone
    cpu = os.times()
    subprocess.run([side[0], "-m", "fetchtui", "run", "-f", list_path, "-w", str(workers),
                    "-b", client, "--model", model, *spread, "--no-history", "--json", str(out)],
                   check=True, capture_output=True, timeout=600)
    after = os.times()
    used = after.children_user + after.children_system - cpu.children_user - cpu.children_system
    return float(json.loads(out.read_text())["summary"]["elapsed_s"]), used


def with_ui(list_path: str, workers: int, tmp: Path, hz: float, shape: str,
            keys: int = 0, side: Side = (sys.executable, str(HERE))) -> tuple[dict[str, Any], list[float]]:
    out = tmp / "ui.json"
    out.unlink(missing_ok=True)
    session = f"fetchtui-bench-{os.getpid()}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50",
                    side[0], side[1], "--inner", list_path, str(workers), str(out), str(hz),
                    shape],
                   check=True)
    pane = subprocess.run(["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
                          capture_output=True, text=True, check=False).stdout.strip()
    sent: list[float] = []
    try:
        if keys:
            time.sleep(SETTLE_S + 1.5)  # the run is under way, all workers busy
            for _ in range(keys):
                sent.append(time.time())
                subprocess.run(["tmux", "send-keys", "-t", session, "+"], check=True)
                time.sleep(0.12)
        give_up = time.monotonic() + 300
        while not out.exists() and time.monotonic() < give_up:
            time.sleep(0.2)
        time.sleep(0.2)
        return json.loads(out.read_text()), sent
    finally:
        # the app's own exit (its fetch process, its close-out) would overlap the next run:
        # wait for it, bounded, before the session (and whatever is left in it) is killed
        gone_by = time.monotonic() + 30
        while pane.isdigit() and Path(f"/proc/{pane}").exists() and time.monotonic() < gone_by:
            time.sleep(0.1)
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)


class Seen:
    """One side's rounds: headless and UI wall, CPU, and every event's lag."""

    def __init__(self) -> None:
        self.head: list[float] = []
        self.ui: list[float] = []
        self.head_cpu: list[float] = []
        self.ui_cpu: list[float] = []
        self.ratios: list[float] = []  # each round's UI / headless, paired
        self.lags: list[float] = []
        self.worst: list[float] = []

    def add(self, instant: str, args: argparse.Namespace, tmp: Path, spec: str, side: Side) -> None:
        h, h_cpu = headless(instant, args.workers, tmp, spec, side)
        result, _ = with_ui(instant, args.workers, tmp, args.hz, spec, side=side)
        assert result["ok"] == args.requests
        self.head.append(h)
        self.head_cpu.append(h_cpu)
        self.ui.append(result["elapsed_s"])
        self.ui_cpu.append(result["process_cpu_s"])
        self.ratios.append(result["elapsed_s"] / h)
        self.lags += [lag / 1e6 for lag in result["lags_ns"]]
        self.worst += [lag for _, lag in result["worst"]]
        print(f"  {side[1]}: headless {h:.2f} s (CPU {h_cpu:.2f} s); UI {result['elapsed_s']:.2f} s, "
              f"{result['frames']} frames, UI thread CPU {result['ui_cpu_s']:.2f} s "
              f"({result['run_cpu_s'] * 1e3:.0f} ms of it from the run's start to its end, "
              f"{result['fold_cpu_s'] * 1e3:.0f} ms draining and folding, of which folding "
              f"{result.get('fold_only_s', result['fold_cpu_s']) * 1e3:.0f} ms), "
              f"UI process CPU {result['process_cpu_s']:.2f} s; load {os.getloadavg()[0]:.1f}", flush=True)

    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def report(self) -> None:
        h, u = statistics.median(self.head), statistics.median(self.ui)
        print(f"  headless {h:.3f} s   live UI {u:.3f} s   ratio of medians {u / h:.3f}   "
              f"median of paired ratios {self.ratio():.3f}")
        print(f"  CPU (median): headless run's process tree {statistics.median(self.head_cpu):.2f} s, "
              f"UI process {statistics.median(self.ui_cpu):.2f} s")
        print(f"  frames: {len(self.worst)}, each one's oldest event waited "
              f"p50 {pct(self.worst, 50):.1f} ms, "
              f"max {max(self.worst, default=float('nan')):.1f} ms")
        print(f"  UI lag, event queued -> frame painted: p50 {pct(self.lags, 50):.1f} ms  "
              f"p99 {pct(self.lags, 99):.1f} ms  ({len(self.lags)} events)")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description="What the live UI costs, in a real terminal.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys-only", action="store_true", help="only the key-response case")
    parser.add_argument("--busy-workers", type=int, default=256, help="workers busy during the key test")
    parser.add_argument("--hz", type=float, default=0, help="frame rate to try (default: the app's)")
    parser.add_argument("--client", default="requests", help="the client of the UI cases")
    parser.add_argument("--model", default="threads", help="the model of the UI cases")
    parser.add_argument("--workers", type=int, default=16, help="workers of the UI cases")
    parser.add_argument("--processes", type=int, default=1, help="-P of the UI cases (processes, curl-multi)")
    parser.add_argument("--nginx", action="store_true", help="fetch from nginx, not the demo server")
    parser.add_argument("--requests", type=int, default=5000, help="instant requests per UI case")
    parser.add_argument("--vs", help="another checkout (a worktree) to run side by side")
    parser.add_argument("--vs-python", default=sys.executable, help="--vs's python (its venv's)")
    parser.add_argument("--no-keys", action="store_true", help="skip the key-response case")
    args = parser.parse_args()
    spec = f"{args.model}/{args.client}/{args.processes}"  # what the UI cases run: model, client, -P
    if not shutil.which("tmux"):
        sys.exit("bench/tui.py needs tmux")
    proc, base = start_server()
    nginx_dir = tempfile.TemporaryDirectory(prefix="fetchtui-bench-")
    nginx: subprocess.Popen[bytes] | None = None
    instant_url = f"{base}/delay/0"
    if args.nginx:
        found = ensure("nginx", "nginx-light")
        if found is None:
            sys.exit("--nginx needs nginx (apt-get install nginx-light)")
        nginx, instant_url = start_nginx(found, nginx_dir.name)
    try:
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            instant = tmp / "instant.txt"
            instant.write_text(f"{instant_url} x{args.requests}\n")
            sides: dict[str, Side] = {"this": (sys.executable, str(HERE))}
            if args.vs:
                sides["vs"] = (args.vs_python, str(Path(args.vs) / "bench" / "tui.py"))
            seen = {name: Seen() for name in sides}
            for round_ in range(0 if args.keys_only else args.rounds):
                order = list(sides) if round_ % 2 == 0 else list(reversed(sides))  # A B, then B A
                for name in order:
                    seen[name].add(str(instant), args, tmp, spec, sides[name])
            if not args.keys_only:
                server = "nginx" if args.nginx else "demo server"
                print(f"UI overhead, {args.requests} instant requests ({server}) at {args.workers} workers"
                      f", {spec}, median of {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
                for name, side in sides.items():
                    print(f"{name} ({side[1]}):")
                    seen[name].report()
                if args.vs:
                    this, vs = seen["this"], seen["vs"]
                    print(f"this / vs: UI/headless wall ratio {this.ratio() / vs.ratio():.3f}, "
                          f"lag p99 {pct(this.lags, 99):.1f} / {pct(vs.lags, 99):.1f} ms")
            if args.no_keys:
                return

            busy = tmp / "busy.txt"
            # long enough to outlast the 30 keys on the fastest model too (curl-multi: ~1,200 req/s)
            busy.write_text(f"{base}/delay/200 x{args.busy_workers * 80}\n")
            result, sent = with_ui(str(busy), args.busy_workers, tmp, args.hz, spec, keys=30)
            shown = result["keys"]
            response = [(s2 - s1) * 1000 for s1, s2 in zip(sent, shown, strict=False)]
            print(f"key response with {args.busy_workers} workers busy ({len(shown)}/{len(sent)} keys seen): "
                  f"p50 {pct(response, 50):.1f} ms  p99 {pct(response, 99):.1f} ms")
    finally:
        proc.terminate()
        proc.wait(5)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        nginx_dir.cleanup()


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--inner":
        inner(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]), sys.argv[6])
    else:
        main()
