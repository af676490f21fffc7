"""fetchtui: watch concurrent HTTP fetching happen, thread by thread."""

__version__ = "0.1.0"
