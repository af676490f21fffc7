"""The Textual live monitor; the only package that imports textual."""

import os

# Textual paints a dirty screen on its next update tick, 60 a second by default: up to 16 ms
# between a frame's changes and the terminal. At 120 the lag's p99 fell from 85-104 ms to
# 80-82 ms (bench/tui.py). Read when textual is first imported; a user's own setting wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
