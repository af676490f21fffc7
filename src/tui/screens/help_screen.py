"""The help screen (F1 or ?): what each view shows, for someone new to thread pools."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from fetchtui.core.history.records import RunRecord
from fetchtui.core.input.textsafe import safe_text
from fetchtui.core.stats import RunStats
from fetchtui.core.threadstates.figures import ThreadStates
from fetchtui.core.threadstates.kinds import MEANING

#: the states in the order the stats panel names them; their names at 80 columns
_SHOWN = {"cpu": "cpu", "gil": "gil", "lock": "lock", "net": "net", "idle": "idle", "other": "other",
          "runnable": "core"}

STATES = """
**Where each thread's time goes** (Linux) — the `threads` line above the limit. A process of
fetchtui's own reads each fetching thread's state from the kernel (`/proc`) about 120 times
a second, so the threads it watches give up nothing for it, and counts each thread's time as
one of:

""" + "".join(f"- `{name}`"
              + (f" (`waiting for a core` where wide, `{short}` at 80 columns)" if short != name else "")
              + f" — {MEANING[name]}.\n" for name, short in _SHOWN.items()) + """
*Why `gil` grows with threads on instant requests*: a request to an instant server is almost
all Python (building it, parsing the answer) and hardly any wait, and only one thread runs
Python at a time. Each thread added is one more thread queued behind the one running, so
req/s stays at the ceiling while the `gil` share climbs with every thread added.
*Why `net` dominates on slow ones*: a request to a slow server is almost all waiting for its
answer, and a thread waiting on a socket lets the GIL go; its few milliseconds of Python
rarely meet another thread's, so nearly all of each thread's time is `net`, and more threads
keep helping until the `gil` (or `cpu`) share starts to grow. On a free-threaded Python
there is no `gil`: a shared Session's threads queue on its pool's lock instead (`lock`).
"""

HELP = """\
# fetchtui

**What you are watching.** A thread pool of N worker threads fetches your URL list. Each
worker takes the next URL, waits for the server, then takes another. With 1 worker the
requests run one after another; with 10, ten wait at the same time, so a list of slow
requests finishes about ten times sooner.

**Connections** — the figures count the connections opened and reused, and give p50/p99 of
each phase: DNS, connect, TLS, wait (request sent to first byte) and receive. Each finished
request in the table names its connection (`conn 3 new`, `conn 3 reused`).

**Threads** — one group per worker thread: its `threading.get_ident()`, name and native id,
the request it is waiting on now and for how long, how many it has done, and its *busy*
share (time spent inside requests). Under it, its last finished requests: status, bytes, ms.

**Figures** — done/total, req/s, latency percentiles (p50: half the requests were faster),
status codes and error kinds (timeout, connect, reset, tls, redirects, too_large, invalid,
http). Every request ends once: ok, failed or cancelled.

**History** — every run, this launch's and earlier ones (they are kept on disk). Enter or
a double click runs a row again. *Speedup* compares a run with the 1-worker
run of the same list and client: the classic sequential-vs-pool number.

**Sweep** (ctrl+r) runs the list at each worker count in the *sweep* field and plots req/s
against workers beside the ideal (linear) line. **Compare** (ctrl+b) runs it on each client.

**Why more threads stop helping.** Python runs one thread's Python code at a time (the
GIL), so throughput cannot pass one request per CPU time per request, whatever the worker
count: that is the *GIL ceiling* line. A list of slow requests (I/O-bound) sits far under
it and threads help; instant requests (CPU-bound) hit it and more threads do not.
The pool runs in a process of its own (the pid in the table), so this screen takes no GIL
time from it.
""" + STATES + """
**Experiments inside a run.** `+` and `-` in the live pane (or the workers field) resize
the running pool at once: a new worker starts its first request within milliseconds, a
retiring one leaves after the request it is on (nothing is dropped); under processes they
set the threads of each process, under asyncio the tasks. The table gains and loses groups,
the timeline's lanes start and end (┤) where workers joined and left, and the throughput
chart marks each change. `p` pauses: requests in flight finish, nothing new starts, and the
paused time counts in neither req/s nor a duration; `p` again goes on. **Stages** (the
duration field or `--stages 2:10s,8:10s,32:10s`) run each worker count for its time in one
run: watch req/s step up, then stop stepping.

**What limits this run** — the *limit* line names the bound, with its figures. Little's law
is the check: requests in flight = req/s times latency.

- **workers** — every worker is busy, the client has CPU to spare and requests take as long
  as they do alone: more workers would help.
- **client_cpu** — the workers' CPU per request times req/s is near what the client's Python can
  spend (one core per process under the GIL): more threads will not help; processes or a
  client in C would.
