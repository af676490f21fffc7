"""The fetch process: the one serve loop (serve.py) over a front end's runs, one after another."""

from __future__ import annotations

import fetchtui.core.runs.models  # noqa: F401 - the pool is imported as the process spawns (warm), not at its first run
from fetchtui.core.runs.serve import serve


def main() -> None:
    serve(one_run=False)


if __name__ == "__main__":
    main()
