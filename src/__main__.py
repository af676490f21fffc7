"""Entry point for `python -m fetchtui`."""

from fetchtui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
