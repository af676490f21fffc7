"""The run history: every front end's runs, kept on disk in SQLite, with their speedups."""
