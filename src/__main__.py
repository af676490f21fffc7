"""Entry point for `python -m fetchtui`."""

from fetchtui.command import command

if __name__ == "__main__":
    raise SystemExit(command())
