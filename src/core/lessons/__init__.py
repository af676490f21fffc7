"""Lessons: Markdown files of steps, each a run's settings, its code and its text (no Textual)."""
