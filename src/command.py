"""The `fetchtui` command's entry point (the console script and `python -m fetchtui`)."""

from __future__ import annotations

import gc

from fetchtui import collector


def command() -> int:
    """cli.main(), with the collector held from the first import on, then the process ends.

    The cyclic collector is held off while the command starts (fetchtui.collector), before the
    command line module and its imports load: that is why this module imports nothing else.
    Before the process ends the heap is frozen: the interpreter's last collections walked
    every object its imports and the run made, 15 ms of a one-request `fetchtui run URL`
    (bench/startup.py) and more after a long run, to free memory the process was giving back
    anyway. What must outlive the process is closed before main() returns: exports, the
    history, the fetch processes. In-process callers (tests) call cli.main(), which holds and
    freezes nothing.
    """
    collector.hold()
    try:
        from fetchtui.cli import main

        return main()
    finally:
        gc.freeze()
