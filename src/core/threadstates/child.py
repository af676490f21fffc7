"""`python -m fetchtui.core.threadstates.child PID HZ`: sample PID's threads until stdin closes,
then write the timeline to stdout (ChildWatch reads it), after one byte once sampling."""

from __future__ import annotations

import os

if __name__ == "__main__":  # as the sampler, before its imports: the run it samples comes first
    os.nice(SAMPLER_NICE := 5)

import signal
import sys
import threading

from fetchtui.core.threadstates.sampler import Sampler
from fetchtui.core.threadstates.watch import READY, classifier_for


def main(argv: list[str]) -> int:
    pid, hz = int(argv[0]), float(argv[1])
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
    sys.stdout.buffer.write(READY)
    sys.stdout.buffer.flush()
    timeline = sampler.run(stop)
    sys.stdout.buffer.write(timeline.to_bytes())
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
