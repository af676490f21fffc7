"""`python -m fetchtui.core.threadstates.child PID HZ [live]`: sample PID's threads until stdin
closes. On stdout: one byte once sampling, then frames (a kind byte, a 4-byte length, the
bytes): with `live`, the totals so far and the ticks since the last, about every half second;
the timeline last (ChildWatch reads them)."""

from __future__ import annotations

import os

if __name__ == "__main__":  # as the sampler, before its imports: the run it samples comes first
    os.nice(SAMPLER_NICE := 5)

import signal
import sys
import threading

from fetchtui.core.threadstates.frames import READY, TICKS, TIMELINE, TOTALS, write_frame
from fetchtui.core.threadstates.gil import classifier_for
from fetchtui.core.threadstates.live import EVERY_S, Totals
from fetchtui.core.threadstates.sampler import Sampler


def main(argv: list[str]) -> int:
    pid, hz, live = int(argv[0]), float(argv[1]), argv[2:] == ["live"]
    # a terminal's ctrl+c (or hang-up) reaches the whole process group: the run it samples
    # closes its stdin when it is done with it, and that ends it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    stop = threading.Event()

    def closed() -> None:
        sys.stdin.buffer.read()  # until the parent closes it (or ends)
        stop.set()

    threading.Thread(target=closed, daemon=True).start()
    sampler = Sampler(pid, classifier_for(pid), hz)
    sampler.tick()  # its threads' first readings: the run's time counts from here
    out = sys.stdout.buffer
    out.write(READY)
    out.flush()
    totals = Totals(sampler.timeline)
    sent = 0  # the timeline's rows sent so far (a live view draws them)

    def report() -> None:
        nonlocal sent
        write_frame(out, TOTALS, totals.message())
        rows = len(sampler.timeline)
        write_frame(out, TICKS, sampler.timeline.to_bytes(sent))
        sent = rows

    timeline = sampler.run(stop, report if live else None, EVERY_S)
    write_frame(out, TIMELINE, timeline.to_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
