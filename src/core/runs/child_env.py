"""The environment every Python child fetchtui starts runs in."""

from __future__ import annotations

import os


def child_env() -> dict[str, str]:
    """This process's environment with PYTHONSAFEPATH=1: a child started with `-m` or `-c`
    would otherwise put the working directory first on sys.path, and a file there named like
    a module it imports (`nt.py`, `queue.py`) would run in its place. Python 3.11+ honours
    it; 3.10 ignores it (`-P` would be refused there)."""
    return {**os.environ, "PYTHONSAFEPATH": "1"}
