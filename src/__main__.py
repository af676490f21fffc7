"""Entry point for `python -m fetchtui`."""

from fetchtui.cli import command

if __name__ == "__main__":
    raise SystemExit(command())
