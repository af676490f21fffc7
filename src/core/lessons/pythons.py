"""The free-threaded Python a lesson's `{free-threaded}` step runs on, if there is one here."""

from __future__ import annotations

import sys

from fetchtui.core.runs.interpreter import InterpreterError, current, offered, probe

#: What a `{free-threaded}` step that cannot run says (the step's own text says it at length).
HOW_TO_GET = ("no free-threaded Python with this fetchtui was found (python3.13t or python3.14t "
              "on PATH): install one (`uv python install 3.13t`, or python.org's installer's "
              "free-threaded option), then `python3.13t -m pip install fetchtui`")


def free_threaded() -> str | None:
    """This Python if it runs with the GIL off; else the first free-threaded one on PATH
    (interpreter.ON_PATH) that runs this fetchtui; else None."""
    mine = current()
    if mine.free_threaded and not mine.gil:
        return sys.executable
    for path in offered()[1:]:
        assert path is not None
        try:
            if probe(path).free_threaded:
                return path
        except InterpreterError:
            continue
    return None
