"""What a run leaves: its summary and export as types, their codec and schema, the checks, the diff."""
