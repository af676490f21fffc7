"""Runs: their sources (fetching or replaying), events, Python, lifecycle (RunSession) and sweep."""