- **server** — more workers raised latency, not req/s (or requests take several times as
  long as their URL's fastest did), with the client's CPU low: requests queue at the server.
- **rate** — an open-loop run (`-q`) that keeps its schedule: the rate you asked for sets the
  pace, not the workers.

**Verdicts.** The *URLs* tab gives a row per distinct URL of the list, in list order, live:
which URL is slow. `--check` (e.g. `p99<200ms`, `errors<1%`, `url[2].p50<1s`) shows its
checks under the figures — `·` open, ✗ as soon as a count or the max is past its bound for
good, ✓/✗ for the percentiles at the end. In the History tab, `m` on one run and `m` on
another compares them: each figure's change with a 95% interval and a verdict (slower,
faster, no significant change), as `fetchtui diff` does.

**Timeline** (F9) — one lane per thread, time left to right, a bar per request: █/▓ ok,
▚ failed, ░ cancelled, ▒ running (and coloured by the theme); a bar starts with its setup —
╌ DNS, ─ connect, ═ TLS — and ends with ▄ receive; dots are time a thread sat idle. Arrow
keys or a click select a request and show its details below; clicking a thread
group in the table selects its lane. Under each thread's lane (Linux, a run fetched here) a
row of its sampled states: █ cpu, G gil, L lock, ~ net, ░ waiting for a core, · idle,
? other (the legend line names them); a column shows the state the thread spent most of it
in. In the table ✓ marks an ok request, ✗ a failed one, ⊘ a cancelled one.

**Charts** (F8) — requests finished per second over the run (a line marks each resize of
the pool, with its new size), and the latency histogram.

**Keys** — ctrl+s start · ctrl+c cancel (copies instead when text is selected) · + / -
workers, the running pool's too (in the workers field or the live pane) · p pause or go on
(the live pane) · ctrl+r sweep · ctrl+b compare clients ·
F5 compare models ·
ctrl+t threads · F9 timeline · F8 charts · F12 URLs · F3 history · F4 sweep chart · ctrl+o export ·
F2 workers · ctrl+l URLs · ctrl+g show or hide the setup pane · ctrl+p palette · ctrl+q quit.
No key of the URL editor or of a field is taken: they all do what Textual's widgets do.
On a terminal narrower than 120 columns the setup pane and the live view take the screen in
turn: a run shows its views, ctrl+g the setup pane and back. Escape closes this help.
"""


SESSION = """
**Why a shared Session is faster.** A request on a new connection first resolves the host
(DNS), connects (TCP) and, over https, shakes hands (TLS); a request on a reused connection
skips all three. `requests` shares one Session, so each worker keeps its connection;
`requests-get` (a bare `requests.get`) opens one per request. Compare them with ctrl+b.
"""


MODELS = """
**Past the ceiling: the models** (F5 runs the list under each one you check; `fetchtui
sweep --models` does it headless).

- **threads** — the seed's way: `-w` threads in one process. They wait on the network in
  parallel, but the client's Python runs one thread at a time: the ceiling above holds.
- **processes** — `-P` processes of `-w` threads each, taking requests as they free up. Each
  process has its own interpreter and GIL, so the CPU per request is paid on every core at
  once: the ceiling is *processes on cores / CPU per request*. It costs a process start
  (a fraction of a second) and memory per process. The table groups workers by pid.
- **asyncio** — one thread, one event loop, `-w` tasks: while a task waits on the network
  the loop runs another. Every request shows the same thread ident: one thread, many
  requests in flight. It does not pass the GIL — it is all one thread — but it spends no
  time switching threads, and aiohttp's C parser spends little CPU per request.
- **a client whose HTTP runs in C** — `pycurl`: libcurl parses and moves the bytes in C and
  lets go of the GIL while it does, so the Python per request is small and the ceiling high,
  even with threads: it is bounded by the cores, not by one GIL.
- **curl-multi** — the lesson's last step: asyncio's event loop, written in C. One thread
  per process hands libcurl's multi interface `-w` transfers, and libcurl moves each one as
  its socket is ready; the table has a group per transfer slot, all with the one thread's
  ident. The Python left per request is a few calls to hand a transfer out and take it
  back, so its ceiling (one core per process, `-P` of them) sits far above the others'.
- **no GIL at all** — a free-threaded Python (3.13t, 3.14t: PEP 703) runs every thread's
  Python at once. Pick one in the *python* field (or start with `--python PATH`): the pool's
  process runs on it while this screen stays on its own Python, and the stats line says
  `GIL off`. The ceiling moves from *one core per process* to *the cores / CPU per
  request*, so two threads can nearly double an instant list. The lesson's own advice turns
  into an experiment there: a shared `requests.Session` loses ground to a Session per thread
  (`requests-per-thread`) as threads are added — they now queue on the shared pool's lock
  instead of on the GIL. F5 checks interpreters as well as models, to run them side by side.
