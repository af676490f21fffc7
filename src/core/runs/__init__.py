"""Run sources: where a run's requests are fetched (this process, a child process) or replayed."""
