"""How an outcome looks: a glyph for each, so that colour is never the only difference."""

from __future__ import annotations

from fetchtui.core.runs.events import Outcome

#: Beside a finished request's status in the thread table (and ▶ before one in flight).
GLYPH = {Outcome.OK: "✓", Outcome.FAILED: "✗", Outcome.CANCELLED: "⊘"}
RUNNING = "▶"

#: The cells of a timeline bar: ok alternates two fills so back-to-back requests stay apart.
BAR = {"ok": ("█", "▓"), "failed": ("▚", "▚"), "cancelled": ("░", "░"), "running": ("▒", "▒")}
IDLE = "·"

#: The setup phases of a bar, before its wait: told apart from each other and from the wait
#: (drawn with the outcome's cells) by glyph as well as colour.
PHASE = {"dns": "╌", "connect": "─", "tls": "═", "receive": "▄"}
#: Where a timeline lane ends: its worker left a shrinking pool.
RETIRED = "┤"
