"""Python's cyclic garbage collector, held off while the `fetchtui` command starts.

Importing requests and fetchtui makes ~40,000 objects that live as long as the process, and
the collector walked them again and again as they were made: ~10 ms of a one-request
`fetchtui run URL` (bench/startup.py), the seed's script's whole budget for its own code.
The command holds the collector until its start-up is over (the run has started, the app has
painted its first frame), then freezes what start-up made (later collections never walk it;
reference counting still frees it) and turns the collector back on for the run. Only the
command holds it: in-process callers (the tests) never do, and release() is then a no-op.
"""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Off until release(): the command's imports and parsing make no garbage cycles worth a walk."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Start-up is over: freeze what it made and collect again (once; a no-op unless held)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