"""


def models_lesson(runs: Sequence[RunRecord]) -> str:
    """The models in the user's own numbers: the latest run of each model and client."""
    ran = [record for record in runs if record.summary.ok]
    several = len({r.summary.python.label if r.summary.python else "" for r in ran}) > 1
    latest: dict[str, RunRecord] = {}
    for record in ran:  # on more than one interpreter, each (client, interpreter) apart
        python = record.summary.python
        latest[record.client + (f" · {python.label}" if several and python is not None else "")] = record
    if len(latest) < 2:
        return MODELS
    rows = ["| model, client | workers | req/s | CPU ms / request | ceiling req/s |",
            "|---|---:|---:|---:|---:|"]
    for client, record in latest.items():
        s = record.summary
        ceiling = f"{s.gil_ceiling_rps:,.0f}" if s.gil_ceiling_rps else "-"
        rows.append(f"| {safe_text(client)} | {record.workers} | {s.rps:,.0f} | "
                    f"{s.cpu_ms_per_request:.3f} | {ceiling} |")
    fastest = max(latest, key=lambda name: latest[name].summary.rps)
    return (MODELS + "\nYour latest run of each (the history has them all):\n\n" + "\n".join(rows)
            + f"\n\nThe fastest here: **{safe_text(fastest)}** at "
              f"**{latest[fastest].summary.rps:,.0f} req/s**.\n")


#: Where the help's "Why more threads stop helping" ends: the last run's states follow it.
WHY_END = "so this screen takes no GIL\ntime from it.\n"
#: How each wait reads in a sentence of the lesson
_SPENT = {"gil": "waiting for the GIL", "net": "waiting on the network", "cpu": "on a core",
          "runnable": "waiting for a core", "lock": "waiting on another lock", "idle": "idle",
          "other": "in other waits"}
_SO = {
    "gil": "the GIL was the limit: one thread ran Python at a time, so more threads would only queue for it.",
    "net": "they mostly waited on the network, each letting the GIL go: more threads would still help, "
           "until the `gil` share grows.",
    "runnable": "the machine's cores were all busy: more threads (or processes) would wait for a core.",
    "lock": "a lock other than the GIL held them (a shared pool's, a queue's): a Session per thread, or "
            "fewer sharing it, would help.",
    "cpu": "they were mostly running: the work itself, not a wait, set the pace.",
}


def states_lesson(shares: dict[str, float], workers: int | None) -> str:
    """The lesson in the last run's measured thread states (`shares` of their time, by state)."""
    shown = sorted(((s, v) for s, v in shares.items() if v >= 0.005), key=lambda item: -item[1])
    if not shown:
        return ""
    said = ", ".join(f"**{v:.0%}** {_SPENT.get(s, s)}" for s, v in shown[:4])
    top_wait = next((s for s, _ in shown if s != "idle"), shown[0][0])
    threads = f"{workers} threads" if workers else "the threads"
    return (f"\n*In your last run* {threads} spent {said} of their time: "
            f"{_SO.get(top_wait, 'see each state below.')}\n")


def measured(states: ThreadStates | str | None, runs: Sequence[RunRecord]) -> str:
    """The help's measured sentence: the run on screen's states, else the latest recorded run's
    that has them, else nothing (the general text stands alone)."""
    if isinstance(states, ThreadStates) and states.why is None and states.shares:
        return states_lesson(states.shares, None)
    for record in reversed(runs):
        summed = record.summary.thread_states
        if summed is not None and summed.shares:
            return states_lesson(summed.shares, record.workers)
    return ""


def session_lesson(stats: RunStats | None) -> str:
    """The lesson in the numbers of the run on screen, when it has them."""
    setup = stats.setup_ms() if stats is not None else None
    if stats is None or setup is None:
        return SESSION
    conns = stats.connections()
    saved = setup * conns.reused
    return SESSION + (
        f"\nIn the run on screen, {conns.opened} requests opened a connection, at "
        f"**{setup:.2f} ms** of DNS + connect + TLS each on average; the "
        f"{conns.reused} that reused one saved that: about **{saved:.0f} ms** of waiting "
        f"in all ({conns.reused_share:.0%} of the requests).\n")


LESSON_KEYS = """
**In a lesson** (`fetchtui lesson`) — the lesson pane takes the setup pane's place: the step's
text, its code, its settings and, once it has run, what it measured beside its speedup
against the lesson's first step on the same URLs. alt+→ next step · alt+← previous step
(alt+f and alt+b where the terminal sends those) · ctrl+s runs the step · ctrl+g shows or
hides the lesson pane.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape,q,f1,question_mark", "close", "Close help")]

    def __init__(self, stats: RunStats | None = None, runs: Sequence[RunRecord] = (),
                 lesson: bool = False, states: ThreadStates | str | None = None) -> None:
        """`states`: the run on screen's thread states so far (the stats panel's), if sampled."""
        super().__init__()
        self._stats = stats
        self._runs = runs
        self._lesson = lesson  # the lesson's keys are said too
        self._states = states

    def compose(self) -> ComposeResult:
        why = HELP.replace(WHY_END, WHY_END + measured(self._states, self._runs), 1)
        with VerticalScroll(id="help-dialog"):
            yield Markdown(why + (LESSON_KEYS if self._lesson else "") + models_lesson(self._runs)
                           + session_lesson(self._stats))

    def action_close(self) -> None:
        self.dismiss(None)
