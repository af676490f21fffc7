"""Fetching one request: the HTTP clients, the socket deadline, and error classification."""
